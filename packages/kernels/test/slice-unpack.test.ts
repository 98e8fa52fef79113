// Slice and Unpack on wasm: spikefn's heap-view kernels against tfjs's cpu
// kernels, for ranks 1–5, every axis, and float32 / int32 / bool.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackends, randomArray, size, use } from './helpers.js';

type DType = 'float32' | 'int32' | 'bool';

function values(n: number, dtype: DType, seed: number): Float32Array | Int32Array | Uint8Array {
  const r = randomArray(n, seed, -50, 50);
  if (dtype === 'float32') return r;
  if (dtype === 'int32') return Int32Array.from(r, (v) => Math.round(v));
  return Uint8Array.from(r, (v) => (v > 0 ? 1 : 0));
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 });
const dtypeArb = fc.constantFrom<DType>('float32', 'int32', 'bool');

/** Runs `f` on a fresh tensor of `data` on each backend; returns [wasm spikefn, cpu stock] results. */
async function both(
  data: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  dtype: DType,
  f: (t: tf.Tensor) => tf.Tensor[],
): Promise<Array<Array<{ shape: number[]; values: number[]; dtype: string }>>> {
  const out: Array<Array<{ shape: number[]; values: number[]; dtype: string }>> = [];
  for (const [backend, mode] of [
    ['wasm', 'spikefn'],
    ['cpu', 'stock'],
  ] as const) {
    await use(backend, mode);
    out.push(
      tf.tidy(() =>
        f(tf.tensor(data, shape, dtype)).map((t) => ({ shape: t.shape.slice(), values: Array.from(t.dataSync()), dtype: t.dtype })),
      ),
    );
  }
  return out;
}

beforeAll(initBackends);

describe('spikefn Slice / Unpack on wasm', () => {
  it('Slice equals tfjs on random boxes', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArb.chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.tuple(
              ...shape.map((d) =>
                fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))),
              ),
            ),
          ),
        ),
        dtypeArb,
        fc.integer({ min: 1, max: 1 << 30 }),
        async ([shape, box], dtype, seed) => {
          const begin = box.map(([b]) => b);
          const sz = box.map(([, s]) => s);
          const [got, want] = await both(values(size(shape), dtype, seed), shape, dtype, (t) => [tf.slice(t, begin, sz)]);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('Slice accepts -1 sizes and a scalar begin', async () => {
    const data = values(24, 'float32', 3);
    const [got, want] = await both(data, [2, 3, 4], 'float32', (t) => [tf.slice(t, [1, 0, 2], [-1, 2, -1]), tf.slice(t, 1)]);
    expect(got).toEqual(want);
  });

  it('Unpack (tf.unstack) equals tfjs on every axis', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }))),
        dtypeArb,
        fc.integer({ min: 1, max: 1 << 30 }),
        async ([shape, axis], dtype, seed) => {
          const [got, want] = await both(values(size(shape), dtype, seed), shape, dtype, (t) => tf.unstack(t, axis));
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('defers string tensors to the stock kernels', async () => {
    await use('wasm', 'spikefn');
    const [sliced, rows] = tf.tidy(() => {
      const t = tf.tensor2d([
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
      ]);
      return [tf.slice(t, [0, 1], [2, 2]).arraySync(), tf.unstack(t).map((p) => p.arraySync())];
    });
    expect(sliced).toEqual([
      ['b', 'c'],
      ['e', 'f'],
    ]);
    expect(rows).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
  });
});
