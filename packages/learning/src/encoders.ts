/**
 * Encoders from static inputs `x` (e.g. pixel intensities in [0, 1], any shape `[...]`) to `T` time steps
 * `[T, ...]`. Each takes an explicit key first (Equinox style: every call takes one, even when it ignores it),
 * so encoders are interchangeable. The same key gives the same spikes on every backend.
 *
 *   poisson(k, x, T)[t] = 1[u_t < clip(x, 0, 1)],  u_t ~ U[0, 1) from foldIn(k, t)   (rate coding; SpikingJelly PoissonEncoder)
 *   latency(k, x, T)[t] = 1[t = round((T − 1)(1 − clip(x, 0, 1)))]                  (linear latency: one spike, earlier for larger x;
 *                                                                                     SpikingJelly LatencyEncoder(enc_function='linear'); x = 0 fires at T − 1)
 *   direct(k, x, T)[t]  = x                                                          (constant current; the first layer sees the analog input)
 *
 * Step t of `poisson` depends only on `foldIn(k, t)`, so encoding T steps, or T₁ then T₂ steps from `t₀ = T₁`, gives
 * the same spikes ({@link poissonStep} is the per-step form).
 *
 * @category encoders
 */
import * as tf from '@spikefn/core/tf';
import {
  foldIn,
  type Key,
  bernoulliLike,
  uniformArray,
  checkPositiveInt as positiveInt,
  checkNonNegativeInt as nonNegativeInt,
  checkOneOf as oneOf,
  checkKey,
  SpikefnArgumentError,
} from '@spikefn/core';

/** An encoder: `(key, x, T) -> [T, ...x.shape]`. @category encoders */
export type Encoder = (key: Key, x: tf.Tensor, T: number) => tf.Tensor;

/** One Poisson step: `1[u < clip(x, 0, 1)]` with `u` drawn from `key`. @category encoders */
export const poissonStep = (key: Key, x: tf.Tensor): tf.Tensor => bernoulliLike(checkKey('poissonStep', key), x);

/** Poisson (Bernoulli rate) spikes for steps `t0 .. t0 + T − 1`, step t from `foldIn(key, t)`. @category encoders */
export function poisson(key: Key, x: tf.Tensor, T: number, t0 = 0): tf.Tensor {
  checkKey('poisson', key);
  positiveInt('poisson', 'T', T);
  nonNegativeInt('poisson', 't0', t0);
  if (!(x instanceof tf.Tensor)) throw new SpikefnArgumentError('poisson', 'x', 'a tensor of rates', String(x));
  const p = x.dataSync();
  const n = p.length;
  for (let i = 0; i < n; i++)
    if (Number.isNaN(p[i])) throw new SpikefnArgumentError('poisson', 'x', 'rates (numbers, not NaN)', `NaN at flat index ${i}`);
  const out = new Float32Array(T * n);
  for (let t = 0; t < T; t++) {
    const u = uniformArray(foldIn(key, t0 + t), n);
    for (let i = 0; i < n; i++) out[t * n + i] = (u[i] as number) < (p[i] as number) ? 1 : 0;
  }
  return tf.tensor(out, [T, ...x.shape], 'float32');
}

/** One spike per element at step `round((T − 1)(1 − x))` (larger `x`, earlier spike). The key is unused. @category encoders */
export function latency(_key: Key, x: tf.Tensor, T: number): tf.Tensor {
  checkKey('latency', _key);
  positiveInt('latency', 'T', T);
  return tf.tidy(() => {
    const tf_ = tf.cast(tf.round(tf.mul(T - 1, tf.sub(1, tf.clipByValue(x, 0, 1)))), 'int32');
    // one-hot over a new last axis, then move time to the front.
    const hot = tf.oneHot(tf.reshape(tf_, [-1]), T); // [n, T]
    return tf.cast(tf.reshape(tf.transpose(hot), [T, ...x.shape]), 'float32');
  });
}

/** The input repeated at every step (constant current). The key is unused. @category encoders */
export function direct(_key: Key, x: tf.Tensor, T: number): tf.Tensor {
  checkKey('direct', _key);
  positiveInt('direct', 'T', T);
  return tf.tidy(() => tf.reshape(tf.tile(tf.reshape(x, [1, -1]), [T, 1]), [T, ...x.shape])); // rank-2 tile: differentiable at any input rank
}

/** Encoder names for command lines. @category encoders */
export const encoderNames = ['poisson', 'latency', 'direct'] as const;

/** An encoder by name. @category encoders */
export function encoderByName(name: string): Encoder {
  const n = oneOf('encoderByName', 'name', name, encoderNames);
  return n === 'poisson' ? (k, x, T) => poisson(k, x, T) : n === 'latency' ? latency : direct;
}
