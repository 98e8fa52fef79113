/**
 * Adam (Kingma & Ba, ICLR 2015) and AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019),
 * as PyTorch computes them. With `t` the 1-based update count:
 *
 *   g ← g + λ · p                       (Adam only: L2 weight decay, coupled into the gradient)
 *   m ← β₁ · m + (1 − β₁) · g
 *   v ← β₂ · v + (1 − β₂) · g²
 *   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
 *   p ← p − lr(t−1) · (m̂ / (√v̂ + ε) + λ · p)   (the λ · p term: AdamW only, decoupled)
 *
 * Defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8; weight decay 0 for Adam, 0.01 for AdamW (PyTorch's). State:
 * `{ count, mu, nu }`, `mu` and `nu` with the params' structure (zeros at init).
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import {
  treeLeaves as leaves,
  treeMap as map,
  treeUnflatten as unflatten,
  type Tree,
  checkFinite as finite,
  SpikefnArgumentError,
} from '@spikefn/core';
import { readCount, type Optimizer } from './optimizer.js';
import { lrAt, type LearningRate } from './schedule.js';

/** Options of {@link adam} and {@link adamw}. @category optimisers */
export type AdamConfig = {
  /** The learning rate: a number or a {@link Schedule} of the 0-based update count. */
  readonly lr: LearningRate;
  /** β₁ in [0, 1), the decay of the first-moment average m. Default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1), the decay of the second-moment average v. Default 0.999. */
  readonly beta2?: number;
  /** ε > 0, added to √v̂. Default 1e-8. */
  readonly eps?: number;
  /** λ: coupled L2 decay for Adam (default 0), decoupled decay for AdamW (default 0.01). */
  readonly weightDecay?: number;
};
/** State of {@link adam} and {@link adamw}. @category optimisers */
export type AdamState = {
  /** The number of updates made so far: an int32 scalar. */
  readonly count: tf.Tensor;
  /** m, the first-moment averages: the params' structure, zeros at init. */
  readonly mu: Tree;
  /** v, the second-moment averages: the params' structure, zeros at init. */
  readonly nu: Tree;
};

function make(fn: 'adam' | 'adamw', options: AdamConfig, decoupled: boolean): Optimizer<AdamState> {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = decoupled ? 0.01 : 0 } = options;
  if (typeof lr === 'number') finite(fn, 'lr', lr);
  for (const [name, b] of [
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(b >= 0 && b < 1)) throw new SpikefnArgumentError(fn, name, 'a number in [0, 1)', String(b));
  }
  if (!(eps > 0)) throw new SpikefnArgumentError(fn, 'eps', 'a number > 0', String(eps));
  finite(fn, 'weightDecay', weightDecay);
  return {
    kind: fn,
    init: (params) => ({ count: tf.scalar(0, 'int32'), mu: map(params, (p) => tf.zerosLike(p)), nu: map(params, (p) => tf.zerosLike(p)) }),
    update: (grads, state, params) => {
      const count = readCount(state.count);
      const t = count + 1;
      const rate = lrAt(lr, count);
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      const ps = leaves(params);
      const gs = leaves(grads);
      const ms = leaves(state.mu);
      const vs = leaves(state.nu);
      if (gs.length !== ps.length || ms.length !== ps.length || vs.length !== ps.length) {
        throw new SpikefnArgumentError(
          fn,
          'grads/state',
          `trees with ${ps.length} leaves (the params' structure)`,
          `${gs.length} grads, ${ms.length} mu, ${vs.length} nu`,
        );
      }
      const out = ps.map((p, i) =>
        tf.tidy(() => {
          let g = gs[i] as tf.Tensor;
          if (!decoupled && weightDecay !== 0) g = tf.add(g, tf.mul(weightDecay, p));
          const m = tf.add(tf.mul(beta1, ms[i] as tf.Tensor), tf.mul(1 - beta1, g));
          const v = tf.add(tf.mul(beta2, vs[i] as tf.Tensor), tf.mul(1 - beta2, tf.square(g)));
          let d = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
          if (decoupled && weightDecay !== 0) d = tf.add(d, tf.mul(weightDecay, p));
          return [tf.sub(p, tf.mul(rate, d)), m, v] as const;
        }),
      );
      const next = unflatten(
        params,
        out.map((o) => o[0]),
      );
      const count1 = tf.tidy(() => tf.add(state.count, tf.scalar(1, 'int32')));
      return [
        next,
        {
          count: count1,
          mu: unflatten(
            state.mu,
            out.map((o) => o[1]),
          ),
          nu: unflatten(
            state.nu,
            out.map((o) => o[2]),
          ),
        },
      ];
    },
  };
}

/** Adam; `weightDecay` is PyTorch's coupled L2 term. @category optimisers */
export const adam = (options: AdamConfig): Optimizer<AdamState> => make('adam', options, false);

/** AdamW: Adam with decoupled weight decay (default 0.01). @category optimisers */
export const adamw = (options: AdamConfig): Optimizer<AdamState> => make('adamw', options, true);
