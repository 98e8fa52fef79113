// The wasm Identity kernel shares the input's buffer: values equal, independent lifetimes, no leak,
// and gradients (whose saved tensors go through Identity) equal to the stock kernel's.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackends, use } from './helpers.js';

beforeAll(initBackends);

describe('Identity on wasm (shared buffer)', () => {
  it('tf.clone equals its input, and each survives the disposal of the other', async () => {
    await use('wasm', 'spikefn');
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 50 }), (values) => {
        const before = tf.memory().numTensors;
        const x = tf.tensor1d(values);
        const y = tf.clone(x);
        x.dispose();
        expect(Array.from(y.dataSync())).toEqual(Array.from(Float32Array.from(values)));
        const z = tf.clone(y);
        y.dispose();
        expect(Array.from(z.dataSync())).toEqual(Array.from(Float32Array.from(values)));
        z.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 30 },
    );
  });

  it('gradients through saved tensors are the same with the stock and the shared Identity', async () => {
    await use('wasm', 'stock');
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(tf.mul(x, x)), tf.exp(x)));
    const x = tf.tensor1d([-1.5, -0.2, 0, 0.3, 2]);
    const stock = Array.from(tf.grad(f)(x).dataSync());
    await use('wasm', 'spikefn');
    const ours = Array.from(tf.grad(f)(x).dataSync());
    expect(ours).toEqual(stock);
    x.dispose();
  });
});
