// The SIMD neuron kernels in place over tfjs's wasm heap (spikefn's threaded wasm build in Node passes its heap as a
// shared memory; N a multiple of 4): the same spikes, membranes and records as the JavaScript loops bit for bit, the
// same gradients to float32 rounding, the same results with 1 and 3 kernel threads bit for bit, and no tensor or
// scratch left behind. Then BatchNorm's passes in place, the same way.
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { ifNode, lifNode, plifNode, atan, sigmoid } from '@spikefn/neurons';
import { describe, expect, it } from 'vitest';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import {
  getKernelThreads,
  MAX_KERNEL_THREADS,
  setKernelThreads,
  setSimdEnabled,
  simdModule,
  simdOver,
  simdPool,
} from '../src/simd/module.js';
import { inPlaceCalls } from '../src/simd/neuron.js';
import { kernelTuning } from '../src/tuning.js';
import { BATCH_NORM_BACKWARD, BATCH_NORM_FORWARD } from '../src/batch-norm.js';
import { bnInPlacePasses } from '../src/simd/batch-norm.js';
import { sameBits, useThreadedWasm } from './in-place.js';

useThreadedWasm();

const T = 6;
const shape = [12, 500]; // N = 6000, a multiple of 4: several parts per thread
const N = 6000;

const layers = [
  ['lifNode()', () => lifNode()],
  ['lifNode soft, no decay input, atan', () => lifNode({ vReset: null, decayInput: false, surrogate: atan() })],
  ['ifNode detachReset', () => ifNode({ detachReset: true, surrogate: sigmoid(2) })],
  ['plifNode (dL/dk)', () => plifNode({ vReset: -0.1 })],
] as const;

