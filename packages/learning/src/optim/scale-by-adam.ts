/**
 * Adam's rescaling (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015; Optax's `scale_by_adam`,
 * `optax/_src/transform.py`), with `t` the 1-based update count:
 *
 *   m ← β₁ · m + (1 − β₁) · u
 *   v ← β₂ · v + (1 − β₂) · u²
 *   u' = (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *
 * State `{ count, mu, nu }` (Optax's `ScaleByAdamState`; `mu`, `nu` with the params' structure, zeros at init): the
 * layout {@link adam}'s checkpoints store. Follow it with {@link scaleByLearningRate} to descend.
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { treeLeaves as leaves, treeMap as map, treeUnflatten as unflatten, type Tree, SpikefnArgumentError } from '@spikefn/core';
import type { GradientTransformation } from './transform.js';
import { readCount } from './optimizer.js';

/** Options of {@link scaleByAdam}. @category optimisers */
export type ScaleByAdamConfig = {
  /** β₁ in [0, 1), the decay of the first-moment average m. Default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1), the decay of the second-moment average v. Default 0.999. */
  readonly beta2?: number;
  /** ε > 0, added to √v̂. Default 1e-8. */
  readonly eps?: number;
};

/** State of {@link scaleByAdam} (and of {@link adam}, {@link adamw}). @category optimisers */
export type ScaleByAdamState = {
  /** The number of updates made so far: an int32 scalar. */
  readonly count: tf.Tensor;
  /** m, the first-moment averages: the params' structure, zeros at init. */
  readonly mu: Tree;
  /** v, the second-moment averages: the params' structure, zeros at init. */
  readonly nu: Tree;
};

/** Checks β₁, β₂, ε for `fn` (shared with {@link adam}); returns them with their defaults (internal). */
export function adamHyper(fn: string, config: ScaleByAdamConfig): { beta1: number; beta2: number; eps: number } {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = config;
  for (const [name, b] of [
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(b >= 0 && b < 1)) throw new SpikefnArgumentError(fn, name, 'a number in [0, 1)', String(b));
  }
  if (!(eps > 0)) throw new SpikefnArgumentError(fn, 'eps', 'a number > 0', String(eps));
  return { beta1, beta2, eps };
}

/** Adam's bias-corrected moment ratio `m̂ / (√v̂ + ε)` as a transformation. @category optimisers */
export function scaleByAdam(config: ScaleByAdamConfig = {}): GradientTransformation<ScaleByAdamState> {
  const { beta1, beta2, eps } = adamHyper('scaleByAdam', config);
  return {
    init: (params) => ({ count: tf.scalar(0, 'int32'), mu: map(params, (p) => tf.zerosLike(p)), nu: map(params, (p) => tf.zerosLike(p)) }),
    update: (updates, state, _params) => {
      const t = readCount(state.count) + 1;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      const us = leaves(updates);
      const ms = leaves(state.mu);
      const vs = leaves(state.nu);
      if (ms.length !== us.length || vs.length !== us.length)
        throw new SpikefnArgumentError(
          'scaleByAdam',
          'state',
          `mu and nu with ${us.length} leaves (the updates' structure)`,
          `${ms.length} mu, ${vs.length} nu`,
        );
      const out = tf.tidy(() =>
        us.map((g, i) => {
          const m = tf.add(tf.mul(beta1, ms[i] as tf.Tensor), tf.mul(1 - beta1, g));
          const v = tf.add(tf.mul(beta2, vs[i] as tf.Tensor), tf.mul(1 - beta2, tf.square(g)));
          return [tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps)), m, v];
        }),
      );
      const count = tf.tidy(() => tf.add(state.count, tf.scalar(1, 'int32')));
      return [
        unflatten(
          updates,
          out.map((o) => o[0] as tf.Tensor),
        ),
        {
          count,
          mu: unflatten(
            state.mu,
            out.map((o) => o[1] as tf.Tensor),
          ),
          nu: unflatten(
            state.nu,
            out.map((o) => o[2] as tf.Tensor),
          ),
        },
      ];
    },
  };
}
