// MaxPoolGrad: spikefn's kernel against tfjs's cpu kernel (the reference on
// both backends). Inputs are spike maps (0/1: ties everywhere), values with
// all-negative windows, and continuous values.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, initBackends, randomArray, runKernel, size } from './helpers.js';
import type { Backend } from './helpers.js';
import { isPlain2x2, maxPoolGrad2x2Into, maxPoolGradGeneralInto } from '../src/max-pool-grad.js';

type Pad = 'same' | 'valid' | number;

interface PoolCase {
  shape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: Pad;
  rounding: 'floor' | 'ceil' | 'round' | undefined;
  values: 'spikes' | 'negative' | 'continuous';
  seed: number;
}

const poolArb: fc.Arbitrary<PoolCase> = fc.record({
  shape: fc.tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 5 }),
  ),
  filterSize: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  pad: fc.oneof(fc.constant<Pad>('same'), fc.constant<Pad>('valid'), fc.integer({ min: 0, max: 1 })),
  rounding: fc.constantFrom<PoolCase['rounding']>(undefined, 'floor', 'ceil', 'round'),
  values: fc.constantFrom<PoolCase['values']>('spikes', 'negative', 'continuous'),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

function inputValues(c: PoolCase): Float32Array {
  const r = randomArray(size(c.shape), c.seed, 0, 1);
  if (c.values === 'spikes') return r.map((v) => (v < 0.6 ? 0 : 1));
  if (c.values === 'negative') return r.map((v) => -1 - Math.floor(v * 3)); // −1, −2, −3: ties too
  return r;
}

function outShape(c: PoolCase, rounding: PoolCase['rounding']): number[] | undefined {
  try {
    const info = tf.backend_util.computePool2DInfo(c.shape, c.filterSize, c.strides, 1, c.pad, rounding);
    return info.outHeight > 0 && info.outWidth > 0 ? info.outShape.slice() : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(initBackends);

describe.each<Backend>(['cpu', 'wasm'])('spikefn MaxPoolGrad on %s', (backend) => {
  it('equals the cpu kernel of tfjs (first strict maximum wins ties)', async () => {
    await fc.assert(
      fc.asyncProperty(poolArb, async (c) => {
        const rounding = typeof c.pad === 'number' ? c.rounding : undefined;
        const ys = outShape(c, rounding);
        fc.pre(ys !== undefined);
        if (ys === undefined) return;
        const x = inputValues(c);
        const dy = randomArray(size(ys), c.seed + 1);
        const attrs: tf.NamedAttrMap = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
        if (rounding !== undefined) attrs['dimRoundingMode'] = rounding;
        const inputs = { dy: { data: dy, shape: ys }, input: { data: x, shape: c.shape }, output: { data: dy, shape: ys } };
        const want = await runKernel('cpu', 'stock', 'MaxPoolGrad', inputs, attrs);
        const got = await runKernel(backend, 'spikefn', 'MaxPoolGrad', inputs, attrs);
        expectClose(got, want, `MaxPoolGrad ${backend} ${JSON.stringify(c)}`);
      }),
      { numRuns: 60 },
    );
  });

  it('routes an all-negative window to its maximum and a tie to the first maximum', async () => {
    const inputs = (xs: number[]) => ({
      dy: { data: new Float32Array([1]), shape: [1, 1, 1, 1] },
      input: { data: new Float32Array(xs), shape: [1, 2, 2, 1] },
      output: { data: new Float32Array([0]), shape: [1, 1, 1, 1] },
    });
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
    expect(Array.from((await runKernel(backend, 'spikefn', 'MaxPoolGrad', inputs([-3, -1, -2, -4]), attrs)).values)).toEqual([0, 1, 0, 0]);
    expect(Array.from((await runKernel(backend, 'spikefn', 'MaxPoolGrad', inputs([0, 1, 1, 0]), attrs)).values)).toEqual([0, 1, 0, 0]);
    expect(Array.from((await runKernel(backend, 'spikefn', 'MaxPoolGrad', inputs([0, 0, 0, 0]), attrs)).values)).toEqual([1, 0, 0, 0]);
  });

  it('the unrolled 2x2 / stride 2 one-channel path (the layout of the pooling layer) equals the cpu kernel of tfjs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 2, max: 9 }),
        fc.constantFrom<PoolCase['values']>('spikes', 'negative', 'continuous'),
        fc.integer({ min: 1, max: 1 << 30 }),
        async (n, h, w, values, seed) => {
          const c: PoolCase = { shape: [n, h, w, 1], filterSize: [2, 2], strides: [2, 2], pad: 'valid', rounding: undefined, values, seed };
          const ys = [n, Math.floor(h / 2), Math.floor(w / 2), 1];
          const x = inputValues(c);
          const dy = randomArray(size(ys), seed + 1);
          const attrs: tf.NamedAttrMap = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
          const inputs = { dy: { data: dy, shape: ys }, input: { data: x, shape: c.shape }, output: { data: dy, shape: ys } };
          const want = await runKernel('cpu', 'stock', 'MaxPoolGrad', inputs, attrs);
          const got = await runKernel(backend, 'spikefn', 'MaxPoolGrad', inputs, attrs);
          expectClose(got, want, `MaxPoolGrad 2x2 ${backend} ${JSON.stringify(c)}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the unrolled 2x2 MaxPoolGrad', () => {
  it('applies exactly to one-channel 2x2 / stride 2 windows inside the input, and equals the general loop bit for bit (NaN, ±∞, ±0 included)', () => {
    const info = (shape: [number, number, number, number], pad: Pad = 'valid', f = 2, st = 2) =>
      tf.backend_util.computePool2DInfo(shape, [f, f], [st, st], 1, pad);
    expect(isPlain2x2(info([2, 6, 5, 1]))).toBe(true);
    expect(isPlain2x2(info([2, 6, 5, 2]))).toBe(false);
    expect(isPlain2x2(info([2, 5, 5, 1], 'same'))).toBe(false);
    expect(isPlain2x2(info([2, 6, 6, 1], 'valid', 2, 1))).toBe(false);
    expect(isPlain2x2(info([2, 6, 6, 1], 'valid', 3, 2))).toBe(false);
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, -1];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        (n, h, w, seed) => {
          const inf = info([n, h, w, 1]);
          const x = randomArray(n * h * w, seed, 0, special.length).map((v) => special[Math.floor(v)] ?? 0);
          const dy = randomArray(n * inf.outHeight * inf.outWidth, seed + 1).map((v, i) => (i % 5 === 0 ? -0 : v));
          const a = new Float32Array(x.length);
          const b = new Float32Array(x.length);
          maxPoolGrad2x2Into(x, dy, a, inf);
          maxPoolGradGeneralInto(x, dy, b, inf);
          expect(Array.from(a).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(Array.from(b).map((v) => (Object.is(v, -0) ? '-0' : v)));
        },
      ),
      { numRuns: 100 },
    );
  });
});
