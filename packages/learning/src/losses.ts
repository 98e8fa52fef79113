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
 *
 * Sums run through `tf.mean`/`tf.sum` over small axes (classes, time); the batch mean is over `B` values only, so the
 * wasm backend's sequential float32 accumulation stays exact enough.
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { checkRank as rank, SpikefnArgumentError, showShape } from '@spikefn/core';

/** Class indices `[B]` (int32) or targets `[B, C]`. @category losses */
export type Labels = tf.Tensor;

/** `[B]` indices or `[B, C]` targets → `[B, C]` float targets. @category losses */
export function targets(fn: string, labels: Labels, batch: number, classes: number): tf.Tensor {
  if (labels.rank === 1) {
    if (labels.shape[0] !== batch)
      throw new SpikefnArgumentError(fn, 'labels', `shape [${batch}] (one class index per example)`, showShape(labels.shape));
    return tf.cast(tf.oneHot(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), classes), 'float32');
  }
  if (labels.rank === 2 && labels.shape[0] === batch && labels.shape[1] === classes)
    return labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
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

/** TET: cross-entropy at every time step, averaged over T, plus an optional MSE pull of the outputs toward `phi`. @category losses */
export function tetLoss(outputs: tf.Tensor, labels: Labels, options: { readonly lambda?: number; readonly phi?: number } = {}): tf.Scalar {
  const [T, B, C] = dims('tetLoss', outputs);
  const lambda = options.lambda ?? 0;
  const phi = options.phi ?? 1;
  if (!(lambda >= 0 && lambda <= 1)) throw new SpikefnArgumentError('tetLoss', 'options.lambda', 'a number in [0, 1]', String(lambda));
  return tf.tidy(() => {
    const y = targets('tetLoss', labels, B, C);
    // log-softmax over classes at every step: [T, B, C]; CE_t = −Σ_c y log p, mean over B then over T.
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(tf.reshape(outputs, [T * B, C])), tf.tile(y, [T, 1])), 1)));
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
