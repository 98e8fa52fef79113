/**
 * Threshold margins for a classifier's output neurons: SpikingJelly 0.0.0.0.8's `functional.set_threshold_margin`.
 * SpikingJelly assigns the thresholds to the output layer in place; spikefn returns them as a value:
 *
 *   training:   V_th[b, c] = threshold1 where labelOneHot[b, c] = 1, threshold0 elsewhere   (a tensor like labelOneHot)
 *   evaluation: V_th = evalThreshold                                                          (a number)
 *
 * Defaults as SpikingJelly: evalThreshold 1, threshold0 0.9, threshold1 1.1: in training the neuron of the true class
 * must reach a higher threshold and the others fire more easily, a margin that helps at evaluation, where every
 * neuron has the same threshold.
 *
 * spikefn's neurons take `vThreshold` as a number in their config (`ifNode`, `lifNode`, `plifNode`), so the evaluation
 * value plugs in directly; a per-example, per-class threshold tensor (the training value) is not a neuron option yet.
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { checkFinite as finite, checkMinRank as minRank, SpikefnArgumentError } from '@spikefn/core';

/** Options of {@link thresholdMargin} (SpikingJelly's arguments; `training` is the output layer's `.training`). @category losses */
export type ThresholdMarginOptions = {
  /** Training (a tensor of thresholds per example and class) or evaluation (one number). */
  readonly training: boolean;
  /** The threshold of every output neuron at evaluation. Default 1. */
  readonly evalThreshold?: number;
  /** The training threshold of the wrong classes (labelOneHot ≠ 1). Default 0.9. */
  readonly threshold0?: number;
  /** The training threshold of the true class (labelOneHot = 1). Default 1.1. */
  readonly threshold1?: number;
};

/**
 * The output layer's thresholds with a margin (SpikingJelly's `functional.set_threshold_margin(output_layer,
 * label_one_hot, eval_threshold, threshold0, threshold1)`, as a value): in training a float32 tensor shaped like
 * `labelOneHot` (`[B, C]`), threshold1 where labelOneHot = 1 and threshold0 elsewhere; in evaluation the number
 * evalThreshold.
 *
 * @category losses
 */
export function thresholdMargin(labelOneHot: tf.Tensor, options: ThresholdMarginOptions & { readonly training: true }): tf.Tensor;
/**
 * In evaluation (`training: false`): the number `evalThreshold` (default 1), the same threshold for every output neuron.
 *
 * @category losses
 */
export function thresholdMargin(labelOneHot: tf.Tensor, options: ThresholdMarginOptions & { readonly training: false }): number;
/**
 * Either form, as `options.training` says: a tensor like `labelOneHot` in training, a number in evaluation.
 *
 * @category losses
 */
export function thresholdMargin(labelOneHot: tf.Tensor, options: ThresholdMarginOptions): tf.Tensor | number;
export function thresholdMargin(labelOneHot: tf.Tensor, options: ThresholdMarginOptions): tf.Tensor | number {
  const fn = 'thresholdMargin';
  if (options === null || typeof options !== 'object' || typeof options.training !== 'boolean')
    throw new SpikefnArgumentError(fn, 'options.training', 'a boolean', String((options as { training?: unknown } | null)?.training));
  minRank(fn, 'labelOneHot', labelOneHot, 1, '[B, C]');
  const evalThreshold = finite(fn, 'options.evalThreshold', options.evalThreshold ?? 1);
  const threshold0 = finite(fn, 'options.threshold0', options.threshold0 ?? 0.9);
  const threshold1 = finite(fn, 'options.threshold1', options.threshold1 ?? 1.1);
  if (!options.training) return evalThreshold;
  return tf.tidy(() => tf.where(tf.equal(labelOneHot, 1), tf.fill(labelOneHot.shape, threshold1), tf.fill(labelOneHot.shape, threshold0)));
}
