// Classify a digit with the MNIST example's checkpoint, from bytes: the same code runs in a browser page (bytes from
// `fetch`) and in Node (bytes from a file). Nothing here touches the file system or the DOM.
import * as tf from '@spikefn/core/tf';
import { setBackend, key, evalCtx, treeDispose } from '@spikefn/core';
import { decodeCheckpoint } from '@spikefn/learning';
import { model, type ModelConfig, type ModelParams, type ModelState } from '../../examples/mnist/src/model.js';

/** `bytes`: a checkpoint written by examples/mnist; `pixels`: 784 values in [0, 1]. Returns the class and firing rates. */
export async function classifyDigit(bytes: Uint8Array, pixels: Float32Array, backend: 'webgl' | 'cpu' = 'cpu') {
  await setBackend(backend); // in a browser: 'webgl' (or 'cpu'); in Node: 'cpu' or 'wasm'
  const ckpt = decodeCheckpoint(bytes); // checks magic, version and checksums: Either<CheckpointError, Checkpoint>
  if (ckpt._tag === 'Left') throw ckpt.left;
  const { config } = ckpt.right.meta as { config: ModelConfig };
  const params = ckpt.right.trees['params'] as unknown as ModelParams;
  const state = ckpt.right.trees['state'] as unknown as ModelState;
  const net = model(config);
  const rates = tf.tidy(() => {
    const x = tf.tensor(pixels, [1, 1, 28, 28]);
    const [, spikes] = net.forward(params, state, x, evalCtx(key(0))); // spikes [T, 1, 10]
    return tf.reshape(tf.mean(spikes, 0), [10]); // firing rate per class
  });
  const r = Array.from(await rates.data());
  rates.dispose();
  for (const tree of Object.values(ckpt.right.trees)) treeDispose(tree);
  return { predicted: r.indexOf(Math.max(...r)), rates: r };
}
