// SpikefnConv2dNchw under tfjs's own tf.setBackend('wasm'), whose heap is not shared: the predicate
// conv2dNchwInPlace() is false (so the layers keep their own path), and the kernel still answers with its JavaScript
// loop, equal to a hand-derived case and leaving no tensor behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import { CONV2D_NCHW, conv2dNchwInPlace } from '../src/conv2d-nchw-forward.js';
import { register } from '../src/registry.js';
import { convForwardInPlaceCalls } from '../src/simd/conv-forward.js';
import { initBackends } from './helpers.js';

beforeAll(async () => {
  await initBackends();
  await tf.setBackend('wasm');
  register('wasm', ['overrides']);
});

describe('SpikefnConv2dNchw on the stock wasm backend (heap not shared)', () => {
  it('is not in place there, and its JavaScript loop gives the equation', () => {
    expect(wasmSharedMemory(asWasm(tf.backend() as never))).toBeNull();
    expect(conv2dNchwInPlace()).toBe(false);
    // x = 1 on [1, 1, 3, 3]; W [2, 1, 3, 3] with W[0] = 1 and W[1] = 2; padding 1: y[o, i, j] = W[o] times the number
    // of taps (u, v) with x[i + u − 1, j + v − 1] inside, (3 − |i − 1|)·(3 − |j − 1|) → corners 4, edges 6, centre 9
    // for o = 0, twice that for o = 1.
    const numTensors = tf.memory().numTensors;
    const before = convForwardInPlaceCalls.count;
    const attrs = { padding: [1, 1] } as unknown as tf.NamedAttrMap;
    const got = tf.tidy(() => {
      const weight = tf.concat([tf.ones([1, 1, 3, 3]), tf.fill([1, 1, 3, 3], 2)]);
      return (tf.engine().runKernel(CONV2D_NCHW, { x: tf.ones([1, 1, 3, 3]), weight }, attrs) as tf.Tensor).dataSync() as Float32Array;
    });
    expect(Array.from(got)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4, 8, 12, 8, 12, 18, 12, 8, 12, 8]);
    expect(convForwardInPlaceCalls.count).toBe(before);
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
