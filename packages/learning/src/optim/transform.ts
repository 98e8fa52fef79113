/**
 * Gradient transformations (Optax's `GradientTransformation`, Babuschkin et al., "The DeepMind JAX Ecosystem", 2020;
 * `optax/_src/base.py`): a pair of pure functions over trees that turn gradients into updates,
 *
 *   init(params) -> state
 *   update(updates, state, params) -> [updates', state']
 *
 * composed with {@link chain} and applied with {@link applyUpdates} (`p' = p + u`). An optimiser is a chain that ends in
 * a negative learning rate, e.g. Adam = `chain(scaleByAdam(), scaleByLearningRate(lr))`; {@link asOptimizer} turns a
 * transformation into an {@link Optimizer}.
 *
 * Memory contract of every transformation here: `update` mutates and disposes nothing; `updates'` are new tensors
 * (never the input updates, params or state tensors); `state'` holds new tensors where the state changed and may reuse
 * leaves of `state` where it did not (so dispose the old state with `treeDisposeExcept(state, state')`); nothing else
 * is left behind.
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { treeLeaves as leaves, type Tree, SpikefnArgumentError } from '@spikefn/core';

/**
 * A gradient transformation (Optax's): `init(params) -> state`, `update(updates, state, params) -> [updates', state']`,
 * pure. `updates` and `updates'` have the params' structure.
 *
 * @category optimisers
 */
export type GradientTransformation<S extends Tree = Tree> = {
  /** The initial state for `params` (buffers shaped like them, counts at 0; `{}` for a stateless transformation). */
  init<P extends Tree>(params: P): S;
  /** Transforms `updates` (gradients, or the previous transformation's output); returns new tensors. */
  update<P extends Tree>(updates: P, state: S, params: P): readonly [P, S];
};

/** The state type of a gradient transformation. @category optimisers */
export type TransformState<T> = T extends GradientTransformation<infer S> ? S : never;

/** Throws unless `updates` and `params` have the same number of leaves (internal). */
export function sameLeaves(fn: string, updates: Tree, params: Tree): [tf.Tensor[], tf.Tensor[]] {
  const us = leaves(updates);
  const ps = leaves(params);
  if (us.length !== ps.length)
    throw new SpikefnArgumentError(fn, 'updates', `a tree with ${ps.length} leaves (the params' structure)`, `${us.length} leaves`);
  return [us, ps];
}

/** `tf.tidy` over a function returning trees (or tuples of trees) (internal). */
export const tidyTree = <T>(f: () => T): T => tf.tidy(() => f() as unknown as tf.TensorContainer) as unknown as T;
