// spikefn's wasm BatchMatMul under tfjs's own tf.setBackend('wasm'), whose heap is not shared: it runs the stock kernel
// (same bits, no in-place call), and the stock BatchMatMul still works after unregistering.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import { isRegistered, register, unregister } from '../src/registry.js';
import { batchMatMulInPlaceCalls } from '../src/simd/batch-matmul.js';
import { initBackends } from './helpers.js';

beforeAll(async () => {
  await initBackends();
  await tf.setBackend('wasm');
});

describe('BatchMatMul on the stock wasm backend (heap not shared)', () => {
  it('falls back to the stock kernel with the same values', () => {
    expect(wasmSharedMemory(asWasm(tf.backend() as never))).toBeNull();
    // [64, 300] · [10, 300]ᵀ: transposed and large enough to be taken on a shared heap
    const a = Float32Array.from({ length: 64 * 300 }, (_, i) => ((i * 7) % 13) - 6);
    const b = Float32Array.from({ length: 10 * 300 }, (_, i) => ((i * 5) % 11) - 5);
    const run = (): Float32Array =>
      tf.tidy(() => tf.matMul(tf.tensor(a, [64, 300]), tf.tensor(b, [10, 300]), false, true).dataSync() as Float32Array);
    unregister('wasm', ['overrides']);
    const stock = run();
    register('wasm', ['overrides']);
    expect(isRegistered('BatchMatMul', 'wasm')).toBe(true);
    const numTensors = tf.memory().numTensors;
    const before = batchMatMulInPlaceCalls.count;
    const ours = run();
    expect(batchMatMulInPlaceCalls.count).toBe(before);
    expect(tf.memory().numTensors).toBe(numTensors);
    // C[3, 7] = Σ_k a[3, k]·b[7, k], integers: exact in float32
    let c37 = 0;
    for (let k = 0; k < 300; k++) c37 += (a[3 * 300 + k] as number) * (b[7 * 300 + k] as number);
    expect(ours[3 * 10 + 7]).toBe(c37);
    expect(Array.from(ours)).toEqual(Array.from(stock));
  });
});
