/**
 * The first spike of every neuron: SpikingJelly 0.0.0.0.8's `functional.first_spike_index`, which computes
 * `cumsum(cumsum(spikes, −1), −1) == 1` along the **last** axis. For 0/1 spikes that is exactly
 *
 *   first[..., t, ...] = s_t ≠ 0  and  s_u = 0 for every u < t     (along the time axis)
 *
 * which spikefn computes in that form (an exclusive cumulative sum of s ≠ 0), so any non-zero value counts as a spike.
 * SpikingJelly wants time on the last axis; spikefn's sequences have time first (`[T, B, ...]`), so the time axis is
 * an explicit argument: `{ timeAxis: -1 }` is SpikingJelly's call, `{ timeAxis: 0 }` a spikefn sequence.
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError, showShape } from '@spikefn/core';

/** Options of {@link firstSpikeIndex}. @category losses */
export type FirstSpikeIndexOptions = {
  /** The time axis: `0` for spikefn's `[T, B, ...]` sequences, `-1` for SpikingJelly's `[..., T]` (negative counts from the end). */
  readonly timeAxis: number;
};

/**
 * A bool mask shaped like `spikes`, true exactly at each neuron's first spike along `timeAxis` (SpikingJelly's
 * `functional.first_spike_index(spikes)` with `timeAxis: -1`): first_t = (s_t ≠ 0) ∧ (s_u = 0 for all u < t). A neuron
 * that never fires has no true entry. No gradient (the result is bool).
 *
 * @category losses
 */
export function firstSpikeIndex(spikes: tf.Tensor, options: FirstSpikeIndexOptions): tf.Tensor {
  const fn = 'firstSpikeIndex';
  if (options === null || typeof options !== 'object' || !Number.isInteger(options.timeAxis))
    throw new SpikefnArgumentError(
      fn,
      'options.timeAxis',
      'an integer axis (0 for [T, B, ...], -1 for [..., T])',
      String(options?.timeAxis),
    );
  const r = spikes.rank;
  const axis = options.timeAxis < 0 ? r + options.timeAxis : options.timeAxis;
  if (r === 0 || axis < 0 || axis >= r)
    throw new SpikefnArgumentError(fn, 'options.timeAxis', `an axis of spikes ${showShape(spikes.shape)}`, String(options.timeAxis));
  return tf.tidy(() => {
    const fired = tf.notEqual(spikes, 0);
    const before = tf.cumsum(tf.cast(fired, 'float32'), axis, true); // spikes strictly before t
    return tf.logicalAnd(fired, tf.equal(before, 0));
  });
}
