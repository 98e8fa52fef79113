/**
 * Cheap finiteness checks for a training loop: is the loss finite, are the updated parameters finite? One reduction
 * and one scalar read per call, so a loop can afford it at every step (the numerics guard of `@spikefn/core`,
 * `checkNumerics`, is the expensive tool that says where a value went bad; these say whether it did).
 *
 *   allFinite(t₁, …, tₙ) = isFinite(Σᵢ Σ_leaves Σ (leaf · 0))
 *
 * `leaf · 0` is 0 for every finite entry and NaN for NaN or ±Infinity, and a NaN anywhere makes the sum NaN, so the
 * one scalar is finite exactly when every entry is (IEEE-754: 0·∞ = NaN). Only float32 leaves can be non-finite.
 *
 * @category numerics
 */
import * as tf from '@spikefn/core/tf';
import {
  firstNonFinite,
  NumericsError,
  SpikefnArgumentError,
  treeFlattenWithPaths as flattenWithPaths,
  type NonFinite,
  type Tree,
} from '@spikefn/core';

const floatLeaves = (fn: string, trees: readonly Tree[]): tf.Tensor[] => {
  const out: tf.Tensor[] = [];
  trees.forEach((tree, i) => {
    for (const [path, t] of flattenWithPaths(tree)) {
      if (t.isDisposed)
        throw new SpikefnArgumentError(
          fn,
          `trees[${i}]${path.length === 0 ? '' : `.${path.join('.')}`}`,
          'a live tensor',
          'a disposed tensor',
        );
      if (t.dtype === 'float32') out.push(t);
    }
  });
  return out;
};

/**
 * The scalar behind {@link allFinite}, as a tensor: `Σ_leaves Σ (leaf · 0)` over the float32 leaves of `trees`, 0 when
 * every entry is finite and NaN otherwise. For a loop that reads it together with other per-step values in one
 * transfer (`tf.stack([loss, finiteProbe(loss, params)])`). The caller disposes it.
 *
 * @category numerics
 */
export const finiteProbe = (...trees: readonly Tree[]): tf.Scalar => probe('finiteProbe', trees);

const probe = (fn: string, trees: readonly Tree[]): tf.Scalar => {
  const ls = floatLeaves(fn, trees);
  return tf.tidy(() => (ls.length === 0 ? tf.scalar(0) : (tf.addN(ls.map((l) => tf.sum(tf.mul(l, 0)))) as tf.Scalar)));
};

/**
 * `true` when every entry of every float32 leaf of `trees` is finite (no NaN, no ±Infinity): one reduction and one
 * scalar read (a device sync on GPU backends). Pass the loss and the params together: `allFinite(loss, params)`.
 *
 * @category numerics
 */
export function allFinite(...trees: readonly Tree[]): boolean {
  const sum = probe('allFinite', trees);
  try {
    return Number.isFinite(sum.dataSync()[0]);
  } finally {
    sum.dispose();
  }
}

/** One non-finite leaf: its dotted name and its first bad entry. @category numerics */
export type NonFiniteLeaf = NonFinite & {
  /** The leaf's path, dotted and prefixed: `'params.fc.weight'`. */
  readonly name: string;
};

/**
 * The leaves of `tree` that hold a NaN or ±Infinity, named `prefix.path` (reads every float32 leaf to the host: call
 * it after {@link allFinite} said `false`, to write the message).
 *
 * @category numerics
 */
export function nonFiniteLeaves(tree: Tree, prefix = ''): NonFiniteLeaf[] {
  const out: NonFiniteLeaf[] = [];
  for (const [path, t] of flattenWithPaths(tree)) {
    if (t.isDisposed) throw new SpikefnArgumentError('nonFiniteLeaves', path.join('.') || 'tree', 'a live tensor', 'a disposed tensor');
    const bad = firstNonFinite(t);
    const name = [prefix, ...path.map(String)].filter((s) => s !== '').join('.');
    if (bad !== undefined) out.push({ name: name === '' ? '(root)' : name, ...bad });
  }
  return out;
}

/**
 * Throws a `NumericsError` (of `@spikefn/core`) naming `fn`, the first non-finite leaf of `tree` (called `what`), its
 * first bad entry and how many leaves are affected, unless every entry is finite. Costs one reduction when all is well.
 *
 * @example
 * ```ts
 * assertFinite('train', 'params', params); // NumericsError: train: params.fc.weight holds NaN (first at element [3, 0]; …)
 * ```
 * @category numerics
 */
export function assertFinite(fn: string, what: string, tree: Tree): void {
  if (allFinite(tree)) return;
  const bad = nonFiniteLeaves(tree, what);
  const first = bad[0];
  if (first === undefined) return; // finite after all (cannot happen: the reduction saw a non-finite entry)
  const value = Number.isNaN(first.value) ? 'NaN' : first.value > 0 ? 'Infinity' : '-Infinity';
  const idx = first.index.length === 0 ? 'the scalar' : `element [${first.index.join(', ')}]`;
  const more = bad.length > 1 ? `; ${bad.length} leaves are not finite: ${bad.map((b) => b.name).join(', ')}` : '';
  throw new NumericsError(
    {
      pass: 'forward',
      layer: '',
      kind: fn,
      step: undefined,
      tensor: first.name,
      value: first.value,
      index: first.index,
      count: first.count,
    },
    `${fn}: ${first.name} holds ${value} (first at ${idx}, ${first.count} non-finite value${first.count === 1 ? '' : 's'})${more}`,
  );
}
