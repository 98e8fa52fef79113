/**
 * Comparing tensors with fixture values at the fixtures' float32 tolerances:
 * values `|got - want| <= 1e-5 + 1e-4·|want|`, gradients `1e-4 + 1e-3·|want|`, spikes exactly.
 */
import * as tf from '@spikefn/core/tf';
import type { Nested } from './fixtures.js';

/** Which tolerance applies. */
export type Tolerance = 'value' | 'grad' | 'exact';

const TOL: Record<Tolerance, readonly [number, number]> = { value: [1e-5, 1e-4], grad: [1e-4, 1e-3], exact: [0, 0] };

/** The shape of a nested list. */
export function shapeOf(v: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  return shape;
}

/** A nested list as a float32 tensor (`null` is not allowed here). */
export function toTensor(v: Nested, name = 'value'): tf.Tensor {
  if (typeof v === 'number') return tf.scalar(v);
  if (!Array.isArray(v)) throw new Error(`parity: ${name} is not a tensor (got ${JSON.stringify(v)?.slice(0, 80)})`);
  const flat = (v as unknown[]).flat(Infinity) as number[];
  return tf.tensor(flat, shapeOf(v), 'float32');
}

/** Throws a descriptive error unless `got` matches `want` (shape and values) at the tolerance. */
export function expectClose(name: string, got: tf.Tensor | number, want: Nested, tol: Tolerance = 'value'): void {
  const wantShape = shapeOf(want);
  const gotShape = typeof got === 'number' ? [] : got.shape;
  if (gotShape.length !== wantShape.length || gotShape.some((d, i) => d !== wantShape[i])) {
    throw new Error(`${name}: shape [${gotShape.join(', ')}], want [${wantShape.join(', ')}]`);
  }
  const g = typeof got === 'number' ? [got] : Array.from(got.dataSync());
  const w = typeof want === 'number' ? [want] : ((want as unknown[]).flat(Infinity) as number[]);
  const [atol, rtol] = TOL[tol];
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i] as number;
    const gi = g[i] as number;
    const excess = Math.abs(gi - wi) - (atol + rtol * Math.abs(wi));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const bad = w.filter((wi, i) => !(Math.abs((g[i] as number) - wi) <= atol + rtol * Math.abs(wi))).length;
    throw new Error(
      `${name}: ${bad}/${w.length} values off (${tol} tolerance); worst at flat index ${worst}: got ${g[worst]}, want ${w[worst]}`,
    );
  }
}
