/**
 * Redundant one-hot codes of class labels: SpikingJelly 0.0.0.0.8's `functional.redundant_one_hot`. Class k of
 * `numClasses` is coded by n ones at positions k·n, ..., k·n + n − 1 of a vector of numClasses·n:
 *
 *   codes[b, j] = 1 if labels[b]·n ≤ j < (labels[b] + 1)·n, else 0,    codes: [B, numClasses·n] float32
 *
 * Used to read a class from a group of n output neurons (a population code) instead of one.
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { checkPositiveInt as positiveInt, checkRank as rank, SpikefnArgumentError } from '@spikefn/core';

/**
 * Redundant one-hot codes (SpikingJelly's `functional.redundant_one_hot(labels, num_classes, n)`): labels `[B]`
 * (integers in [0, numClasses), int32 or float32) → `[B, numClasses·n]` float32 with
 * codes[b, j] = 1 for labels[b]·n ≤ j < (labels[b] + 1)·n and 0 elsewhere. A label outside [0, numClasses) or not an
 * integer throws a SpikefnArgumentError (SpikingJelly's `F.one_hot` raises too); the check reads the labels' values.
 *
 * @category losses
 */
export function redundantOneHot(labels: tf.Tensor, numClasses: number, n: number): tf.Tensor {
  const fn = 'redundantOneHot';
  rank(fn, 'labels', labels, 1, '[B]');
  positiveInt(fn, 'numClasses', numClasses);
  positiveInt(fn, 'n', n);
  const values = labels.dataSync();
  const bad = Array.from(values).findIndex((v) => !Number.isInteger(v) || v < 0 || v >= numClasses);
  if (bad >= 0)
    throw new SpikefnArgumentError(fn, 'labels', `class indices, integers in [0, ${numClasses})`, `${values[bad]} at index ${bad}`);
  return tf.tidy(() => {
    // One-hot [B, C, 1] as labels[b] == c (tf.oneHot wants at least 2 classes), each class repeated n times side by
    // side: [B, C, n] → [B, C·n].
    const B = labels.shape[0] as number;
    const idx = tf.reshape(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), [B, 1, 1]);
    const hot = tf.cast(tf.equal(idx, tf.reshape(tf.range(0, numClasses, 1, 'int32'), [1, numClasses, 1])), 'float32');
    return tf.reshape(tf.tile(hot, [1, 1, n]), [B, numClasses * n]);
  });
}
