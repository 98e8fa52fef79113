// The one-channel 2×2 / stride 2 max pool and its gradient in place on WebAssembly SIMD (tfjs's shared heap, spikefn's
// threaded wasm build in Node): MaxPool bit for bit equal to the stock kernel (XNNPACK), MaxPoolGrad bit for bit equal
// to the JavaScript 2×2 loop and the general loop, on ties, NaN, ±∞ and −0, odd sizes, several images and parts; the
// same with 1 and 3 kernel threads; no tensor left behind; every other case on the stock kernel or the JavaScript loop.
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxPoolGradGeneralInto } from '../src/max-pool-grad.js';
import { asWasm, wasmSimdInPlace } from '../src/backend-access.js';
import { maxPoolInPlaceCalls } from '../src/simd/max-pool.js';
import { setKernelThreads, setSimdEnabled, simdPool } from '../src/simd/module.js';
import { stockKernel } from '../src/stock.js';
import { kernelTuning } from '../src/tuning.js';
import { sameBits, useThreadedWasm } from './in-place.js';

const initialThreads = useThreadedWasm();

/** Special values (NaN, ±∞, ±0) and ties (0/1 spikes, repeated small integers) mixed with continuous values. */
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, 1, 0, -1, 2];

function values(n: number, seed: number, mix: 'special' | 'spikes' | 'continuous'): Float32Array {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const r = next();
    if (mix === 'spikes') a[i] = r < 0.6 ? 0 : 1;
    else if (mix === 'special') a[i] = r < 0.5 ? (SPECIAL[Math.floor(next() * SPECIAL.length)] as number) : next() * 4 - 2;
    else a[i] = r * 2 - 1;
  }
  return a;
}

type Pool = { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number };
const POOL_2X2: Pool = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };

/** The registered MaxPool's output and MaxPoolGrad's dx (for dy given) on x. */
function pool(x: Float32Array, shape: number[], dy: Float32Array, p: Pool = POOL_2X2): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    const y = tf.engine().runKernel('MaxPool', { x: xt }, { ...p }) as tf.Tensor;
    const dyt = tf.tensor(dy, y.shape);
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy: dyt, input: xt, output: y }, { ...p }) as tf.Tensor;
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

/** tfjs-backend-wasm's own MaxPool (XNNPACK), called directly. */
function stockMaxPool(x: Float32Array, shape: number[], p: Pool = POOL_2X2): Float32Array {
  const stock = stockKernel('MaxPool', 'wasm');
  if (stock === undefined) throw new Error('no stock MaxPool');
  const xt = tf.tensor(x, shape);
  const info = stock.kernelFunc({ inputs: { x: xt }, backend: tf.backend(), attrs: { ...p } }) as tf.TensorInfo;
  const y = tf.engine().makeTensorFromTensorInfo(info);
  const out = y.dataSync() as Float32Array;
  tf.dispose([xt, y]);
  return out;
}

/** The general JavaScript loop of MaxPoolGrad (any geometry; the reference of the 2×2 loops). */
function generalGrad(x: Float32Array, shape: number[], dy: Float32Array, p: Pool = POOL_2X2): Float32Array {
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], p.filterSize, p.strides, 1, p.pad);
  const dx = new Float32Array(x.length);
  maxPoolGradGeneralInto(x, dy, dx, info);
  return dx;
}

