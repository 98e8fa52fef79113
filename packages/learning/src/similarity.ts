/**
 * Kernel similarities of spike trains and the spike-similarity loss: SpikingJelly 0.0.0.0.8's
 * `functional.kernel_dot_product` and `functional.spike_similar_loss`.
 *
 * kernelDotProduct(x [N, M], y [K, M], kernel) = Kmat [N, K], Kmat[i, j] = κ(x_i, y_j):
 *
 *   linear       κ = x_i·y_j
 *   polynomial   κ = (x_i·y_j)^d
 *   sigmoid      κ = σ(α·x_i·y_j)
 *   gaussian     κ = exp(−(‖x_i‖² + ‖y_j‖² − 2·x_i·y_j)/(2σ²)) = exp(−‖x_i − y_j‖²/(2σ²))
 *
 * spikeSimilarLoss(spikes [N, ...], labels [N, C], kernel, loss), with S = spikes flattened to [N, M]:
 *
 *   P = kernelDotProduct(S, S, kernel);  linear only: P[i, j] = S_i·S_j/(‖S_i‖·‖S_j‖ + 1e−8)   (the predicted similarity)
 *   Y = min(L·Lᵀ, 1)                    (1 when examples i and j share a label; L the labels as float32)
 *   mse  = mean_{i,j} (P − Y)²
 *   l1   = mean_{i,j} abs(P − Y)
 *   bce  = mean_{i,j} −(Y·max(log P, −100) + (1 − Y)·max(log(1 − P), −100))
 *
 * The means run over the N × N matrix (PyTorch's `mse_loss`, `l1_loss`, `binary_cross_entropy` with mean reduction).
 * Gradients are PyTorch's: abs(d) has gradient sign(d) (0 at d = 0), ‖S_i‖ has gradient S_i/‖S_i‖ (0 for an all-zero
 * row), and bce has gradient (P − Y)/max(P(1 − P), 1e−12) (the log clamps do not cut it).
 *
 * Where spikefn differs from SpikingJelly (which raises in these cases; the parity fixtures record the errors):
 *
 * - **bce clamps P into [0, 1]** before the logs. The linear kernel's P is mathematically in [0, 1] for non-negative
 *   spikes, but in float32 the diagonal S_i·S_i/(‖S_i‖² + 1e−8) can round above 1, and PyTorch's
 *   `binary_cross_entropy` then raises ("all elements of input should be between 0 and 1"). The gradient passes the
 *   clamp unchanged.
 * - **polynomial with bce is refused** with a SpikefnArgumentError: (x·y)^d is not normalised (spike counts make it far
 *   above 1), so it is never a probability; PyTorch raises on the data instead.
 * - **gaussian with N ≠ K rows**: SpikingJelly repeats both squared norms to N = x.shape[0] rows and raises unless
 *   x and y have the same number of rows; spikefn broadcasts and returns the N × K matrix of the formula.
 * - SpikingJelly's `labels.float()` makes the target float32 whatever the spikes' dtype, so its float64 mse and bce
 *   cannot back-propagate; spikefn is float32 throughout.
 *
 * Reference: SpikingJelly, `spikingjelly/clock_driven/functional.py`, release 0.0.0.0.8 (commit c14d8ac).
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { checkMinRank as minRank, checkRank as rank, SpikefnArgumentError, showShape } from '@spikefn/core';

/**
 * The kernel of {@link kernelDotProduct} and {@link spikeSimilarLoss} (SpikingJelly's `kernel` with its `*args`):
 * `linear` x·y; `polynomial` (x·y)^d, d an integer ≥ 1; `sigmoid` σ(α·x·y), α finite; `gaussian`
 * exp(−‖x − y‖²/(2σ²)), σ finite > 0.
 *
 * @category losses
 */
export type SimilarityKernel =
  | {
      /** κ(x, y) = x·y (normalised by ‖x‖·‖y‖ + 1e−8 inside {@link spikeSimilarLoss}). */
      readonly kind: 'linear';
    }
  | {
      /** κ(x, y) = (x·y)^d. */
      readonly kind: 'polynomial';
      /** The degree d, an integer ≥ 1 (SpikingJelly's `args[0]`). */
      readonly d: number;
    }
  | {
      /** κ(x, y) = σ(α·x·y). */
      readonly kind: 'sigmoid';
      /** The slope α, a finite number (SpikingJelly's `args[0]`). */
      readonly alpha: number;
    }
  | {
      /** κ(x, y) = exp(−‖x − y‖²/(2σ²)). */
      readonly kind: 'gaussian';
      /** The width σ, a finite number > 0 (SpikingJelly's `args[0]`). */
      readonly sigma: number;
    };

