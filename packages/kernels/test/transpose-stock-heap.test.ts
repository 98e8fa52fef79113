// spikefn's wasm Transpose under tfjs's own tf.setBackend('wasm'), whose heap is not shared: it runs the stock kernel
// (same values, no in-place call), and the stock Transpose still works after unregistering.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import { isRegistered, register, unregister } from '../src/registry.js';
import { transposeInPlaceCalls } from '../src/simd/transpose.js';
import { initBackends } from './helpers.js';

beforeAll(async () => {
  await initBackends();
  await tf.setBackend('wasm');
});

describe('Transpose on the stock wasm backend (heap not shared)', () => {
  it('falls back to the stock kernel with the same values', () => {
    expect(wasmSharedMemory(asWasm(tf.backend() as never))).toBeNull();
    const shape = [3, 5, 6, 7];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i * 1.5 - 7);
    const run = (): Float32Array => tf.tidy(() => tf.transpose(tf.tensor(data, shape), [0, 2, 3, 1]).dataSync() as Float32Array);
    unregister('wasm', ['overrides']);
    const stock = run();
    register('wasm', ['overrides']);
    expect(isRegistered('Transpose', 'wasm')).toBe(true);
    const numTensors = tf.memory().numTensors;
    const before = transposeInPlaceCalls.count;
    const ours = run();
    expect(transposeInPlaceCalls.count).toBe(before);
    expect(tf.memory().numTensors).toBe(numTensors);
    // y[b, h, w, c] = x[b, c, h, w], from the definition
    expect(ours[((1 * 6 + 2) * 7 + 3) * 5 + 4]).toBe(data[((1 * 5 + 4) * 6 + 2) * 7 + 3]);
    expect(Array.from(ours)).toEqual(Array.from(stock));
  });
});