describe('one-channel 2×2 max pool in place on the wasm heap', () => {
  it('hand-derived windows: forward by the stock kernel’s pseudo-maxima, gradient to the first strict maximum', () => {
    // four 2×2 images, one window each (row-major taps t0 t1 / t2 t3)
    const windows = [
      [0, 1, 1, 0], // tie of 1s: max 1, gradient to t1 (the first 1)
      [-2, -1, -3, -4], // all negative: max −1 at t1
      [Number.NaN, 3, 2, 1], // y: pmax(NaN, ·) is NaN, which becomes −∞; the gradient: NaN never wins, 3 at t1 does
      [Number.NEGATIVE_INFINITY, Number.NaN, Number.NEGATIVE_INFINITY, Number.NaN], // nothing beats −∞: y −∞, no gradient
    ];
    const x = Float32Array.from(windows.flat());
    const dy = Float32Array.from([10, 20, 30, 40]);
    const { y, dx } = pool(x, [4, 2, 2, 1], dy);
    expect(Array.from(y)).toEqual([1, -1, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(Array.from(dx)).toEqual([0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 0, 0, 0]);
  });

  it('−0 in dy routes as +0 (0 + dy, as the JavaScript loops); the odd last row and column get no gradient', () => {
    // [1, 3, 3, 1]: one window (rows 0–1, columns 0–1); row 2 and column 2 are not pooled
    const x = Float32Array.from([1, 5, 9, 2, 3, 9, 9, 9, 9]);
    const { y, dx } = pool(x, [1, 3, 3, 1], Float32Array.from([-0]));
    expect(Array.from(y)).toEqual([5]);
    expect(Object.is(dx[1], 0)).toBe(true);
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('equals the stock MaxPool and the JavaScript MaxPoolGrad bit for bit (ties, NaN, ±∞, −0, odd sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        // from 2 (the stock kernel runs out of bounds on an empty output; see the next test)
        fc.integer({ min: 2, max: 21 }),
        fc.integer({ min: 2, max: 37 }),
        fc.constantFrom<'special' | 'spikes' | 'continuous'>('special', 'spikes', 'continuous'),
        fc.integer({ min: 1, max: 1 << 30 }),
        async (N, H, W, mix, seed) => {
          const shape = [N, H, W, 1];
          const x = values(N * H * W, seed, mix);
          const dy = values(N * (H >> 1) * (W >> 1), seed + 1, 'special');
          const before = { ...maxPoolInPlaceCalls };
          const simd = pool(x, shape, dy);
          expect(maxPoolInPlaceCalls.forward).toBe(before.forward + 1);
          expect(maxPoolInPlaceCalls.backward).toBe(before.backward + 1);
          setSimdEnabled(false);
          const js = pool(x, shape, dy);
          setSimdEnabled(true);
          expect(sameBits(simd.y, stockMaxPool(x, shape))).toBe(true);
          expect(sameBits(js.y, simd.y)).toBe(true);
          expect(sameBits(simd.dx, js.dx)).toBe(true);
          expect(sameBits(simd.dx, generalGrad(x, shape, dy))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an empty output (H or W = 1): y empty, dx all +0 (the stock MaxPool fails on these)', () => {
    for (const shape of [
      [2, 1, 6, 1],
      [2, 5, 1, 1],
      [1, 1, 1, 1],
    ]) {
      const x = values(
        shape.reduce((a, b) => a * b, 1),
        15,
        'special',
      );
      const got = pool(x, shape, new Float32Array(0));
      expect(got.y.length).toBe(0);
      expect(Array.from(got.dx)).toEqual(Array.from(x, () => 0));
    }
  });

  it.each([
    ['[200, 28, 28, 1]: 3 parts, 3 vectors and 2 scalar windows a row', [200, 28, 28, 1]],
    ['[700, 14, 14, 1]: 2 parts', [700, 14, 14, 1]],
    ['[60, 33, 41, 1]: odd sizes, 2 parts', [60, 33, 41, 1]],
  ])('%s: 1 and 3 threads agree with the references bit for bit; no tensor left', (_, shape) => {
    const [N, H, W] = shape as [number, number, number, number];
    const x = values(N * H * W, 7, 'special');
    const spikes = values(N * H * W, 8, 'spikes');
    const dy = values(N * (H >> 1) * (W >> 1), 9, 'special');
    const want = [stockMaxPool(x, shape), generalGrad(x, shape, dy), stockMaxPool(spikes, shape), generalGrad(spikes, shape, dy)];
    const numTensors = tf.memory().numTensors;
    setKernelThreads(1);
    const one = [pool(x, shape, dy), pool(spikes, shape, dy)];
    setKernelThreads(3);
    kernelTuning.callerRunsParts = false;
    const m = wasmSimdInPlace(asWasm(tf.backend() as never));
    const workers = m === null ? null : simdPool(m);
    const byWorkers = workers?.byWorkers() ?? 0;
    const three = [pool(x, shape, dy), pool(spikes, shape, dy)];
    kernelTuning.callerRunsParts = true;
    // every part of the four calls ran on a worker
    expect((workers?.byWorkers() ?? 0) - byWorkers).toBeGreaterThanOrEqual(8);
    setKernelThreads(initialThreads);
    expect(tf.memory().numTensors).toBe(numTensors);
    for (const got of [one, three]) {
      expect(sameBits(got[0]!.y, want[0]!)).toBe(true);
      expect(sameBits(got[0]!.dx, want[1]!)).toBe(true);
      expect(sameBits(got[1]!.y, want[2]!)).toBe(true);
      expect(sameBits(got[1]!.dx, want[3]!)).toBe(true);
    }
  });

  it('leaves the tensor count unchanged apart from its output', () => {
    const x = tf.tensor(values(3 * 10 * 10, 3, 'continuous'), [3, 10, 10, 1]);
    const dy = tf.tensor(values(3 * 25, 4, 'continuous'), [3, 5, 5, 1]);
    const numTensors = tf.memory().numTensors;
    const y = tf.engine().runKernel('MaxPool', { x }, { ...POOL_2X2 }) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(numTensors + 1);
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { ...POOL_2X2 }) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(numTensors + 2);
    tf.dispose([x, dy, y, dx]);
  });

  it.each<[string, number[], Pool]>([
    ['2 channels', [2, 8, 8, 2], POOL_2X2],
    ['3×3 windows', [2, 9, 9, 1], { filterSize: 3, strides: 2, pad: 'valid' }],
    ['stride 1', [2, 8, 8, 1], { filterSize: 2, strides: 1, pad: 'valid' }],
    ["'same' on odd sizes (a padded window)", [2, 7, 9, 1], { filterSize: 2, strides: 2, pad: 'same' }],
  ])('%s: the stock MaxPool and the JavaScript MaxPoolGrad', (_, shape, p) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = values(n, 5, 'special');
    const outN = tf.tidy(() => (tf.engine().runKernel('MaxPool', { x: tf.tensor(x, shape) }, { ...p }) as tf.Tensor).size);
    const dy = values(outN, 6, 'special');
    const before = { ...maxPoolInPlaceCalls };
    const got = pool(x, shape, dy, p);
    expect(maxPoolInPlaceCalls).toEqual(before);
    expect(sameBits(got.y, stockMaxPool(x, shape, p))).toBe(true);
    expect(sameBits(got.dx, generalGrad(x, shape, dy, p))).toBe(true);
  });

  it("'same' on even sizes is the VALID case and runs in place", () => {
    const shape = [3, 6, 10, 1];
    const x = values(180, 11, 'special');
    const dy = values(45, 12, 'special');
    const p: Pool = { filterSize: 2, strides: 2, pad: 'same' };
    const before = { ...maxPoolInPlaceCalls };
    const got = pool(x, shape, dy, p);
    expect(maxPoolInPlaceCalls.forward).toBe(before.forward + 1);
    expect(sameBits(got.y, stockMaxPool(x, shape, p))).toBe(true);
    expect(sameBits(got.dx, generalGrad(x, shape, dy, p))).toBe(true);
  });

  it('with the SIMD kernels off, or kernelTuning.maxPoolGrad2x2 = false, the other paths run', () => {
    const shape = [2, 6, 6, 1];
    const x = values(72, 13, 'spikes');
    const dy = values(18, 14, 'continuous');
    const before = { ...maxPoolInPlaceCalls };
    setSimdEnabled(false);
    const off = pool(x, shape, dy);
    setSimdEnabled(true);
    kernelTuning.maxPoolGrad2x2 = false;
    const general = pool(x, shape, dy);
    kernelTuning.maxPoolGrad2x2 = true;
    expect(maxPoolInPlaceCalls.backward).toBe(before.backward);
    expect(maxPoolInPlaceCalls.forward).toBe(before.forward + 1);
    expect(sameBits(off.y, general.y)).toBe(true);
    expect(sameBits(off.dx, generalGrad(x, shape, dy))).toBe(true);
    expect(sameBits(general.dx, off.dx)).toBe(true);
  });
});
