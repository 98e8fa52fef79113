/**
 * Losses that SNN users train with. `outputs` has a leading time axis `[T, B, C]` (spikes or membrane outputs of the
 * readout layer); `labels` is either int32 class indices `[B]` or one-hot / soft targets `[B, C]`. Every loss is the
 * mean over the batch and returns a scalar.
 *
 *   rate r = (1/T) Σ_t outputs[t]                                          (firing rate, [B, C])
 *   rateCrossEntropy = CE(scale · r, y),   CE(z, y) = −Σ_c y_c log softmax(z)_c   (SpikingJelly: F.cross_entropy(out_fr, label))
 *   rateMse          = mean_{b,c} (r − onehot(y))²                            (SpikingJelly's classic example: F.mse_loss(out_fr, label_onehot))
 *   tetLoss          = (1 − λ) · (1/T) Σ_t CE(outputs[t], y) + λ · (1/T) Σ_t mean_{b,c} (outputs[t] − φ)²
 *                     (Deng et al., "Temporal Efficient Training of Spiking Neural Network via Gradient Re-weighting", ICLR 2022; λ = 0 by default)
 *                     tetLoss also takes outputs [T, B, C, d1, ..., dk] with labels [B, d1, ..., dk] (indices) or
 *                     [B, C, d1, ..., dk] (targets): CE over the class axis, averaged over B and d1..dk. With λ = 0 it
 *                     is SpikingJelly's functional.temporal_efficient_training_cross_entropy(x_seq, target).
 *
 * Sums run through `tf.mean`/`tf.sum` over small axes (classes, time); the batch mean is over `B` values only, so the
 * wasm backend's sequential float32 accumulation stays exact enough.
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { checkMinRank as minRank, checkRank as rank, SpikefnArgumentError, showShape } from '@spikefn/core';

/** Class indices `[B]` (int32) or targets `[B, C]`. @category losses */
export type Labels = tf.Tensor;

/** Throws unless every entry of `labels` is an integer class index in `[0, classes)` (reads them to the host). */
function checkClassIndices(fn: string, labels: tf.Tensor, classes: number): void {
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const c = values[i] as number;
    if (!(Number.isInteger(c) && c >= 0 && c < classes))
      throw new SpikefnArgumentError(fn, 'labels', `class indices: integers in [0, ${classes})`, `${c} at flat index ${i}`);
  }
}

/**
 * `[B]` indices or `[B, C]` targets → `[B, C]` float targets. Class indices must be integers in `[0, C)` (a NaN,
 * fractional, negative or too large index is refused: `oneHot` would silently make it some class or none); targets
 * must be finite. Reads the labels to the host (B or B·C values). @category losses
 */
export function targets(fn: string, labels: Labels, batch: number, classes: number): tf.Tensor {
  if (!(labels instanceof tf.Tensor))
    throw new SpikefnArgumentError(fn, 'labels', `a tensor: class indices [${batch}] or targets [${batch}, ${classes}]`, String(labels));
  if (labels.dtype !== 'int32' && labels.dtype !== 'float32')
    throw new SpikefnArgumentError(fn, 'labels', 'an int32 or float32 tensor', `dtype ${labels.dtype}`);
  if (labels.rank === 1) {
    if (labels.shape[0] !== batch)
      throw new SpikefnArgumentError(fn, 'labels', `shape [${batch}] (one class index per example)`, showShape(labels.shape));
    checkClassIndices(fn, labels, classes);
    return tf.cast(tf.oneHot(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), classes), 'float32');
  }
  if (labels.rank === 2 && labels.shape[0] === batch && labels.shape[1] === classes) {
    const values = labels.dataSync();
    for (let i = 0; i < values.length; i++)
      if (!Number.isFinite(values[i]))
        throw new SpikefnArgumentError(fn, 'labels', 'finite targets', `${values[i]} at [${Math.floor(i / classes)}, ${i % classes}]`);
    return labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
  }
  throw new SpikefnArgumentError(fn, 'labels', `class indices [${batch}] or targets [${batch}, ${classes}]`, showShape(labels.shape));
}

const dims = (fn: string, outputs: tf.Tensor): readonly [number, number, number] => {
  rank(fn, 'outputs', outputs, 3, '[T, B, C]');
  return outputs.shape as [number, number, number];
};

