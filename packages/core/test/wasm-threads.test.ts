import { availableParallelism } from 'node:os';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { getWasmThreads, maxWasmThreads, setBackend, SpikefnArgumentError } from '@spikefn/core';

/** Seeded inputs of one conv and one matmul, their outputs and the conv's gradients, read back as arrays. */
async function compute(threads: number | undefined, seed: number): Promise<Float32Array[]> {
  await setBackend('wasm', threads === undefined ? {} : { threads });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const x = tf.randomUniform([16, 14, 14, 32], -1, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 32, 32], -1, 1, 'float32', seed + 1) as tf.Tensor4D;
    const a = tf.randomUniform([96, 200], -1, 1, 'float32', seed + 2);
    const b = tf.randomUniform([200, 130], -1, 1, 'float32', seed + 3);
    const loss = (xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Scalar => tf.sum(tf.square(tf.conv2d(xx, ww, 1, 'same')));
    const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => loss(xx as tf.Tensor4D, ww as tf.Tensor4D))([x, w]);
    return [tf.conv2d(x, w, 1, 'same'), tf.matMul(a, b), dx as tf.Tensor, dw as tf.Tensor];
  });
  const arrays = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
  return arrays;
}

/** Seeded U(−1, 1) values of a shape, as an array (made on the current backend, then disposed). */
function uniform(shape: number[], seed: number): Float32Array {
  const t = tf.randomUniform(shape, -1, 1, 'float32', seed);
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

/** max |a − b| ≤ tol · max |b|: equal up to float32 rounding of sums taken in another order. */
function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  expect(diff).toBeLessThanOrEqual(tol * scale);
}

describe("setBackend('wasm', { threads })", () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it.each([0, -1, Number.NaN, 1.5, 9, Number.POSITIVE_INFINITY])(
    'rejects threads = %s, naming the option and the range',
    async (threads) => {
      const err = await setBackend('wasm', { threads }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpikefnArgumentError);
      expect(String(err)).toContain(
        `setBackend: argument 'options.threads' expected an integer from 1 to ${maxWasmThreads}, got ${threads}`,
      );
    },
  );

  it('rejects a non-number and a threads option on another backend', async () => {
    await expect(setBackend('wasm', { threads: '2' as unknown as number })).rejects.toThrow(/expected an integer from 1 to 8, got string/);
    await expect(setBackend('cpu', { threads: 2 })).rejects.toThrow(
      /options.threads' expected no threads option for a backend other than 'wasm'/,
    );
  });

  it('uses every core in Node by default, and the count asked for', async () => {
    await setBackend('wasm');
    expect(getWasmThreads()).toBe(Math.min(maxWasmThreads, availableParallelism()));
    await setBackend('wasm', { threads: 2 });
    expect(getWasmThreads()).toBe(2);
    await setBackend('wasm', { threads: 1 });
    expect(getWasmThreads()).toBe(1);
    // no count: the running backend is kept
    await setBackend('wasm');
    expect(getWasmThreads()).toBe(1);
  });

  it('computes conv2d, its gradients and matMul on 2 threads as on 1', async () => {
    const two = await compute(2, 7);
    const one = await compute(1, 7);
    expect(two).toHaveLength(4);
    for (let i = 0; i < one.length; i++) expectClose(two[i] as Float32Array, one[i] as Float32Array);
  });

  it('refuses to change the thread count while the wasm backend holds tensors, and leaves them usable', async () => {
    await setBackend('wasm', { threads: 2 });
    const kept = tf.tensor1d([1, 2, 3]);
    await expect(setBackend('wasm', { threads: 1 })).rejects.toThrow(/holds tensors .*dispose them to change its threads/);
    expect(getWasmThreads()).toBe(2);
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    kept.dispose();
  });

  it('leaves numTensors unchanged across thread changes', async () => {
    await setBackend('cpu');
    const kept = tf.scalar(1); // a tensor on another backend does not block the change
    const before = tf.memory().numTensors;
    await setBackend('wasm', { threads: 1 });
    await setBackend('wasm', { threads: 2 });
    expect(tf.memory().numTensors).toBe(before);
    kept.dispose();
  });

  it('property: threaded conv2d and matMul equal the cpu reference on random shapes', async () => {
    await setBackend('wasm', { threads: 2 });
    const cpu = tf.findBackend('cpu');
    expect(cpu).not.toBeNull();
    const run = async (backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const y = f();
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 6 }),
          hw: fc.integer({ min: 3, max: 12 }),
          cin: fc.integer({ min: 1, max: 9 }),
          cout: fc.integer({ min: 1, max: 17 }),
          k: fc.integer({ min: 1, max: 60 }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async ({ n, hw, cin, cout, k, seed }) => {
          const xs = uniform([n, hw, hw, cin], seed);
          const ws = uniform([3, 3, cin, cout], seed + 1);
          const as = uniform([n * hw, k], seed + 2);
          const bs = uniform([k, cout], seed + 3);
          for (const f of [
            () => tf.tidy(() => tf.conv2d(tf.tensor4d(xs, [n, hw, hw, cin]), tf.tensor4d(ws, [3, 3, cin, cout]), 1, 'same')),
            () => tf.tidy(() => tf.matMul(tf.tensor2d(as, [n * hw, k]), tf.tensor2d(bs, [k, cout]))),
          ]) {
            expectClose(await run('wasm', f), await run('cpu', f), 1e-5);
          }
          await tf.setBackend('wasm');
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });
});