/** The loss of {@link spikeSimilarLoss} (SpikingJelly's `loss_type`). @category losses */
export type SimilarityLoss = 'mse' | 'l1' | 'bce';

/** Options of {@link spikeSimilarLoss}. @category losses */
export type SpikeSimilarLossOptions = {
  /** The kernel that measures the similarity of two spike trains (default `{ kind: 'linear' }`, normalised). */
  readonly kernel?: SimilarityKernel;
  /** How the predicted similarity is compared with the label similarity (default `'mse'`). */
  readonly loss?: SimilarityLoss;
};

const LINEAR: SimilarityKernel = { kind: 'linear' };

function checkKernel(fn: string, kernel: SimilarityKernel): SimilarityKernel {
  const k = kernel as { kind?: unknown; d?: unknown; alpha?: unknown; sigma?: unknown } | null;
  if (k === null || typeof k !== 'object')
    throw new SpikefnArgumentError(fn, 'kernel', "a kernel record such as { kind: 'linear' }", String(kernel));
  switch (k.kind) {
    case 'linear':
      return kernel;
    case 'polynomial':
      if (typeof k.d !== 'number' || !Number.isInteger(k.d) || k.d < 1)
        throw new SpikefnArgumentError(fn, 'kernel.d', 'an integer >= 1 (the polynomial degree)', String(k.d));
      return kernel;
    case 'sigmoid':
      if (typeof k.alpha !== 'number' || !Number.isFinite(k.alpha))
        throw new SpikefnArgumentError(fn, 'kernel.alpha', 'a finite number', String(k.alpha));
      return kernel;
    case 'gaussian':
      if (typeof k.sigma !== 'number' || !Number.isFinite(k.sigma) || k.sigma <= 0)
        throw new SpikefnArgumentError(fn, 'kernel.sigma', 'a finite number > 0', String(k.sigma));
      return kernel;
    default:
      throw new SpikefnArgumentError(fn, 'kernel.kind', "one of 'linear', 'polynomial', 'sigmoid', 'gaussian'", JSON.stringify(k.kind));
  }
}

/** The kernel matrix, without argument checks. */
function kernelMatrix(x: tf.Tensor, y: tf.Tensor, kernel: SimilarityKernel): tf.Tensor {
  const xy = tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true);
  switch (kernel.kind) {
    case 'linear':
      return xy;
    case 'polynomial':
      return tf.pow(xy, kernel.d);
    case 'sigmoid':
      return tf.sigmoid(tf.mul(xy, kernel.alpha));
    case 'gaussian': {
      const x2 = tf.sum(tf.square(x), 1, true); // [N, 1]
      const y2 = tf.reshape(tf.sum(tf.square(y), 1), [1, -1]); // [1, K]
      const d = tf.sub(tf.add(x2, y2), tf.mul(xy, 2));
      return tf.exp(tf.div(tf.neg(d), 2 * kernel.sigma * kernel.sigma));
    }
  }
}

/**
 * The kernel inner products of two batches of vectors, `[N, M]` and `[K, M]` → `[N, K]` (SpikingJelly's
 * `functional.kernel_dot_product(x, y, kernel, *args)`): linear x_i·y_j, polynomial (x_i·y_j)^d, sigmoid
 * σ(α·x_i·y_j), gaussian exp(−(‖x_i‖² + ‖y_j‖² − 2·x_i·y_j)/(2σ²)). Unlike SpikingJelly, the gaussian kernel also
 * takes N ≠ K (SpikingJelly raises). Differentiable in x and y.
 *
 * @category losses
 */
export function kernelDotProduct(x: tf.Tensor, y: tf.Tensor, kernel: SimilarityKernel = LINEAR): tf.Tensor {
  const fn = 'kernelDotProduct';
  rank(fn, 'x', x, 2, '[N, M]');
  rank(fn, 'y', y, 2, '[K, M]');
  if (x.shape[1] !== y.shape[1])
    throw new SpikefnArgumentError(fn, 'y', `[K, ${x.shape[1]}] (as many features as x ${showShape(x.shape)})`, showShape(y.shape));
  const k = checkKernel(fn, kernel);
  return tf.tidy(() => kernelMatrix(x, y, k));
}

/** Row norms ‖S_i‖ as `[N, 1]`, with PyTorch's gradient S_i/‖S_i‖, 0 for an all-zero row (autodiff of √ gives NaN). */
const rowNorms = tf.customGrad((s: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const S = s as tf.Tensor;
  const n = tf.sqrt(tf.sum(tf.square(S), 1, true));
  (save as tf.GradSaveFunc)([S, n]);
  return {
    value: n,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [S0, n0] = saved as [tf.Tensor, tf.Tensor];
      // An all-zero row has S_i = 0 and ‖S_i‖ = 0: 0/1e−30 = 0, PyTorch's value there.
      return tf.mul(dy, tf.div(S0, tf.maximum(n0, 1e-30)));
    },
  };
});

