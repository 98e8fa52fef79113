// What the tests of the in-place SIMD kernels share: the threaded wasm backend for a test file (core's
// setBackend('wasm'): tfjs's heap is shared) with the kernel settings put back after it, deterministic inputs, and
// bit-for-bit comparison.
import { setBackend } from '@spikefn/core';
import { afterAll, beforeAll } from 'vitest';
import { getKernelThreads, setKernelThreads, setSimdEnabled } from '../src/simd/module.js';
import { kernelTuning } from '../src/tuning.js';

/**
 * Runs the file on core's threaded wasm backend; afterwards restores the thread count, SIMD, the parts' split and cpu
 * (and runs `restore`). Returns the thread count it found.
 */
export function useThreadedWasm(restore: () => void = () => {}): number {
  const initialThreads = getKernelThreads();
  beforeAll(async () => {
    await setBackend('wasm');
  });
  afterAll(async () => {
    setKernelThreads(initialThreads);
    setSimdEnabled(true);
    kernelTuning.callerRunsParts = true;
    restore();
    await setBackend('cpu');
  });
  return initialThreads;
}

/** Deterministic values in [−1, 1) (a multiplicative hash then a linear congruential sequence; no Math.random). */
export function hashValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Whether `a` and `b` hold the same bits (NaN equal to NaN, −0 not equal to 0). */
export const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
