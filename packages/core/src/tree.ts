/**
 * Trees of tensors: the shape of every parameter, state and gradient record (as in Equinox/JAX pytrees).
 * A tree is a tensor, a readonly array of trees, or a readonly record of trees. Leaves are visited in a fixed
 * order (array index, then record keys in insertion order), so `flatten`/`unflatten` round-trip and two trees
 * of the same structure zip leaf by leaf.
 *
 * @category trees
 */
import * as tf from './tf.js';
import { SpikefnArgumentError } from './validate.js';

/** A tensor, or an array or record of trees. @category trees */
export type Tree = tf.Tensor | readonly Tree[] | { readonly [key: string]: Tree };

/** The empty state of a stateless layer (Optax's `EmptyState`): a record with no entries, never `null`. @category trees */
export type Empty = { readonly [key: string]: never };

/** The empty record. @category trees */
export const empty: Empty = Object.freeze({}) as Empty;

const isTensor = (x: unknown): x is tf.Tensor => x instanceof tf.Tensor;

/** Paths and leaves in visiting order. A path is the list of keys/indices from the root. @category trees */
export function flattenWithPaths(tree: Tree): Array<readonly [readonly (string | number)[], tf.Tensor]> {
  const out: Array<readonly [readonly (string | number)[], tf.Tensor]> = [];
  const go = (t: unknown, path: readonly (string | number)[]): void => {
    if (isTensor(t)) out.push([path, t]);
    else if (Array.isArray(t)) {
      t.forEach((c, i) => {
        go(c, [...path, i]);
      });
    } else if (t !== null && typeof t === 'object') for (const [k, c] of Object.entries(t)) go(c, [...path, k]);
    else
      throw new SpikefnArgumentError(
        'tree',
        path.length === 0 ? 'tree' : path.join('.'),
        'a tensor, array or record of tensors',
        String(t),
      );
  };
  go(tree, []);
  return out;
}

/** The leaves of `tree` in visiting order. @category trees */
export function leaves(tree: Tree): tf.Tensor[] {
  return flattenWithPaths(tree).map(([, t]) => t);
}

/** Paths as dotted names (`'conv1.weight'`), for checkpoints and messages. @category trees */
export function leafNames(tree: Tree): string[] {
  return flattenWithPaths(tree).map(([p]) => p.join('.'));
}

/** Rebuilds a tree of `structure`'s shape from `newLeaves` (in visiting order). @category trees */
export function unflatten<T extends Tree>(structure: T, newLeaves: readonly tf.Tensor[]): T {
  let i = 0;
  const go = (t: unknown): unknown => {
    if (isTensor(t)) {
      const leaf = newLeaves[i++];
      if (leaf === undefined) throw new SpikefnArgumentError('unflatten', 'leaves', `at least ${i} leaves`, `${newLeaves.length}`);
      return leaf;
    }
    if (Array.isArray(t)) return t.map(go);
    return Object.fromEntries(Object.entries(t as object).map(([k, c]) => [k, go(c)]));
  };
  const out = go(structure) as T;
  if (i !== newLeaves.length)
    throw new SpikefnArgumentError('unflatten', 'leaves', `${i} leaves (the structure's count)`, `${newLeaves.length}`);
  return out;
}

/** Applies `f` to every leaf. @category trees */
export function map<T extends Tree>(tree: T, f: (leaf: tf.Tensor, path: readonly (string | number)[]) => tf.Tensor): T {
  return unflatten(
    tree,
    flattenWithPaths(tree).map(([p, t]) => f(t, p)),
  );
}

/** Applies `f` leaf by leaf to trees of one structure (e.g. params and grads). @category trees */
export function zipWith<T extends Tree>(f: (...leaves: tf.Tensor[]) => tf.Tensor, tree: T, ...others: readonly Tree[]): T {
  const ls = leaves(tree);
  const os = others.map((o, j) => {
    const l = leaves(o);
    if (l.length !== ls.length)
      throw new SpikefnArgumentError('zipWith', `trees[${j + 1}]`, `${ls.length} leaves (same structure as the first tree)`, `${l.length}`);
    return l;
  });
  return unflatten(
    tree,
    ls.map((t, i) => f(t, ...os.map((o) => o[i] as tf.Tensor))),
  );
}

/** Disposes every leaf (a leaf shared twice is disposed once). @category trees */
export function dispose(tree: Tree): void {
  for (const t of new Set(leaves(tree))) t.dispose();
}

/** Disposes the leaves of `tree` that are not leaves of any of `keep` (by identity). @category trees */
export function disposeExcept(tree: Tree, ...keep: readonly Tree[]): void {
  const kept = new Set(keep.flatMap((k) => leaves(k)));
  for (const t of new Set(leaves(tree))) if (!kept.has(t) && !t.isDisposed) t.dispose();
}

/** A deep copy with fresh tensors (`tf.clone` on every leaf). @category trees */
export function clone<T extends Tree>(tree: T): T {
  return map(tree, (t) => tf.clone(t));
}

/** Number of scalar entries over all leaves (e.g. the parameter count). @category trees */
export function size(tree: Tree): number {
  return leaves(tree).reduce((n, t) => n + t.size, 0);
}
