/**
 * Stochastic gradient descent with momentum (PyTorch's `SGD` without dampening; Sutskever et al., ICML 2013):
 *
 *   g ← g + wd · p                     (L2 weight decay, coupled)
 *   b ← μ · b + g                      (b₀ = 0, so the first b is g)
 *   d ← g + μ · b  if nesterov, else b
 *   p ← p − lr(t) · d
 *
 * State: `{ count, momentum }` (`momentum` has the params' structure; zeros at init).
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { treeMap as map, treeZipWith as zipWith, type Tree, checkFinite as finite, SpikefnArgumentError } from '@spikefn/core';
import { readCount, type Optimizer } from './optimizer.js';
import { lrAt, type LearningRate } from './schedule.js';

/** Options of {@link sgd}. @category optimisers */
export type SgdConfig = {
  /** The learning rate: a number or a {@link Schedule} of the 0-based update count. */
  readonly lr: LearningRate;
  /** μ in [0, 1), the momentum factor. Default 0 (plain SGD). */
  readonly momentum?: number;
  /** Use Nesterov momentum, `d = g + μ·b`. Default false. */
  readonly nesterov?: boolean;
  /** wd, the coupled L2 weight decay (`g ← g + wd·p`). Default 0. */
  readonly weightDecay?: number;
};
/** State of {@link sgd}. @category optimisers */
export type SgdState = {
  /** The number of updates made so far: an int32 scalar. */
  readonly count: tf.Tensor;
  /** b, the momentum buffers: the params' structure, zeros at init. */
  readonly momentum: Tree;
};

/** SGD with (optionally Nesterov) momentum and L2 weight decay. @category optimisers */
export function sgd(options: SgdConfig): Optimizer<SgdState> {
  const { lr, momentum = 0, nesterov = false, weightDecay = 0 } = options;
  if (typeof lr === 'number') finite('sgd', 'lr', lr);
  if (!(momentum >= 0 && momentum < 1)) throw new SpikefnArgumentError('sgd', 'momentum', 'a number in [0, 1)', String(momentum));
  finite('sgd', 'weightDecay', weightDecay);
  return {
    kind: 'sgd',
    init: (params) => ({ count: tf.scalar(0, 'int32'), momentum: map(params, (p) => tf.zerosLike(p)) }),
    update: (grads, state, params) => {
      const rate = lrAt(lr, readCount(state.count));
      return tf.tidy(() => {
        const g = weightDecay === 0 ? grads : zipWith((gi, p) => tf.add(gi, tf.mul(weightDecay, p as tf.Tensor)), grads, params);
        const b = zipWith((bi, gi) => tf.add(tf.mul(momentum, bi), gi as tf.Tensor), state.momentum, g);
        const d = nesterov ? zipWith((gi, bi) => tf.add(gi, tf.mul(momentum, bi as tf.Tensor)), g, b) : b;
        const next = zipWith((p, di) => tf.sub(p, tf.mul(rate, di as tf.Tensor)), params, d);
        return [next, { count: tf.add(state.count, tf.scalar(1, 'int32')), momentum: b }] as unknown as tf.TensorContainer;
      }) as unknown as readonly [typeof params, SgdState];
    },
  };
}