/** Softmax cross-entropy of logits `[B, C]` against targets `[B, C]`, mean over the batch. @category losses */
export function crossEntropy(logits: tf.Tensor, labels: Labels): tf.Scalar {
  rank('crossEntropy', 'logits', logits, 2, '[B, C]');
  const [B, C] = logits.shape as [number, number];
  return tf.tidy(() => {
    const y = targets('crossEntropy', labels, B, C);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** The firing rate `(1/T) Σ_t outputs[t]`, `[B, C]`. @category losses */
export function firingRate(outputs: tf.Tensor): tf.Tensor {
  dims('firingRate', outputs);
  return tf.mean(outputs, 0);
}

/** Cross-entropy on the firing rate (mean over T), the rate times `scale` (default 1, SpikingJelly's) as logits. @category losses */
export function rateCrossEntropy(outputs: tf.Tensor, labels: Labels, options: { readonly scale?: number } = {}): tf.Scalar {
  dims('rateCrossEntropy', outputs);
  const scale = options.scale ?? 1;
  return tf.tidy(() => crossEntropy(tf.mul(tf.mean(outputs, 0), scale), labels));
}

/** Mean squared error between the firing rate and the one-hot labels. @category losses */
export function rateMse(outputs: tf.Tensor, labels: Labels): tf.Scalar {
  const [, B, C] = dims('rateMse', outputs);
  return tf.tidy(() => tf.mean(tf.square(tf.sub(tf.mean(outputs, 0), targets('rateMse', labels, B, C)))) as tf.Scalar);
}

/**
 * Targets `[B·P, C]` for outputs `[T, B, C, ...spatial]` (P = the product of the spatial sizes): labels are class
 * indices `[B, ...spatial]` or targets `[B, C, ...spatial]` (for no spatial axes: `[B]` or `[B, C]`, as {@link targets}).
 */
function spatialTargets(fn: string, labels: Labels, B: number, C: number, spatial: readonly number[]): tf.Tensor {
  if (spatial.length === 0) return targets(fn, labels, B, C);
  const P = spatial.reduce((a, d) => a * d, 1);
  const same = (shape: readonly number[], want: readonly number[]): boolean =>
    shape.length === want.length && shape.every((d, i) => d === want[i]);
  if (same(labels.shape, [B, ...spatial])) {
    checkClassIndices(fn, labels, C);
    const idx = tf.reshape(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), [B * P]);
    return tf.cast(tf.oneHot(idx, C), 'float32');
  }
  if (same(labels.shape, [B, C, ...spatial])) {
    const perm = [0, ...spatial.map((_, i) => i + 2), 1];
    return tf.reshape(tf.transpose(labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32'), perm), [B * P, C]);
  }
  throw new SpikefnArgumentError(
    fn,
    'labels',
    `class indices ${showShape([B, ...spatial])} or targets ${showShape([B, C, ...spatial])}`,
    showShape(labels.shape),
  );
}

/**
 * TET (Deng et al., ICLR 2022): the cross-entropy at every time step, averaged over T, plus an optional MSE pull of
 * the outputs toward φ: (1 − λ)·(1/T) Σ_t CE(outputs[t], y) + λ·mean (outputs − φ)². Outputs `[T, B, C]` with labels
 * `[B]` (indices) or `[B, C]`; or `[T, B, C, d1, ..., dk]` with labels `[B, d1, ..., dk]` or `[B, C, d1, ..., dk]`,
 * the cross-entropy then over the class axis and averaged over B and d1..dk. With λ = 0 (the default) this is
 * SpikingJelly's `functional.temporal_efficient_training_cross_entropy(x_seq, target)`.
 *
 * @category losses
 */
export function tetLoss(outputs: tf.Tensor, labels: Labels, options: { readonly lambda?: number; readonly phi?: number } = {}): tf.Scalar {
  minRank('tetLoss', 'outputs', outputs, 3, '[T, B, C, ...]');
  const [T, B, C, ...spatial] = outputs.shape as [number, number, number, ...number[]];
  const P = spatial.reduce((a, d) => a * d, 1);
  const lambda = options.lambda ?? 0;
  const phi = options.phi ?? 1;
  if (!(lambda >= 0 && lambda <= 1)) throw new SpikefnArgumentError('tetLoss', 'options.lambda', 'a number in [0, 1]', String(lambda));
  return tf.tidy(() => {
    const y = spatialTargets('tetLoss', labels, B, C, spatial);
    // Logits with the class axis last, [T·B·P, C]; CE_t = −Σ_c y log softmax, mean over B·P then over T.
    const perm = [0, 1, ...spatial.map((_, i) => i + 3), 2];
    const z = tf.reshape(spatial.length === 0 ? outputs : tf.transpose(outputs, perm), [T * B * P, C]);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(z), tf.tile(y, [T, 1])), 1)));
    if (lambda === 0) return ce as tf.Scalar;
    const mse = tf.mean(tf.square(tf.sub(outputs, phi)));
    return tf.add(tf.mul(1 - lambda, ce), tf.mul(lambda, mse)) as tf.Scalar;
  });
}

/** Predicted classes: the argmax of the firing rate `[B]` (int32). Ties go to the lowest class. @category losses */
export function predict(outputs: tf.Tensor): tf.Tensor {
  dims('predict', outputs);
  return tf.tidy(() => tf.argMax(tf.sum(outputs, 0), 1));
}
