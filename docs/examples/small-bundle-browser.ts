// The README's browser example with only the WebGL kernels it runs: the backend without its kernel set
// (`dist/base`), then the kernels this program dispatches. A missing one throws "Kernel '…' not registered".
import '@tensorflow/tfjs-backend-webgl/dist/base';
import { castConfig } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Cast';
import { concatConfig } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Concat';
import { fillConfig } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Fill';
import { identityConfig } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Identity';
import { reshapeConfig } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Reshape';
import { sumConfig } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Sum';
import { key, setBackend } from '@spikefn/core';
import * as tf from '@spikefn/core/tf';
import { lifNode } from '@spikefn/neurons';

for (const kernel of [castConfig, concatConfig, fillConfig, identityConfig, reshapeConfig, sumConfig]) tf.registerKernel(kernel);
await setBackend('webgl');
const neuron = lifNode({ tau: 2 });
const xs = tf.fill([16, 1, 100], 1.5);
const [, spikes] = neuron.sequence({}, neuron.initialState({}, [1, 100], key(0)), xs);
document.body.textContent = `spikes: ${(await tf.sum(spikes).data())[0]}`; // spikes: 800
