/**
 * The optimiser record: a pair of pure functions over trees (Optax's `GradientTransformation`, applied to params):
 *
 *   init(params) -> optState
 *   update(grads, optState, params) -> [params', optState']
 *
 * {@link asOptimizer} makes one from a {@link GradientTransformation} `tx` (usually a {@link chain}):
 * `update(g, s, p) = [applyUpdates(p, u), s']` with `[u, s'] = tx.update(g, s, p)`; {@link sgd}, {@link adam} and
 * {@link adamw} are made so.
 *
 * Nothing is mutated or disposed: `update` returns new tensors and the caller disposes what it no longer needs
 * (usually the old params, old state and grads: see {@link step}). The state is a tree of tensors (the update count is
 * an int32 scalar), so it can be checkpointed like params.
 *
 * @category optimisers
 */
import type * as tf from '@spikefn/core/tf';
import { treeDisposeExcept as disposeExcept, type Tree, SpikefnArgumentError } from '@spikefn/core';
import { applyUpdates } from './apply-updates.js';
import { tidyTree, type GradientTransformation } from './transform.js';

/** An optimiser: `init` and `update`, pure. @category optimisers */
export type Optimizer<S extends Tree = Tree> = {
  /** `'sgd'`, `'adam'`, `'adamw'`, or the name given to {@link asOptimizer}. */
  readonly kind: string;
  /** The initial optimiser state for `params` (moment buffers shaped like them, count 0). */
  init<P extends Tree>(params: P): S;
  /** One update: `[params', state']` from the gradients (same structure as `params`). Mutates and disposes nothing. */
  update<P extends Tree>(grads: P, state: S, params: P): readonly [P, S];
};

/**
 * The optimiser of a gradient transformation: `update(g, s, p) = [p + u, s']` with `[u, s'] = tx.update(g, s, p)`
 * (Optax's `tx.update` followed by `optax.apply_updates`). The updates `u` are disposed; the state is `tx`'s.
 *
 * @example
 * const opt = asOptimizer('adamw-clipped', chain(clipByGlobalNorm(1), scaleByAdam(), addDecayedWeights(0.01), scaleByLearningRate(1e-3)));
 * @category optimisers
 */
export function asOptimizer<S extends Tree>(kind: string, tx: GradientTransformation<S>): Optimizer<S> {
  if (typeof kind !== 'string' || kind === '') throw new SpikefnArgumentError('asOptimizer', 'kind', 'a non-empty name', String(kind));
  if (tx === null || typeof tx !== 'object' || typeof tx.init !== 'function' || typeof tx.update !== 'function')
    throw new SpikefnArgumentError('asOptimizer', 'tx', 'a gradient transformation { init, update }', String(tx));
  return {
    kind,
    init: (params) => tx.init(params),
    update: (grads, state, params) =>
      tidyTree(() => {
        const [u, s] = tx.update(grads, state, params);
        return [applyUpdates(params, u), s] as const;
      }),
  };
}

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
