import '@tensorflow/tfjs-backend-webgl'; // the one backend this page bundles
import * as tf from '@spikefn/core/tf';
import { key, setBackend } from '@spikefn/core';
import { lifNode } from '@spikefn/neurons';

await setBackend('webgl');
const neuron = lifNode({ tau: 2 }); // h = v + (x − v)/τ, spike when h ≥ 1, then v = 0
const xs = tf.fill([16, 1, 100], 1.5); // [T, B, N] constant input current
const [, spikes] = neuron.sequence({}, neuron.initialState({}, [1, 100], key(0)), xs);
// h goes 0.75, 1.125 (spike), 0.75, 1.125 (spike), …: every neuron fires on every second step.
document.body.textContent = `spikes: ${(await tf.sum(spikes).data())[0]}`; // spikes: 800
