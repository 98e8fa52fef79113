/**
 * The optimiser record: a pair of pure functions over trees (Optax's `GradientTransformation`, applied to params):
 *
 *   init(params) -> optState
 *   update(grads, optState, params) -> [params', optState']
 *
 * Nothing is mutated or disposed: `update` returns new tensors and the caller disposes what it no longer needs
 * (usually the old params, old state and grads: see {@link step}). The state is a tree of tensors (the update count is
 * an int32 scalar), so it can be checkpointed like params.
 *
 * @category optimisers
 */
import type * as tf from '@spikefn/core/tf';
import { treeDisposeExcept as disposeExcept, type Tree } from '@spikefn/core';

/** An optimiser: `init` and `update`, pure. @category optimisers */
export type Optimizer<S extends Tree = Tree> = {
  /** `'sgd'`, `'adam'`, `'adamw'`. */
  readonly kind: string;
  /** The initial optimiser state for `params` (moment buffers shaped like them, count 0). */
  init<P extends Tree>(params: P): S;
  /** One update: `[params', state']` from the gradients (same structure as `params`). Mutates and disposes nothing. */
  update<P extends Tree>(grads: P, state: S, params: P): readonly [P, S];
};

/** Reads the update count (an int32 scalar tensor) of an optimiser state. @category optimisers */
export const readCount = (count: tf.Tensor): number => count.dataSync()[0] as number;

/**
 * `update`, then disposes the old params, old state and grads (except leaves that the new ones reuse). The loop body
 * of a training run that owns its tensors.
 *
 * @category optimisers
 */
export function step<P extends Tree, S extends Tree>(opt: Optimizer<S>, grads: P, state: S, params: P): readonly [P, S] {
  const [p, s] = opt.update(grads, state, params);
  disposeExcept([params, state, grads], p, s);
  return [p, s];
}
