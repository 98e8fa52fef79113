// Test helpers: leak checking, plain-number references, tensors from nested arrays.
import { expect } from 'vitest';
import * as tf from '@spikefn/core/tf';

/** Runs `body` in a tidy and checks that no tensor outlives it (the test's own tensors included). */
export function leakFree(body: () => void): void {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    body();
  });
  expect(tf.memory().numTensors).toBe(before);
}

/** A nested array of numbers. */
export type Nd = number | Nd[];

/** Shape of a nested array. */
export const shapeOf = (a: Nd): number[] => (Array.isArray(a) ? [a.length, ...shapeOf(a[0] as Nd)] : []);

/** The numbers of a nested array in row-major order. */
export const flat = (a: Nd): number[] => (Array.isArray(a) ? a.flatMap((b) => flat(b)) : [a]);

/** A float32 tensor of a nested array. */
export const t = (a: Nd): tf.Tensor => tf.tensor(flat(a), shapeOf(a));

/** Builds a nested array of `shape` from `f(index)`. */
export function build(shape: readonly number[], f: (idx: number[]) => number, prefix: number[] = []): Nd {
  if (shape.length === 0) return f(prefix);
  return Array.from({ length: shape[0] as number }, (_, i) => build(shape.slice(1), f, [...prefix, i]));
}

/** Reads `a[idx...]`. */
export const at = (a: Nd, idx: readonly number[]): number => idx.reduce<Nd>((cur, i) => (cur as Nd[])[i] as Nd, a) as number;

/** A deterministic pseudo-random number in [lo, hi) from integers (a plain hash, for data only). */
export function pseudo(seed: number, i: number, lo = -1, hi = 1): number {
  let h = (seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39) >>> 0;
  h ^= h >>> 15;
  return lo + ((h >>> 0) / 0x100000000) * (hi - lo);
}

/** Nested data of `shape` from {@link pseudo}. */
export const data = (shape: readonly number[], seed: number, lo = -1, hi = 1): Nd => {
  let i = 0;
  return build(shape, () => pseudo(seed, i++, lo, hi));
};

/** Max |a - b| over two tensors of one shape. */
export const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

/** Expects `got` (tensor) close to `want` (nested numbers), |d| <= atol + rtol·|want|. */
export function expectClose(got: tf.Tensor, want: Nd, atol = 1e-5, rtol = 1e-4): void {
  expect(got.shape).toEqual(shapeOf(want));
  const g = got.dataSync();
  const w = flat(want);
  w.forEach((wi, i) => {
    const gi = g[i] as number;
    if (!(Math.abs(gi - wi) <= atol + rtol * Math.abs(wi))) throw new Error(`flat index ${i}: got ${gi}, want ${wi}`);
  });
}
