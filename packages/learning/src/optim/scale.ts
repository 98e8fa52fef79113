/**
 * Scaling transformations (Optax's `scale`, `scale_by_schedule`, `scale_by_learning_rate`, `optax/_src/transform.py`
 * and `optax/_src/alias.py`), with `t` the 0-based update count:
 *
 *   scale(α):                 u' = α · u                                  state {}
 *   scaleBySchedule(η):       u' = η(t) · u,  t ← t + 1                    state { count }
 *   scaleByLearningRate(lr):  u' = −lr · u  (a number: `scale(−lr)`; a schedule: `scaleBySchedule(t ↦ −lr(t))`)
 *
 * @category optimisers
 */
import * as tf from '@spikefn/core/tf';
import { checkFinite as finite, emptyTree, treeMap as map, type EmptyTree, SpikefnArgumentError } from '@spikefn/core';
import { tidyTree, type GradientTransformation } from './transform.js';
import { readCount } from './optimizer.js';
import type { LearningRate, Schedule } from './schedule.js';

/** State of {@link scaleBySchedule}. @category optimisers */
export type ScaleByScheduleState = {
  /** The number of updates made so far: an int32 scalar. */
  readonly count: tf.Tensor;
};

/** `u' = factor · u` (stateless). @category optimisers */
export function scale(factor: number): GradientTransformation<EmptyTree> {
  finite('scale', 'factor', factor);
  return {
    init: () => emptyTree,
    update: (updates, state) => [tidyTree(() => map(updates, (u) => tf.mul(factor, u))), state],
  };
}

/** `u' = schedule(t) · u` with `t` the update count (0 at the first update), kept in the state. @category optimisers */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<ScaleByScheduleState> {
  if (typeof schedule !== 'function')
    throw new SpikefnArgumentError('scaleBySchedule', 'schedule', 'a function of the update count', String(schedule));
  return {
    init: () => ({ count: tf.scalar(0, 'int32') }),
    update: (updates, state) => {
      const factor = schedule(readCount(state.count));
      return tidyTree(() => [map(updates, (u) => tf.mul(factor, u)), { count: tf.add(state.count, tf.scalar(1, 'int32')) }] as const);
    },
  };
}

/**
 * Gradient descent's last step, `u' = −lr · u`: {@link scale}`(−lr)` for a number, {@link scaleBySchedule} of `−lr(t)`
 * for a schedule.
 *
 * @category optimisers
 */
export function scaleByLearningRate(lr: LearningRate): GradientTransformation<EmptyTree | ScaleByScheduleState> {
  if (typeof lr === 'number') return scale(-finite('scaleByLearningRate', 'lr', lr));
  if (typeof lr !== 'function') throw new SpikefnArgumentError('scaleByLearningRate', 'lr', 'a number or a schedule', String(lr));
  return scaleBySchedule((t) => -lr(t));
}