/** PyTorch's `binary_cross_entropy` (mean), P clamped into [0, 1], with PyTorch's gradient (P − Y)/max(P(1 − P), 1e−12). */
const binaryCrossEntropy = tf.customGrad(
  (p: tf.Tensor | tf.GradSaveFunc, y: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const P = tf.clipByValue(p as tf.Tensor, 0, 1);
    const Y = y as tf.Tensor;
    (save as tf.GradSaveFunc)([P, Y]);
    const terms = tf.add(tf.mul(Y, tf.maximum(tf.log(P), -100)), tf.mul(tf.sub(1, Y), tf.maximum(tf.log(tf.sub(1, P)), -100)));
    return {
      value: tf.neg(tf.mean(terms)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [P0, Y0] = saved as [tf.Tensor, tf.Tensor];
        const g = tf.div(tf.sub(P0, Y0), tf.maximum(tf.mul(P0, tf.sub(1, P0)), 1e-12));
        return [tf.mul(g, tf.div(dy, P0.size)), tf.zerosLike(Y0)];
      },
    };
  },
);

/**
 * SpikingJelly's spike-similarity loss (`functional.spike_similar_loss(spikes, labels, kernel_type, loss_type, *args)`):
 * spikes `[N, ...]` (flattened to `[N, M]`; binary spikes or firing rates) and labels `[N, C]` (one-hot or
 * multi-hot, any dtype). The predicted similarity is P = kernelDotProduct(S, S, kernel), normalised by
 * ‖S_i‖·‖S_j‖ + 1e−8 for the linear kernel; the target is Y = min(L·Lᵀ, 1); the loss is the mean over the N × N
 * matrix of (P − Y)² (`'mse'`, default), abs(P − Y) (`'l1'`) or the binary cross-entropy (`'bce'`). Returns a scalar,
 * differentiable in the spikes. See the file header for the three places spikefn improves on SpikingJelly's errors
 * (bce clamps P into [0, 1]; polynomial + bce is refused; gaussian needs no square matrix).
 *
 * @category losses
 */
export function spikeSimilarLoss(spikes: tf.Tensor, labels: tf.Tensor, options: SpikeSimilarLossOptions = {}): tf.Scalar {
  const fn = 'spikeSimilarLoss';
  minRank(fn, 'spikes', spikes, 2, '[N, ...]');
  const N = spikes.shape[0] as number;
  rank(fn, 'labels', labels, 2, '[N, C]');
  if (labels.shape[0] !== N)
    throw new SpikefnArgumentError(
      fn,
      'labels',
      `[${N}, C] (one row per example of spikes ${showShape(spikes.shape)})`,
      showShape(labels.shape),
    );
  if (options === null || typeof options !== 'object') throw new SpikefnArgumentError(fn, 'options', 'an options record', String(options));
  const kernel = checkKernel(fn, options.kernel ?? LINEAR);
  const loss = options.loss ?? 'mse';
  if (loss !== 'mse' && loss !== 'l1' && loss !== 'bce')
    throw new SpikefnArgumentError(fn, 'options.loss', "one of 'mse', 'l1', 'bce'", JSON.stringify(loss));
  if (loss === 'bce' && kernel.kind === 'polynomial')
    throw new SpikefnArgumentError(
      fn,
      'options',
      "a kernel with values in [0, 1] for loss 'bce' (linear, sigmoid or gaussian): the polynomial kernel is not normalised",
      `{ kernel: { kind: 'polynomial', d: ${kernel.d} }, loss: 'bce' }`,
    );
  return tf.tidy(() => {
    const S = tf.reshape(spikes.dtype === 'float32' ? spikes : tf.cast(spikes, 'float32'), [N, -1]);
    let P = kernelMatrix(S, S, kernel);
    if (kernel.kind === 'linear') {
      const n = rowNorms(S);
      P = tf.div(P, tf.add(tf.matMul(n as tf.Tensor2D, n as tf.Tensor2D, false, true), 1e-8));
    }
    const L = labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
    const Y = tf.minimum(tf.matMul(L as tf.Tensor2D, L as tf.Tensor2D, false, true), 1);
    const d = tf.sub(P, Y);
    // abs(d) as d·sign(d): sign has a zero gradient, so the gradient is sign(d), 0 at d = 0 (PyTorch's l1_loss).
    if (loss === 'mse') return tf.mean(tf.square(d)) as tf.Scalar;
    if (loss === 'l1') return tf.mean(tf.mul(d, tf.sign(d))) as tf.Scalar;
    return binaryCrossEntropy(P, Y) as tf.Scalar;
  });
}
