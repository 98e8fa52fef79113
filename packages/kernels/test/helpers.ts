// Shared helpers of the kernel tests: backends, running one kernel on
// plain arrays with stock or spikefn kernels, and comparing results.
import '@spikefn/core/tf'; // registers tfjs-core's gradients (a root devDependency: tests only)
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { kernelTuning } from '../src/tuning.js';
import { register, unregister } from '../src/registry.js';

export type Mode = 'stock' | 'spikefn';
export type Backend = 'cpu' | 'wasm';

export interface ArrayInput {
  readonly data: Float32Array | Int32Array | Uint8Array;
  readonly shape: number[];
  readonly dtype?: 'float32' | 'int32' | 'bool';
}

export async function initBackends(): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Switches to `backend` with stock or spikefn kernels (backends must have been initialised). */
export async function use(backend: Backend, mode: Mode): Promise<void> {
  await tf.setBackend(backend);
  if (mode === 'spikefn') register(backend, ['overrides']);
  else unregister(backend, ['overrides']);
}

/** Runs one kernel on `backend` and returns its (first) output's values and shape. */
export async function runKernel(
  backend: Backend,
  mode: Mode,
  kernelName: string,
  inputs: Record<string, ArrayInput>,
  attrs: tf.NamedAttrMap,
): Promise<{ values: Float32Array; shape: number[] }> {
  await use(backend, mode);
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data, v.shape, v.dtype ?? 'float32');
    const out = tf.engine().runKernel(kernelName, ts, attrs) as tf.Tensor | tf.Tensor[];
    const first = Array.isArray(out) ? out[0] : out;
    if (first === undefined) throw new Error('no output');
    return { values: Float32Array.from(first.dataSync()), shape: first.shape.slice() };
  });
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** |actual − expected| ≤ 1e-4 · max|expected| + 1e-6, elementwise, and equal shapes. */
export function expectClose(
  actual: { values: Float32Array; shape: number[] },
  expected: { values: Float32Array; shape: number[] },
  what: string,
): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const tol = 1e-4 * maxAbs(expected.values) + 1e-6;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const d = Math.abs(actual.values[i]! - expected.values[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (!(worst <= tol)) {
    throw new Error(`${what}: max difference ${worst} at ${at} (got ${actual.values[at]}, want ${expected.values[at]}), tolerance ${tol}`);
  }
}

/** A deterministic pseudo-random array in [lo, hi). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return a;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs `f` with some kernelTuning fields changed, restoring them afterwards. */
export async function withTuning<T>(patch: Partial<typeof kernelTuning>, f: () => Promise<T>): Promise<T> {
  const saved = { ...kernelTuning };
  Object.assign(kernelTuning, patch);
  try {
    return await f();
  } finally {
    Object.assign(kernelTuning, saved);
  }
}