/** Spikes, v_T, the v record, and gradients of sum(spikes·w) + sum(v_T) with respect to x, v_0 and the parameters. */
function run(make: () => ReturnType<typeof plifNode>): Float32Array[] {
  const layer = make();
  return tf.tidy(() => {
    const params = layer.init(key(1));
    const x = tf.reshape(tf.mul(tf.add(tf.sin(tf.range(0, T * N)), 0.8), 1.5), [T, ...shape]);
    const s0 = { ...layer.initialState(params, shape, key(2)), v: tf.mul(tf.cos(tf.reshape(tf.range(0, N), shape)), 0.3) };
    const [sT, spikes] = layer.sequence(params, s0, x);
    const [, record] = layer.record(params, s0, x) as unknown as [unknown, { v: tf.Tensor; vBeforeReset: tf.Tensor }];
    const weights = tf.reshape(tf.cos(tf.range(0, T * N)), [T, ...shape]);
    const leaves = [x, s0.v, ...Object.values(params as Record<string, tf.Tensor>)];
    const grads = tf.grads((...ts: tf.Tensor[]) => {
      const p = Object.fromEntries(Object.keys(params as object).map((k, i) => [k, ts[2 + i] as tf.Tensor]));
      const [st, sp] = layer.sequence(p as typeof params, { ...s0, v: ts[1] as tf.Tensor }, ts[0] as tf.Tensor);
      return tf.add(tf.sum(tf.mul(sp, weights)), tf.sum(st.v));
    })(leaves);
    return [spikes, sT.v, record.v, record.vBeforeReset, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('kernel threads', () => {
  it('setKernelThreads takes an integer from 1 to MAX_KERNEL_THREADS and names the argument otherwise', () => {
    for (const bad of [0, -1, 1.5, MAX_KERNEL_THREADS + 1, Number.NaN])
      expect(() => setKernelThreads(bad)).toThrow(/threads must be an integer from 1 to 8/);
    const previous = setKernelThreads(3);
    expect(getKernelThreads()).toBe(3);
    expect(setKernelThreads(previous)).toBe(3);
  });

  it('the threaded wasm backend in Node shares its heap; the kernels over it get threads − 1 workers, the plain module none', () => {
    const memory = wasmSharedMemory(asWasm(tf.backend() as never));
    expect(memory).toBeInstanceOf(WebAssembly.Memory);
    const m = simdOver(memory as WebAssembly.Memory);
    expect(m?.memory).toBe(memory);
    setKernelThreads(3);
    expect(simdPool(m as NonNullable<typeof m>)?.workers).toBe(2);
    setKernelThreads(1);
    expect(simdPool(m as NonNullable<typeof m>)).toBeNull();
    setKernelThreads(3);
    expect(simdPool(simdModule() as NonNullable<ReturnType<typeof simdModule>>)).toBeNull();
  });
});

describe('SIMD neuron kernels in place on the wasm heap', () => {
  it.each(layers)('%s: equals the JavaScript loops; 1 and 3 threads agree bit for bit', (_, make) => {
    setSimdEnabled(false);
    const js = run(make as () => ReturnType<typeof plifNode>);
    setSimdEnabled(true);
    const before = { ...inPlaceCalls };
    const numTensors = tf.memory().numTensors;
    setKernelThreads(1);
    const one = run(make as () => ReturnType<typeof plifNode>);
    // with 3 threads, every part left to the workers (by default this thread runs parts too, as timing allows)
    setKernelThreads(3);
    kernelTuning.callerRunsParts = false;
    const three = run(make as () => ReturnType<typeof plifNode>);
    kernelTuning.callerRunsParts = true;
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(inPlaceCalls.forward).toBeGreaterThan(before.forward);
    expect(inPlaceCalls.backward).toBeGreaterThan(before.backward);
    // spikes, v_T and the record (v and h) bit for bit
    for (let i = 0; i < 4; i++) {
      expect(sameBits(one[i] as Float32Array, js[i] as Float32Array)).toBe(true);
      expect(sameBits(three[i] as Float32Array, one[i] as Float32Array)).toBe(true);
    }
    // gradients: float32 against the double-precision loops; bit for bit between thread counts (dL/dk too: the parts do not depend on them)
    for (let i = 4; i < js.length; i++) {
      const want = js[i] as Float32Array;
      const scale = want.reduce((q, v) => Math.max(q, Math.abs(v)), 0);
      const got = one[i] as Float32Array;
      expect(got.every((v, j) => Math.abs(v - (want[j] as number)) <= 1e-5 * Math.max(1, scale))).toBe(true);
      expect(sameBits(three[i] as Float32Array, got)).toBe(true);
    }
  });
});

describe('BatchNorm SIMD passes in place on the wasm heap', () => {
  /** y, mean, variance, invStd, dx, dγ, dβ of train-mode BatchNorm on x = [N, C, S] (the kernels, as the layers call them). */
  function batchNorm(shape: number[]): Float32Array[] {
    return tf.tidy(() => {
      const n = shape.reduce((a, b) => a * b, 1);
      const C = shape[1] as number;
      const x = tf.reshape(tf.add(tf.mul(tf.sin(tf.range(0, n)), 2), tf.mul(tf.cos(tf.mul(tf.range(0, n), 0.37)), 5)), shape);
      const dy = tf.reshape(tf.cos(tf.mul(tf.range(0, n), 1.3)), shape);
      const gamma = tf.add(tf.range(0, C), 0.5);
      const beta = tf.sub(tf.range(0, C), 1);
      const [y, mean, variance, invStd] = tf.engine().runKernel(BATCH_NORM_FORWARD, { x, gamma, beta }, { eps: 1e-5 }) as tf.Tensor[];
      const back = tf
        .engine()
        .runKernel(BATCH_NORM_BACKWARD, { dy, x, gamma, mean: mean as tf.Tensor, invStd: invStd as tf.Tensor }, {}) as tf.Tensor[];
      return [y, mean, variance, invStd, ...back].map((t) => (t as tf.Tensor).dataSync() as Float32Array);
    });
  }

  it.each([
    ['S % 4 = 0, 3 parts', [64, 8, 300]],
    ['S % 4 = 3, 2 parts', [50, 4, 499]],
    ['S = 1 ([N, C]), 2 parts', [20000, 6]],
    ['one part', [3, 5, 7]],
  ])('%s: equals the JavaScript loops; 1 and 3 threads agree bit for bit', (_, shape) => {
    setSimdEnabled(false);
    const js = batchNorm(shape as number[]);
    setSimdEnabled(true);
    const before = bnInPlacePasses.count;
    const numTensors = tf.memory().numTensors;
    setKernelThreads(1);
    const one = batchNorm(shape as number[]);
    setKernelThreads(3);
    kernelTuning.callerRunsParts = false;
    const three = batchNorm(shape as number[]);
    kernelTuning.callerRunsParts = true;
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(bnInPlacePasses.count - before).toBe(8);
    js.forEach((want, i) => {
      const scale = want.reduce((q, v) => Math.max(q, Math.abs(v)), 0);
      expect((one[i] as Float32Array).every((v, j) => Math.abs(v - (want[j] as number)) <= 2e-5 * Math.max(1, scale))).toBe(true);
      expect(sameBits(three[i] as Float32Array, one[i] as Float32Array)).toBe(true);
    });
  });
});
