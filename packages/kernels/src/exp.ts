/**
 * The one e^x of spikefn's kernels and scalar surrogate derivatives, for x ≤ 0, in plain arithmetic (V8 calls into C
 * for `Math.exp`, which costs about three times more per value in a loop).
 *
 * With y = 64·x/ln 2 and n = round(−y): e^x = 2^(−n/64)·e^f, f = x + n·ln2/64 in [−ln2/128, ln2/128], e^f from a
 * cubic (1 + f + f²/2 + f³/6) and 2^(−n/64) = 2^(−(n mod 64)/64)·2^(−⌊n/64⌋) from the two tables below. Relative error
 * below 1e-10 wherever e^x is a normal double (x ≥ −708); 0 for x < −745 and −∞; NaN stays NaN.
 *
 * Hot loops that cannot afford a call per element inline the same reduction with these tables ({@link EXP_FRAC},
 * {@link EXP_INT}, {@link EXP_SCALE}, {@link EXP_STEP}); nothing else in spikefn builds its own table.
 *
 * @module
 */

/** 2^(−j/64) for j = 0..63. @category exp */
export const EXP_FRAC: Float64Array = Float64Array.from({ length: 64 }, (_, j) => 2 ** (-j / 64));
/** 2^(−m) for m = 0..1074 (2^−1074 is the smallest subnormal), then 0. @category exp */
export const EXP_INT: Float64Array = Float64Array.from({ length: 1076 }, (_, m) => (m < 1075 ? 2 ** -m : 0));
/** 64/ln 2: x·EXP_SCALE is x in units of 2^(1/64). @category exp */
export const EXP_SCALE: number = 64 * Math.LOG2E;
/** ln 2/64: one table step in units of x. @category exp */
export const EXP_STEP: number = Math.LN2 / 64;
/** Below this y = x·EXP_SCALE the result is 0 (x < −745.1…), and n = ⌊0.5 − y⌋ would leave the tables. @category exp */
export const EXP_Y_MIN = -68800;

/**
 * e^x for x ≤ 0 (see the module comment): `2^(−n/64)·(1 + f + f²/2 + f³/6)`, n = round(−64·x/ln 2),
 * f = x + n·ln 2/64.
 *
 * @category exp
 */
export function expNonPositive(x: number): number {
  const y = x * EXP_SCALE;
  if (y < EXP_Y_MIN) return 0;
  const n = (0.5 - y) | 0;
  const f = (y + n) * EXP_STEP;
  const p = 1 + f * (1 + f * (0.5 + f * (1 / 6)));
  return p * ((EXP_FRAC[n & 63] as number) * (EXP_INT[n >> 6] as number));
}
