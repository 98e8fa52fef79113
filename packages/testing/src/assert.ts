/**
 * Assertions over tensors and trees that explain what differs (path, index, values).
 *
 * @category testing
 */
import * as tf from '@spikefn/core/tf';
import { treeFlattenWithPaths as flattenWithPaths, type Tree } from '@spikefn/core';

/** Tolerances: `|a - b| <= atol + rtol·|b|`. `{atol: 0, rtol: 0}` is bitwise equality. @category testing */
export type Tol = {
  /** The absolute tolerance. */
  readonly atol: number;
  /** The relative tolerance, a fraction of `abs(b)`. */
  readonly rtol: number;
};

/** Exact equality. @category testing */
export const exact: Tol = { atol: 0, rtol: 0 };

/** Throws unless `a` and `b` have the same structure, shapes, dtypes and values within `tol`. @category testing */
export function assertTreesClose(a: Tree, b: Tree, tol: Tol = exact, what = 'trees'): void {
  const la = flattenWithPaths(a);
  const lb = flattenWithPaths(b);
  if (la.length !== lb.length) throw new Error(`${what}: ${la.length} leaves vs ${lb.length}`);
  la.forEach(([path, x], i) => {
    const [pathB, y] = lb[i] as (typeof lb)[number];
    const name = `${what}${path.length > 0 ? `.${path.join('.')}` : ''}`;
    if (path.join('.') !== pathB.join('.')) throw new Error(`${what}: leaf ${i} is '${path.join('.')}' vs '${pathB.join('.')}'`);
    if (x.dtype !== y.dtype) throw new Error(`${name}: dtype ${x.dtype} vs ${y.dtype}`);
    if (x.shape.length !== y.shape.length || x.shape.some((d, j) => d !== y.shape[j]))
      throw new Error(`${name}: shape [${x.shape}] vs [${y.shape}]`);
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let j = 0; j < xs.length; j++) {
      const u = xs[j] as number;
      const v = ys[j] as number;
      if (!(Math.abs(u - v) <= tol.atol + tol.rtol * Math.abs(v)) && !(u === v)) {
        throw new Error(`${name}: differs at flat index ${j}: ${u} vs ${v} (atol ${tol.atol}, rtol ${tol.rtol})`);
      }
    }
  });
}

/**
 * Counts tensors that `f` created and left alive, not counting those it returns (which are then disposed).
 * Returned tensors that existed before the call (an identity's input) are neither counted nor disposed.
 *
 * @category testing
 */
export function leakedBy(f: () => Tree): number {
  const probe = tf.scalar(0);
  const firstNewId = probe.id + 1;
  probe.dispose();
  const before = tf.memory().numTensors;
  const out = f();
  const fresh = [...new Set(flattenWithPaths(out).map(([, t]) => t))].filter((t) => t.id >= firstNewId && !t.isDisposed);
  const after = tf.memory().numTensors;
  tf.dispose(fresh);
  return after - before - fresh.length;
}

/**
 * Runs `f`, which may throw, and counts the tensors it left alive: when it returns, what it returned is disposed and
 * not counted (as in {@link leakedBy}); when it throws, every new tensor counts. Returns the count and the error
 * thrown (`undefined` when `f` returned).
 *
 * @category testing
 */
export function leakedByFailure(f: () => Tree): {
  /** Tensors left alive (not counting what `f` returned). */
  readonly leaked: number;
  /** What `f` threw, or `undefined` when it returned. */
  readonly error: unknown;
} {
  let error: unknown;
  const leaked = leakedBy(() => {
    try {
      return f();
    } catch (e) {
      error = e;
      return [];
    }
  });
  return { leaked, error };
}
