// The fused kernels on the wasm backend: the same laws as on cpu (fused == composed), and the kernels are used.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { setBackend, key } from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import { lifNode } from '../src/lif.js';
import { NEURON_BACKWARD, NEURON_FORWARD } from '@spikefn/kernels';
import { leakedBy, toTensor } from '@spikefn/testing';
import { build, expectExact, expectGradClose, inputsArb, neuronSpecArb } from './helpers.js';

beforeAll(async () => {
  await setBackend('wasm');
});

describe('wasm: fused == composed', () => {
  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('values bit for bit, gradients wrt x, v0 and PLIF w to float32 rounding', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), fc.integer({ min: 0, max: 1000 }), (spec, data, seed) => {
        const { layer, params, name } = build(spec);
        tf.tidy(() => {
          const xs = toTensor(data);
          const v0 = tf.randomUniform(xs.shape.slice(1), -0.5, 1, 'float32', seed);
          const [sf, yf] = layer.sequence(params, { v: v0 }, xs);
          const [sc, yc] = layer.sequenceComposed(params, { v: v0 }, xs);
          expectExact(`${name} spikes`, yf, yc);
          expectExact(`${name} final v`, sf.v, sc.v);
          const [, rf] = layer.record(params, { v: v0 }, xs);
          const [, rc] = layer.recordComposed(params, { v: v0 }, xs);
          expectExact(`${name} record.v`, rf.v, rc.v);
          expectExact(`${name} record.vBeforeReset`, rf.vBeforeReset, rc.vBeforeReset);
          const g = tf.randomNormal(xs.shape, 0, 1, 'float32', seed + 1);
          const loss = (seq: typeof layer.sequence) => (x: tf.Tensor, v: tf.Tensor, w?: tf.Tensor) => {
            const [s, y] = seq(w === undefined ? params : ({ w } as Tree), { v }, x);
            return tf.add(tf.sum(tf.mul(y, g)), tf.sum(s.v));
          };
          const args = spec.model === 'plif' ? [xs, v0, (params as { w: tf.Tensor }).w] : [xs, v0];
          const fused = tf.grads(loss(layer.sequence))(args);
          const composed = tf.grads(loss(layer.sequenceComposed))(args);
          fused.forEach((gf, i) => {
            expectGradClose(`${name} grad ${i}`, gf, composed[i] as tf.Tensor, i === 2 ? 1e-3 : 1e-4);
          });
        });
      }),
      { numRuns: 30, seed: 21 },
    );
  });

  it('uses the fused kernels and leaks nothing', async () => {
    const neuron = lifNode();
    const xs = tf.randomUniform([6, 2, 3], 0, 2, 'float32', 1);
    const state = neuron.initialState({}, [2, 3], key(0));
    const info = await tf.profile(() => tf.grads((x: tf.Tensor) => tf.sum(neuron.sequence({}, state, x)[1]))([xs]));
    expect(info.kernelNames).toContain(NEURON_FORWARD);
    expect(info.kernelNames).toContain(NEURON_BACKWARD);
    expect(leakedBy(() => neuron.sequence({}, state, xs) as unknown as Tree)).toBe(0);
    expect(leakedBy(() => tf.grads((x: tf.Tensor) => tf.sum(neuron.record({}, state, x)[1].v))([xs]))).toBe(0);
    tf.dispose([xs, state.v]);
  });
});
