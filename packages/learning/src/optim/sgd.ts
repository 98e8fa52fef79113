/**
 * Stochastic gradient descent with momentum (PyTorch's `SGD` without dampening; Sutskever et al., ICML 2013):
 *
 *   g ← g + wd · p                     (L2 weight decay, coupled)
 *   b ← μ · b + g                      (b₀ = 0, so the first b is g)
 *   d ← g + μ · b  if nesterov, else b
 *   p ← p − lr(t) · d
 *
 * As a chain of gradient transformations (the `addDecayedWeights` only where wd ≠ 0), applied with `p ← p + u`:
 *
 *   sgd = chain(addDecayedWeights(wd), trace({ decay: μ, nesterov }), scaleBySchedule(t ↦ −lr(t)))
 *
 * State: `{ count, momentum }` (`momentum` is the trace, with the params' structure, zeros at init), the layout of
 * spikefn 0.1.0, so checkpoints written before the optimisers were chains load unchanged.
 *
 * @category optimisers
 */
import type * as tf from '@spikefn/core/tf';
import { emptyTree, type Tree, checkFinite as finite, SpikefnArgumentError } from '@spikefn/core';
import { checkConfigRecord, checkOptimizerConfig } from '../optim-config.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { chain } from './chain.js';
import { asOptimizer, type Optimizer } from './optimizer.js';
import { scaleBySchedule } from './scale.js';
import { lrAt, type LearningRate } from './schedule.js';
import { withStateLayout } from './state-layout.js';
import { trace, type TraceState } from './trace.js';
import type { GradientTransformation } from './transform.js';

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
  checkConfigRecord('sgd', options);
  const { lr, momentum = 0, nesterov = false, weightDecay = 0 } = options;
  checkOptimizerConfig('sgd', { lr, momentum, weightDecay });
  if (typeof lr === 'number') finite('sgd', 'lr', lr);
  if (!(momentum >= 0 && momentum < 1)) throw new SpikefnArgumentError('sgd', 'momentum', 'a number in [0, 1)', String(momentum));
  finite('sgd', 'weightDecay', weightDecay);
  const parts = [
    ...(weightDecay === 0 ? [] : [addDecayedWeights(weightDecay)]),
    trace({ decay: momentum, nesterov }),
    scaleBySchedule((t) => -lrAt(lr, t)),
  ] as GradientTransformation<Tree>[];
  const iTrace = parts.length - 2;
  const tx = chain(...parts);
  // Stored as spikefn 0.1.0's `{ count, momentum }`: the schedule's count and the trace.
  const toInner = (s: SgdState): Tree[] =>
    parts.map((_, i) => (i === iTrace ? { trace: s.momentum } : i === iTrace + 1 ? { count: s.count } : emptyTree));
  const toOuter = (s: readonly Tree[]): SgdState => ({
    count: (s[iTrace + 1] as { count: tf.Tensor }).count,
    momentum: (s[iTrace] as TraceState).trace,
  });
  return asOptimizer('sgd', withStateLayout(tx as unknown as GradientTransformation<Tree[]>, toInner, toOuter));
}
