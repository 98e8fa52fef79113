// An application that selects the backend with tfjs's own tf.setBackend (never spikefn's setBackend): the neurons
// register spikefn's kernels lazily on first use and take the fused path, with the composed path's results.
// The test setup selected one backend with spikefn's setBackend (cpu, or SPIKEFN_BACKEND); this file takes the other
// one, which nothing registered kernels for in this process yet (checked first).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, type Tree } from '@spikefn/core';
import { isRegistered, NEURON_BACKWARD, NEURON_FORWARD } from '@spikefn/kernels';
import { leakedBy } from '@spikefn/testing';
import { lifNode } from '../src/lif.js';
import { expectExact, expectGradClose } from './helpers.js';

const backend = tf.getBackend() === 'cpu' ? 'wasm' : 'cpu';

describe(`after tfjs's own tf.setBackend('${backend}')`, () => {
  it('the first multi-step run registers the kernels lazily and runs fused, equal to the composed scan', async () => {
    tf.env().set('PROD', true);
    expect(await tf.setBackend(backend)).toBe(true);
    await tf.ready();
    expect(isRegistered(NEURON_FORWARD, backend)).toBe(false);
    expect(isRegistered('MaxPoolGrad', backend)).toBe(false);

    const neuron = lifNode({ tau: 2 });
    const xs = tf.randomUniform([6, 2, 5], 0, 2, 'float32', 4);
    const state = neuron.initialState({}, [2, 5], key(0));
    const weights = tf.reshape(tf.range(1, 61), [6, 2, 5]);
    const loss =
      (f: typeof neuron.sequence) =>
      (x: tf.Tensor): tf.Tensor =>
        tf.sum(tf.mul(f({}, state, x)[1], weights));
    const info = await tf.profile(() => tf.grad(loss(neuron.sequence))(xs));
    expect(info.kernelNames).toContain(NEURON_FORWARD);
    expect(info.kernelNames).toContain(NEURON_BACKWARD);
    // Everything spikefn has for the backend is registered now, as setBackend would have done.
    expect(isRegistered('MaxPoolGrad', backend)).toBe(true);

    const [sF, yF] = neuron.sequence({}, state, xs);
    const [sC, yC] = neuron.sequenceComposed({}, state, xs);
    expectExact('spikes', yF, yC);
    expectExact('v', sF.v, sC.v);
    const gF = tf.grad(loss(neuron.sequence))(xs);
    const gC = tf.grad(loss(neuron.sequenceComposed))(xs);
    expectGradClose('dx', gF, gC);
    expect(leakedBy(() => neuron.sequence({}, state, xs) as unknown as Tree)).toBe(0);
    tf.dispose([xs, weights, state.v, sF.v, yF, sC.v, yC, gF, gC]);
  });
});
