/**
 * Samplers on explicit keys. Values are generated on the host from the key with a counter-based hash
 * (element `i` of a draw is `H(key, i)`), then uploaded: the same key gives bit-identical tensors on every
 * backend (cpu, wasm, WebGL, node), unlike backend kernels such as `multinomial`.
 *
 * uniform: `u_i = (H(k, i) >>> 8) · 2⁻²⁴ ∈ [0, 1)`, 24 random bits, exactly representable in float32.
 * normal: Box–Muller, `z = sqrt(-2 ln(1 - u₁)) · cos(2π u₂)` (Box & Muller 1958).
 * bernoulli: `1` where `u < p`, else `0`.
 *
 * @category randomness
 */
import * as tf from './tf.js';
import { checkKey, hash3, type Key } from './key.js';
import { finite, probability, SpikefnArgumentError, validShape, type Shape } from './validate.js';

const size = (fn: string, shape: Shape): number => validShape(fn, 'shape', shape).reduce((a, b) => a * b, 1);

/** Fills `out` with uniform [0, 1) draws from `k` (host only: for kernels and tests). @category randomness */
export function uniformArray(k: Key, n: number, stream = 0): Float32Array {
  checkKey('uniformArray', k);
  if (!Number.isSafeInteger(n) || n < 0) throw new SpikefnArgumentError('uniformArray', 'n', 'an integer >= 0', String(n));
  if (!Number.isSafeInteger(stream)) throw new SpikefnArgumentError('uniformArray', 'stream', 'a safe integer', String(stream));
  const out = new Float32Array(n);
  const [k0, k1] = k;
  const seed = 0x3c6ef372 ^ stream;
  for (let i = 0; i < n; i++) out[i] = (hash3(k0, k1, i, seed) >>> 8) * 5.9604644775390625e-8;
  return out;
}

/** Uniform draws in `[lo, hi)`: `lo + (hi - lo)·u`. @category randomness */
export function uniform(k: Key, shape: Shape, lo = 0, hi = 1): tf.Tensor {
  checkKey('uniform', k);
  const n = size('uniform', shape);
  finite('uniform', 'lo', lo);
  finite('uniform', 'hi', hi);
  if (!(hi > lo)) throw new SpikefnArgumentError('uniform', 'hi', `a number > lo (${lo})`, String(hi));
  const u = uniformArray(k, n);
  if (lo !== 0 || hi !== 1) for (let i = 0; i < n; i++) u[i] = lo + (hi - lo) * (u[i] as number);
  return tf.tensor(u, [...shape], 'float32');
}

/** Standard normal draws scaled: `mean + std·z`, `z` by Box–Muller. @category randomness */
export function normal(k: Key, shape: Shape, mean = 0, std = 1): tf.Tensor {
  checkKey('normal', k);
  const n = size('normal', shape);
  finite('normal', 'mean', mean);
  if (!Number.isFinite(std) || std < 0) throw new SpikefnArgumentError('normal', 'std', 'a finite number >= 0', String(std));
  const u1 = uniformArray(k, n, 1);
  const u2 = uniformArray(k, n, 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - (u1[i] as number)));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * (u2[i] as number));
  }
  return tf.tensor(out, [...shape], 'float32');
}

/** Bernoulli draws as float32 0/1: `1` with probability `p`. @category randomness */
export function bernoulli(k: Key, p: number, shape: Shape): tf.Tensor {
  checkKey('bernoulli', k);
  const n = size('bernoulli', shape);
  probability('bernoulli', 'p', p);
  const u = uniformArray(k, n);
  for (let i = 0; i < n; i++) u[i] = (u[i] as number) < p ? 1 : 0;
  return tf.tensor(u, [...shape], 'float32');
}

/**
 * Bernoulli draws with a per-element probability tensor `p` (same shape as the result), e.g. Poisson rate coding:
 * `1[u < p]`, so `p ≤ 0` never fires and `p ≥ 1` always does. A NaN probability is refused (it would never fire).
 *
 * @category randomness
 */
export function bernoulliLike(k: Key, p: tf.Tensor): tf.Tensor {
  checkKey('bernoulliLike', k);
  if (!(p instanceof tf.Tensor)) throw new SpikefnArgumentError('bernoulliLike', 'p', 'a tensor of probabilities', String(p));
  const probs = p.dataSync();
  // Values below 0 never fire and above 1 always do (`u < p`, the clip of rate coding); NaN would silently never fire.
  for (let i = 0; i < probs.length; i++)
    if (Number.isNaN(probs[i]))
      throw new SpikefnArgumentError('bernoulliLike', 'p', 'probabilities (numbers, not NaN)', `NaN at flat index ${i}`);
  const u = uniformArray(k, probs.length);
  for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) < (probs[i] as number) ? 1 : 0;
  return tf.tensor(u, p.shape, 'float32');
}
