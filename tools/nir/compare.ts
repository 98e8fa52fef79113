/**
 * Comparing tensors with fixture values: spikes exactly; every other value within
 * `|got − want| ≤ atol + rtol·|want|` (the fixtures' `tolerance`: 1e-5 and 1e-4).
 */
import type * as tf from '@spikefn/core/tf';

/** A nested list of numbers (row-major; the nesting is the shape). */
export type Nested = number | readonly Nested[];

/** The shape of a nested list. */
export function shapeOf(v: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = (cur as readonly Nested[])[0] as Nested;
  }
  return shape;
}

/** A nested list flattened, row-major. */
export const flat = (v: Nested): number[] => (typeof v === 'number' ? [v] : ((v as unknown[]).flat(Infinity) as number[]));

/** Tolerances: `[atol, rtol]`; `[0, 0]` is exact. */
export type Tol = readonly [number, number];

/** Throws a descriptive error unless `got` has `want`'s shape and values within `tol`. */
export function expectClose(name: string, got: tf.Tensor, want: Nested, tol: Tol): void {
  const wantShape = shapeOf(want);
  if (got.shape.length !== wantShape.length || got.shape.some((d, i) => d !== wantShape[i]))
    throw new Error(`${name}: shape [${got.shape.join(', ')}], want [${wantShape.join(', ')}]`);
  const g = Array.from(got.dataSync());
  const w = flat(want);
  const [atol, rtol] = tol;
  let bad = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < w.length; i++) {
    const excess = Math.abs((g[i] as number) - (w[i] as number)) - (atol + rtol * Math.abs(w[i] as number));
    if (!(excess <= 0)) {
      bad++;
      if (worst < 0 || excess > worstExcess || Number.isNaN(excess)) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0)
    throw new Error(
      `${name}: ${bad}/${w.length} values off (${atol === 0 && rtol === 0 ? 'exact' : `atol ${atol}, rtol ${rtol}`}); worst at flat index ${worst}: got ${g[worst]}, want ${w[worst]}`,
    );
}
