/**
 * Momentum as a transformation (Optax's `trace`, `optax/_src/transform.py`; PyTorch's `SGD` momentum without
 * dampening; Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013):
 *
 *   b ← μ · b + u                     (b₀ = 0, so the first b is u)
 *   u' = u + μ · b  if nesterov, else b
 *
 * State `{ trace }` (b, the params' structure, zeros at init). Follow it with {@link scaleByLearningRate} for SGD.
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { treeLeaves as leaves, treeMap as map, treeUnflatten as unflatten, type Tree, SpikefnArgumentError } from '@spikefn/core';
import type { GradientTransformation } from './transform.js';

/** Options of {@link trace}. @category optimisers */
export type TraceConfig = {
  /** μ in [0, 1), the momentum factor. */
  readonly decay: number;
  /** Nesterov momentum, `u' = u + μ·b`. Default false. */
  readonly nesterov?: boolean;
};

/** State of {@link trace}. @category optimisers */
export type TraceState = {
  /** b, the momentum buffers: the params' structure, zeros at init. */
  readonly trace: Tree;
};

/** Heavy-ball (or Nesterov) momentum. @category optimisers */
export function trace(config: TraceConfig): GradientTransformation<TraceState> {
  const { decay, nesterov = false } = config;
  if (!(decay >= 0 && decay < 1)) throw new SpikefnArgumentError('trace', 'decay', 'a number in [0, 1)', String(decay));
  return {
    init: (params) => ({ trace: map(params, (p) => tf.zerosLike(p)) }),
    update: (updates, state, _params) => {
      const us = leaves(updates);
      const bs = leaves(state.trace);
      if (bs.length !== us.length)
        throw new SpikefnArgumentError('trace', 'state.trace', `a tree with ${us.length} leaves (the updates' structure)`, `${bs.length}`);
      const out = tf.tidy(() =>
        us.map((u, i) => {
          const b = tf.add(tf.mul(decay, bs[i] as tf.Tensor), u);
          // tf.clone: the update is a new tensor even where it equals the new trace (one ownership per tensor).
          return [nesterov ? tf.add(u, tf.mul(decay, b)) : tf.clone(b), b];
        }),
      );
      return [
        unflatten(
          updates,
          out.map((o) => o[0] as tf.Tensor),
        ),
        {
          trace: unflatten(
            state.trace,
            out.map((o) => o[1] as tf.Tensor),
          ),
        },
      ];
    },
  };
}
