/**
 * The two surrogates of SpikingJelly 0.0.0.0.8's `clock_driven/surrogate.py` that the first port left out:
 * `NonzeroSignLogAbs` and `SquarewaveFourierSeries`. Like every {@link Surrogate}, each is Heaviside forward
 * (heaviside(0) = 1) with `dy · derivative(x)` backward (`spike`), and the smooth `primitive` (`spiking=False`).
 *
 * NonzeroSignLogAbs(α), SpikingJelly's `nonzero_sign_log_abs`:
 *
 *   g(x)  = sign0(x)·log(1 + α·sign0(x)·x) = sign0(x)·log(1 + α·abs(x)),   sign0(x) = 1 (x ≥ 0), −1 (x < 0)
 *   g'(x) = 1/(1/α + abs(x)) = α/(1 + α·abs(x))
 *
 * The primitive's range is not (0, 1) (it is unbounded and g(0) = 0); SpikingJelly chose it for its cheap backward.
 * `sign0` is written as a constant to autodiff (as SpikingJelly writes it), so autodiff of the primitive gives α at
 * x = 0, the same as `derivative`.
 *
 * SquarewaveFourierSeries(n, T), SpikingJelly's `squarewave_fourier_series`, with ω = 2π/T:
 *
 *   g(x)  = 1/2 + (2/π)·Σ_{i=1}^{n−1} sin((2i − 1)·ω·x)/(2i − 1)
 *   g'(x) = (4/T)·Σ_{i=1}^{n−1} cos((2i − 1)·ω·x)
 *
 * the partial Fourier series of a square wave of period T that is 1 on (0, T/2) and 0 on (−T/2, 0). As in
 * SpikingJelly (`range(1, n)`), **n counts n − 1 harmonics**: the default n = 2 is the single cosine
 * g'(x) = cos(πx/4)/2, and n = 1 is a zero gradient with the constant primitive 1/2. Both functions are periodic in
 * x with period T, and g' is negative in places (for n = 2: T/4 < abs(x) < 3T/4), so this surrogate can push a
 * membrane far from the threshold the wrong way; the parity fixtures pin these values as they are.
 *
 * @category surrogates
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError, checkPositive as positive } from '@spikefn/core';
import { hinted, surrogate, type Surrogate } from './surrogate.js';

/** sign0(x) = 2·heaviside(x) − 1: 1 for x ≥ 0, −1 below, float32, with a zero gradient. */
const sign0 = (x: tf.Tensor): tf.Tensor => tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), 'float32'), 2), 1);

const TWO_PI = 2 * Math.PI;
const HALF_PI = Math.PI / 2;
// Taylor coefficients of sin: (−1)^k/(2k + 1)! for k = 1..6.
const SIN_COEFFS = [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800];

/**
 * sin(θ) from float32 arithmetic only: θ reduced to u ∈ [−π, π] (u = θ − 2π·round(θ/2π)), folded to [−π/2, π/2] by
 * sin(±π − u) = sin(u), then the Taylor polynomial of degree 13 (error < 6e−9 there). WebGL's sin (GLSL `sin`) is not
 * float32-accurate on every GPU (SwiftShader's is off by ~1e−4); this is the same to float32 rounding on every backend,
 * and autodiff through it gives its derivative (round and sign have zero gradients). Used for moderate θ (abs(θ) up
 * to a few hundred: the reduction's error grows with θ/2π).
 */
function sinAccurate(theta: tf.Tensor): tf.Tensor {
  const u0 = tf.sub(theta, tf.mul(tf.round(tf.mul(theta, 1 / TWO_PI)), TWO_PI));
  const u = tf.where(tf.greaterEqual(tf.abs(u0), HALF_PI), tf.sub(tf.mul(tf.sign(u0), Math.PI), u0), u0);
  const u2 = tf.square(u);
  let p = tf.fill(u.shape, SIN_COEFFS[SIN_COEFFS.length - 1] as number);
  for (let k = SIN_COEFFS.length - 2; k >= 0; k--) p = tf.add(tf.mul(p, u2), SIN_COEFFS[k] as number);
  return tf.add(u, tf.mul(u, tf.mul(u2, p)));
}

/**
 * NonzeroSignLogAbs surrogate (SpikingJelly's `surrogate.NonzeroSignLogAbs`, 0.0.0.0.8): g(x) =
 * sign0(x)·log(1 + α·abs(x)), g'(x) = 1/(1/α + abs(x)). Default α = 1. The primitive is not a step into (0, 1):
 * it is unbounded, 0 at x = 0.
 *
 * @category surrogates
 */
