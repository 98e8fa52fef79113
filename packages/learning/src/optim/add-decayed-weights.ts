/**
 * Weight decay as a transformation (Optax's `add_decayed_weights`, `optax/_src/transform.py`):
 *
 *   u' = u + λ · p
 *
 * Before the moment estimates it is L2 regularisation coupled into the gradient (PyTorch's `weight_decay` of `Adam`
 * and `SGD`); after them, before the learning rate, it is decoupled weight decay (AdamW: Loshchilov & Hutter,
 * "Decoupled Weight Decay Regularization", ICLR 2019). Stateless.
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { checkFinite as finite, emptyTree, treeUnflatten as unflatten, type EmptyTree } from '@spikefn/core';
import { sameLeaves, type GradientTransformation } from './transform.js';

/** `u' = u + weightDecay · p` (stateless). @category optimisers */
export function addDecayedWeights(weightDecay: number): GradientTransformation<EmptyTree> {
  finite('addDecayedWeights', 'weightDecay', weightDecay);
  return {
    init: () => emptyTree,
    update: (updates, state, params) => {
      const [us, ps] = sameLeaves('addDecayedWeights', updates, params);
      return [
        unflatten(
          updates,
          tf.tidy(() => us.map((u, i) => tf.add(u, tf.mul(weightDecay, ps[i] as tf.Tensor)))),
        ),
        state,
      ];
    },
  };
}
