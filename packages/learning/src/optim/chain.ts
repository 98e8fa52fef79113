/**
 * `chain(t₁, …, tₙ)`: transformations applied in order (Optax's `optax.chain`, `optax/_src/combine.py`):
 *
 *   init(p)          = [t₁.init(p), …, tₙ.init(p)]
 *   update(u, s, p)  = [uₙ, [s₁', …, sₙ']]   with  [uᵢ, sᵢ'] = tᵢ.update(uᵢ₋₁, sᵢ, p),  u₀ = u
 *
 * The state is the tuple of the states. Intermediate updates are disposed; nothing else is.
 *
 * @category optimisers
 */
import { treeClone as clone, type Tree, SpikefnArgumentError } from '@spikefn/core';
import { tidyTree, type GradientTransformation, type TransformState } from './transform.js';

/** The state of {@link chain}: one state per transformation, in order. @category optimisers */
export type ChainState<Ts extends readonly GradientTransformation<Tree>[]> = { readonly [K in keyof Ts]: TransformState<Ts[K]> };

/**
 * Composes transformations left to right: `chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3))`.
 *
 * @category optimisers
 */
export function chain<const Ts extends readonly GradientTransformation<Tree>[]>(...transforms: Ts): GradientTransformation<ChainState<Ts>> {
  const txs = transforms as unknown as readonly GradientTransformation<Tree>[];
  txs.forEach((t, i) => {
    if (t === null || typeof t !== 'object' || typeof t.init !== 'function' || typeof t.update !== 'function')
      throw new SpikefnArgumentError('chain', `transforms[${i}]`, 'a gradient transformation { init, update }', String(t));
  });
  return {
    init: (params) => tidyTree(() => txs.map((t) => t.init(params)) as unknown as ChainState<Ts>),
    update: (updates, state, params) => {
      const states = state as unknown as readonly Tree[];
      if (!Array.isArray(states) || states.length !== txs.length)
        throw new SpikefnArgumentError(
          'chain',
          'state',
          `an array of ${txs.length} states (one per transformation)`,
          Array.isArray(states) ? `${states.length} states` : typeof states,
        );
      // The tidy frees the intermediate updates (and anything a transformation left behind); what is returned, and
      // the caller's tensors, survive.
      return tidyTree(() => {
        let u = updates;
        const next: Tree[] = [];
        txs.forEach((t, i) => {
          const [u1, s1] = t.update(u, states[i] as Tree, params);
          next.push(s1);
          u = u1;
        });
        // The empty chain is the identity; its updates are still new tensors.
        return [u === updates ? clone(updates) : u, next as unknown as ChainState<Ts>] as const;
      });
    },
  };
}