export function nonzeroSignLogAbs(alpha = 1): Surrogate {
  positive('nonzeroSignLogAbs', 'alpha', alpha);
  const invAlpha = 1 / alpha;
  return hinted(
    surrogate({
      name: 'NonzeroSignLogAbs',
      alpha,
      options: { alpha },
      primitive: (x) => {
        const s = sign0(x);
        return tf.mul(s, tf.log1p(tf.mul(tf.mul(x, s), alpha)));
      },
      derivative: (x) => tf.div(1, tf.add(tf.abs(x), invAlpha)),
      derivativeScalar: (x) => 1 / (invAlpha + Math.abs(x)),
    }),
    { kind: 'nonzeroSignLogAbs', alpha },
  );
}

/**
 * SquarewaveFourierSeries surrogate (SpikingJelly's `surrogate.SquarewaveFourierSeries`, 0.0.0.0.8): with
 * ω = 2π/T, g(x) = 1/2 + (2/π)·Σ_{i=1}^{n−1} sin((2i − 1)ωx)/(2i − 1), g'(x) = (4/T)·Σ_{i=1}^{n−1} cos((2i − 1)ωx).
 * Defaults n = 2, T = 8. As in SpikingJelly, `n` gives **n − 1** harmonics (n = 1: zero gradient, primitive 1/2),
 * and g' is periodic and negative in places. `n` must be an integer ≥ 1, `tPeriod` a finite number > 0 (SpikingJelly
 * asserts both). `alpha` is n; `options` holds `{ n, tPeriod }`. The sines and cosines are a float32 polynomial after
 * reducing x by the period (not the backend's `sin`, which WebGL computes to ~1e−4 on some GPUs), so every backend
 * gives the same values to float32 rounding, and the derivative is finite for every finite x.
 *
 * @category surrogates
 */
export function squarewaveFourierSeries(n = 2, tPeriod = 8): Surrogate {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new SpikefnArgumentError('squarewaveFourierSeries', 'n', 'an integer >= 1 (n − 1 harmonics)', String(n));
  positive('squarewaveFourierSeries', 'tPeriod', tPeriod);
  const omega = (Math.PI * 2) / tPeriod;
  // (2i − 1)·ω for i = 1 .. n − 1.
  const freqs = Array.from({ length: n - 1 }, (_, i) => (2 * (i + 1) - 1) * omega);
  const gain = 4 / tPeriod;
  // Every term has period T in x, so x is first reduced to r = x − T·round(x/T) in [−T/2, T/2]. For abs(x) < T/2 that
  // is x itself, for abs(x) < 3T/2 the subtraction is exact (Sterbenz), and for huge x it keeps (2i − 1)·ω·r finite
  // where (2i − 1)·ω·x would overflow float32 (and cos(∞) is NaN); near the float32 maximum T·round(x/T) itself can
  // round to ∞, and r is then taken as 0 (a NaN stays NaN). round has a zero gradient, so dr/dx = 1.
  const reduce = (x: tf.Tensor): tf.Tensor => {
    const r = tf.sub(x, tf.mul(tf.round(tf.div(x, tPeriod)), tPeriod));
    return tf.where(tf.isInf(r), tf.zerosLike(r), r);
  };
  return hinted(
    surrogate({
      name: 'SquarewaveFourierSeries',
      alpha: n,
      options: { n, tPeriod },
      primitive: (x) => {
        const r = reduce(x);
        // r·0 keeps the result on x's tape for n = 1 (a zero gradient, as SpikingJelly's constant).
        let sum = tf.mul(r, 0);
        freqs.forEach((f, i) => {
          sum = tf.add(sum, tf.mul(sinAccurate(tf.mul(r, f)), 1 / (2 * (i + 1) - 1)));
        });
        return tf.add(tf.mul(sum, 2 / Math.PI), 0.5);
      },
      derivative: (x) => {
        const r = reduce(x);
        let sum = tf.zerosLike(x);
        // cos(θ) = sin(θ + π/2).
        for (const f of freqs) sum = tf.add(sum, sinAccurate(tf.add(tf.mul(r, f), HALF_PI)));
        return tf.mul(sum, gain);
      },
      derivativeScalar: (x) => {
        const r = x - tPeriod * Math.round(x / tPeriod);
        let sum = 0;
        for (const f of freqs) sum += Math.cos(f * r);
        return gain * sum;
      },
    }),
    { kind: 'squarewaveFourierSeries', alpha: n, tPeriod },
  );
}
