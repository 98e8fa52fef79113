/**
 * `applyUpdates(p, u) = p + u`, leaf by leaf (Optax's `optax.apply_updates`, `optax/_src/update.py`): the last step of
 * an optimiser, after a chain of transformations that ends in a negative learning rate.
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { treeUnflatten as unflatten, type Tree } from '@spikefn/core';
import { sameLeaves } from './transform.js';

/** `params + updates`, leaf by leaf: new tensors; neither tree is disposed. @category optimisers */
export function applyUpdates<P extends Tree>(params: P, updates: P): P {
  const [us, ps] = sameLeaves('applyUpdates', updates, params);
  return unflatten(
    params,
    tf.tidy(() => ps.map((p, i) => tf.add(p, us[i] as tf.Tensor))),
  );
}
