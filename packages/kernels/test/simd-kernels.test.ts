// The fused neuron kernels (cpu and wasm backends) with the SIMD loops on and off: the same spikes, membranes and
// records bit for bit, the same gradients (dL/dx, dL/dv_0, PLIF's dL/dw) to float32 rounding, and no tensor left
// behind. The loops themselves are compared in simd.test.ts.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@spikefn/core/tf';
import { key, setBackend } from '@spikefn/core';
import { ifNode, lifNode, plifNode, sigmoid, atan, surrogate } from '@spikefn/neurons';
import { afterAll, describe, expect, it } from 'vitest';
import { setSimdEnabled, simdActive, simdBase, simdHeap, simdModule } from '../src/simd/module.js';

afterAll(async () => {
  setSimdEnabled(true);
  await setBackend('cpu');
});

const T = 5;
const N = 3 * 7; // [T, 3, 7]: 21 neurons, not a multiple of 4
const xs = (): tf.Tensor => tf.tidy(() => tf.reshape(tf.mul(tf.add(tf.sin(tf.range(0, T * N)), 0.8), 1.5), [T, 3, 7]));

const own = surrogate({
  name: 'Own',
  alpha: 1,
  options: {},
  primitive: (x) => tf.sigmoid(x),
  derivative: (x) => tf.mul(tf.sigmoid(x), tf.sub(1, tf.sigmoid(x))),
  derivativeScalar: (x) => {
    const s = 1 / (1 + Math.exp(-x));
    return s * (1 - s);
  },
});

const layers = [
  ['lifNode()', () => lifNode()],
  ['lifNode soft, no decay input, atan', () => lifNode({ vReset: null, decayInput: false, surrogate: atan() })],
  ['ifNode detachReset', () => ifNode({ detachReset: true, surrogate: sigmoid(2) })],
  ['plifNode', () => plifNode({ vReset: -0.1 })],
  ['lifNode with a surrogate of its own (JavaScript backward)', () => lifNode({ surrogate: own })],
] as const;

type Run = { spikes: Float32Array; v: Float32Array; recV: Float32Array; grads: Float32Array[] };

/** Forward, record and gradients of sum(spikes·w) + sum(v_T) with respect to x, v_0 and the parameters. */
function run(make: () => ReturnType<typeof lifNode> | ReturnType<typeof plifNode>): Run {
  const layer = make() as ReturnType<typeof plifNode>;
  return tf.tidy(() => {
    const params = layer.init(key(1));
    const x = xs();
    const s0 = layer.initialState(params, [3, 7], key(2));
    const [sT, spikes] = layer.sequence(params, s0, x);
    const record = layer.record(params, s0, x) as unknown as Record<string, tf.Tensor>;
    const recV = (record['v'] ?? tf.zeros([1])) as tf.Tensor;
    const weights = tf.reshape(tf.cos(tf.range(0, T * N)), [T, 3, 7]);
    const leaves = [x, s0.v, ...Object.values(params as Record<string, tf.Tensor>)];
    const grads = tf.grads((...ts: tf.Tensor[]) => {
      const p = Object.fromEntries(Object.keys(params as object).map((k, i) => [k, ts[2 + i] as tf.Tensor]));
      const [st, sp] = layer.sequence(p as typeof params, { ...s0, v: ts[1] as tf.Tensor }, ts[0] as tf.Tensor);
      return tf.add(tf.sum(tf.mul(sp, weights)), tf.sum(st.v));
    })(leaves);
    return {
      spikes: spikes.dataSync() as Float32Array,
      v: sT.v.dataSync() as Float32Array,
      recV: recV.dataSync() as Float32Array,
      grads: grads.map((g) => g.dataSync() as Float32Array),
    };
  });
}

const maxAbs = (a: Float32Array): number => a.reduce((q, v) => Math.max(q, Math.abs(v)), 0);

describe.each(['cpu', 'wasm'])('fused neuron kernels on %s, SIMD against JavaScript', (backend) => {
  it.each(layers)('%s', async (_, make) => {
    await setBackend(backend);
    setSimdEnabled(false);
    const js = run(make);
    setSimdEnabled(true);
    expect(simdActive()).toBe(true);
    // A sentinel where the kernels lay out their first array: overwritten only if the SIMD module ran.
    const m = simdModule() as NonNullable<ReturnType<typeof simdModule>>;
    const heap = () => simdHeap(m, 16).subarray(simdBase(m), simdBase(m) + 16);
    heap().fill(-12345);
    const before = tf.memory().numTensors;
    const simd = run(make);
    expect(heap().every((v) => v === -12345)).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(simd.spikes)).toEqual(Array.from(js.spikes));
    expect(Array.from(simd.v)).toEqual(Array.from(js.v));
    expect(Array.from(simd.recV)).toEqual(Array.from(js.recV));
    expect(js.spikes.some((s) => s === 1) && js.spikes.some((s) => s === 0)).toBe(true);
    expect(simd.grads.length).toBe(js.grads.length);
    simd.grads.forEach((g, i) => {
      const want = js.grads[i] as Float32Array;
      const scale = maxAbs(want);
      expect(scale).toBeGreaterThan(0);
      for (let j = 0; j < g.length; j++) {
        expect(Math.abs((g[j] as number) - (want[j] as number))).toBeLessThanOrEqual(1e-5 * (Math.abs(want[j] as number) + scale));
      }
    });
  });
});
