// expNonPositive, the one e^x of the kernels and scalar surrogate derivatives, against Math.exp.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXP_FRAC, EXP_INT, expNonPositive } from '../src/exp.js';

describe('expNonPositive', () => {
  it('is within 1e-10 relative of Math.exp on −708 <= x <= 0 (normal results), 1 at 0, tiny or 0 below, 0 at −∞', () => {
    fc.assert(
      fc.property(fc.double({ min: -708, max: 0, noNaN: true }), (x) => {
        const want = Math.exp(x);
        expect(Math.abs(expNonPositive(x) - want)).toBeLessThanOrEqual(1e-10 * want);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: -708, noNaN: true }), (x) => {
        expect(expNonPositive(x)).toBeLessThan(1e-300);
      }),
    );
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(-1e9)).toBe(0);
    expect(expNonPositive(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(expNonPositive(Number.NaN)).toBeNaN();
  });

  it('is exact at multiples of ln2/64 (the table entries: f = 0, so e^x = 2^(−j/64)·2^(−m))', () => {
    // x = −(64·m + j)·ln2/64 is e^x = 2^(−m − j/64); the reduction recovers n = 64·m + j exactly for these x.
    for (const [m, j] of [
      [0, 1],
      [1, 0],
      [3, 17],
      [10, 63],
    ] as const) {
      const x = (-(64 * m + j) * Math.LN2) / 64;
      expect(Math.abs(expNonPositive(x) / 2 ** -(m + j / 64) - 1)).toBeLessThan(1e-14);
    }
    expect(EXP_FRAC.length).toBe(64);
    expect(EXP_INT[1074]).toBe(2 ** -1074);
    expect(EXP_INT[1075]).toBe(0);
  });
});
