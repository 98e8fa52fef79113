/**
 * A browser application's entry, as the README tells one to write it: import the WebGL backend once, select it,
 * run a LIF sequence. tools/pack/run.ts bundles it with esbuild (browser, ESM, minified, tree-shaken) for its size,
 * and checks that nothing else of TensorFlow.js (the wasm backend, layers, converter) comes along.
 */
import '@tensorflow/tfjs-backend-webgl';
import { key, setBackend } from '@spikefn/core';
import * as tf from '@spikefn/core/tf';
import { lifNode } from '@spikefn/neurons';

export async function spikeCounts(): Promise<number[]> {
  await setBackend('webgl');
  const neuron = lifNode({ tau: 2 });
  const xs = tf.fill([8, 1, 4], 1.5);
  const [state, spikes] = neuron.sequence({}, neuron.initialState({}, [1, 4], key(0)), xs);
  const counts = tf.sum(spikes, 0);
  const out = Array.from(await counts.data());
  tf.dispose([xs, state.v, spikes, counts]);
  return out;
}

const out = document.getElementById('out');
spikeCounts().then(
  (counts) => {
    if (out !== null) out.textContent = `spike counts: ${counts.join(', ')}`;
  },
  (e: unknown) => {
    if (out !== null) out.textContent = String(e);
  },
);
