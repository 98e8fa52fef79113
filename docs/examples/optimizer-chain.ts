import * as tf from '@spikefn/core/tf';
import { treeDispose } from '@spikefn/core';
import {
  adamw,
  addDecayedWeights,
  asOptimizer,
  chain,
  clipByGlobalNorm,
  cosineDecay,
  optimizerStep,
  scaleByAdam,
  scaleByLearningRate,
  valueAndGradTree,
  type Optimizer,
} from '@spikefn/learning';

/** AdamW with gradient clipping and a cosine schedule, composed from transformations (Optax's recipe). */
export const clippedAdamw = (steps: number) =>
  asOptimizer(
    'clipped-adamw',
    chain(
      clipByGlobalNorm(1), //                     g ← g · min(1, 1 / ‖g‖)
      scaleByAdam({ beta1: 0.9, beta2: 0.999 }), // u = m̂ / (√v̂ + ε)
      addDecayedWeights(0.01), //                  u ← u + λ·p (decoupled: after the moments)
      scaleByLearningRate(cosineDecay({ lr: 0.1, decaySteps: steps })), // u ← −lr(t)·u
    ),
  );

/** Minimises ‖p − target‖² with `opt`; returns the losses. Every tensor it makes is freed. */
export function fit(opt: Optimizer, steps: number): number[] {
  const target = tf.tensor1d([3, -2, 0.5]);
  let params = { p: tf.zeros([3]) };
  let state = opt.init(params);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { value, grads } = valueAndGradTree((q) => tf.sum(tf.square(tf.sub(q.p, target))), params);
    losses.push(value.dataSync()[0] as number);
    value.dispose();
    [params, state] = optimizerStep(opt, grads, state, params); // p ← p + u; frees the old params, state and grads
  }
  treeDispose([params, state, target]);
  return losses;
}

/** `adamw` is itself such a chain: the same losses as its chain written out. */
export const adamwTwice = (steps: number) => ({
  library: fit(adamw({ lr: 0.1, weightDecay: 0.01 }), steps),
  byHand: fit(asOptimizer('adamw', chain(scaleByAdam(), addDecayedWeights(0.01), scaleByLearningRate(0.1))), steps),
});
