// SpikefnConv2dFilterGradNchw under tfjs's own tf.setBackend('wasm'), whose heap is not shared: the predicate
// filterGradNchwInPlace() is false (so the layers keep their own path), and the kernel still answers with its
// JavaScript loop in double, equal to a hand-derived case and leaving no tensor behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import { CONV2D_FILTER_GRAD_NCHW, filterGradNchwInPlace } from '../src/conv2d-filter-nchw.js';
import { register } from '../src/registry.js';
import { convFilterGradInPlaceCalls } from '../src/simd/conv-filter.js';
import { initBackends } from './helpers.js';

beforeAll(async () => {
  await initBackends();
  await tf.setBackend('wasm');
  register('wasm', ['overrides']);
});

describe('SpikefnConv2dFilterGradNchw on the stock wasm backend (heap not shared)', () => {
  it('is not in place there, and its JavaScript loop gives the equation', () => {
    expect(wasmSharedMemory(asWasm(tf.backend() as never))).toBeNull();
    expect(filterGradNchwInPlace()).toBe(false);
    // x = 1 everywhere on [1, 1, 3, 3], dy = 1 on [1, 1, 3, 3], 3×3 kernel, padding 1: dW[u, v] counts the (i, j) with
    // x[i + u − 1, j + v − 1] inside: (3 − |u − 1|)·(3 − |v − 1|) → corners 4, edges 6, centre 9.
    const numTensors = tf.memory().numTensors;
    const before = convFilterGradInPlaceCalls.count;
    const attrs = { kh: 3, kw: 3, padding: [1, 1] } as unknown as tf.NamedAttrMap;
    const inputs = (): tf.NamedTensorMap => ({ x: tf.ones([1, 1, 3, 3]), dy: tf.ones([1, 1, 3, 3]) });
    const got = tf.tidy(() => (tf.engine().runKernel(CONV2D_FILTER_GRAD_NCHW, inputs(), attrs) as tf.Tensor).dataSync() as Float32Array);
    expect(Array.from(got)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    expect(convFilterGradInPlaceCalls.count).toBe(before);
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
