/**
 * A transformation seen through another state layout (internal): `toInner` maps the stored state to the
 * transformation's own, `toOuter` back. {@link adam} and {@link sgd} store their chains' states in the layout of
 * spikefn 0.1.0 (`{ count, mu, nu }`, `{ count, momentum }`), so checkpoints written before they became chains load.
 * Tensors of the inner state that `toOuter` drops (a second copy of the count) are disposed.
 */
import type { Tree } from '@spikefn/core';
import { tidyTree, type GradientTransformation } from './transform.js';

/** `tx` with its state stored as `toOuter(state)` (internal). */
export function withStateLayout<I extends Tree, O extends Tree>(
  tx: GradientTransformation<I>,
  toInner: (outer: O) => I,
  toOuter: (inner: I) => O,
): GradientTransformation<O> {
  return {
    init: (params) => tidyTree(() => toOuter(tx.init(params))),
    update: (updates, state, params) =>
      tidyTree(() => {
        const [u, s] = tx.update(updates, toInner(state), params);
        return [u, toOuter(s)] as const;
      }),
  };
}
