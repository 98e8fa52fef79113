// SpikefnConv2dFilterGradNchw on the threaded wasm backend (core's setBackend('wasm'): tfjs's heap is shared, the
// kernel runs in place on the kernel threads) against a plain reference written from the equation
//   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]   (0 outside x),
// within a bound derived from float32 summation; 1 vs 3 threads bit for bit; the JavaScript path (SIMD off) against
// the same reference; no tensor or scratch left behind; argument errors.
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONV2D_FILTER_GRAD_NCHW, filterGradNchwInPlace } from '../src/conv2d-filter-nchw.js';
import { convFilterGradInPlaceCalls } from '../src/simd/conv-filter.js';
import { setKernelThreads, setSimdEnabled } from '../src/simd/module.js';
import { kernelTuning } from '../src/tuning.js';
import { type Case, filterGradKernel, filterGradReference, outH, outW } from './conv-reference.js';
import { hashValues, sameBits, useThreadedWasm } from './in-place.js';

const initialThreads = useThreadedWasm();

/**
 * Error bound: per image, each of the four lanes sums at most m = ⌈OH·(W + 2·pw)/4⌉ float32 products in order (the
 * kernel's dot products run over rows of stride at most W + 2·pw), each product rounded once: |error| ≤ γ_{m+1}·Σ|dy·x| ≤
 * 1.01·(m + 1)·u·Σ|dy·x| (u = 2⁻²⁴); the lanes, images and parts are added in double (≤ 1e-15 relative), and the result
 * is rounded to float32 once (u·|dW|).
 */
function expectNear(q: Case, got: Float32Array, want: { dw: Float64Array; abs: Float64Array }): void {
  const u = 2 ** -24;
  const m = Math.ceil((outH(q) * (q.w + 2 * q.pw)) / 4);
  expect(got.length).toBe(want.dw.length);
  for (let k = 0; k < got.length; k++) {
    const bound = 1.01 * (m + 1) * u * (want.abs[k] as number) + u * Math.abs(want.dw[k] as number) + 1e-30;
    expect(Math.abs((got[k] as number) - (want.dw[k] as number)), `element ${k}`).toBeLessThanOrEqual(bound);
  }
}

// o up to 9 and kw up to 5: register tiles of 4 channels × 3 taps with every kind of partial last tile
const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 48 }),
  c: fc.integer({ min: 1, max: 5 }),
  o: fc.integer({ min: 1, max: 9 }),
  kh: fc.integer({ min: 1, max: 5 }),
  kw: fc.integer({ min: 1, max: 5 }),
  ph: fc.integer({ min: 0, max: 2 }),
  pw: fc.integer({ min: 0, max: 2 }),
  h: fc.integer({ min: 5, max: 13 }),
  w: fc.integer({ min: 5, max: 13 }),
});

describe('SpikefnConv2dFilterGradNchw in place on the wasm heap', () => {
  it('runs in place where the heap is shared and SIMD is on', () => {
    expect(filterGradNchwInPlace()).toBe(true);
  });

  it('equals the equation within the float32 summation bound (random shapes: C 1–5, O 1–9, kernels 1–5 × 1–5, padding 0–2, N ≤ 48)', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), (q, seed) => {
        const x = hashValues(q.n * q.c * q.h * q.w, seed);
        const dy = hashValues(q.n * q.o * outH(q) * outW(q), seed + 1);
        const before = convFilterGradInPlaceCalls.count;
        expectNear(q, filterGradKernel(q, x, dy), filterGradReference(q, x, dy));
        expect(convFilterGradInPlaceCalls.count).toBe(before + 1);
      }),
      { numRuns: 30 },
    );
  });

  it('covers the spiking CNN input layer (1 → 32, 3×3, padding 1, 28 × 28; 64 images: several parts)', () => {
    const q: Case = { n: 64, c: 1, o: 32, kh: 3, kw: 3, ph: 1, pw: 1, h: 28, w: 28 };
    const x = hashValues(q.n * q.c * q.h * q.w, 3);
    const dy = hashValues(q.n * q.o * outH(q) * outW(q), 4);
    expectNear(q, filterGradKernel(q, x, dy), filterGradReference(q, x, dy));
  });

  it('gives the same bits with 1 and 3 kernel threads (every part on the workers) and leaves numTensors unchanged', () => {
    for (const q of [
      { n: 64, c: 1, o: 32, kh: 3, kw: 3, ph: 1, pw: 1, h: 28, w: 28 },
      { n: 37, c: 2, o: 7, kh: 4, kw: 3, ph: 1, pw: 0, h: 31, w: 29 },
      { n: 40, c: 32, o: 32, kh: 3, kw: 3, ph: 1, pw: 1, h: 14, w: 14 },
    ] satisfies Case[]) {
      const x = hashValues(q.n * q.c * q.h * q.w, 5);
      const dy = hashValues(q.n * q.o * outH(q) * outW(q), 6);
      const numTensors = tf.memory().numTensors;
      setKernelThreads(1);
      const one = filterGradKernel(q, x, dy);
      setKernelThreads(3);
      kernelTuning.callerRunsParts = false;
      const three = filterGradKernel(q, x, dy);
      kernelTuning.callerRunsParts = true;
      setKernelThreads(initialThreads);
      expect(tf.memory().numTensors).toBe(numTensors);
      expect(sameBits(one, three)).toBe(true);
      expectNear(q, one, filterGradReference(q, x, dy));
    }
  });

  it('does not grow the heap’s live bytes: the scratch is released', () => {
    const q: Case = { n: 8, c: 1, o: 4, kh: 3, kw: 3, ph: 1, pw: 1, h: 9, w: 9 };
    const x = hashValues(q.n * q.c * q.h * q.w, 7);
    const dy = hashValues(q.n * q.o * outH(q) * outW(q), 8);
    filterGradKernel(q, x, dy);
    const bytes = tf.memory().numBytes;
    const tensors = tf.memory().numTensors;
    filterGradKernel(q, x, dy);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('with SIMD off: the predicate is false and the kernel still answers (JavaScript loop in double)', () => {
    const q: Case = { n: 5, c: 2, o: 3, kh: 4, kw: 4, ph: 1, pw: 1, h: 7, w: 6 };
    const x = hashValues(q.n * q.c * q.h * q.w, 9);
    const dy = hashValues(q.n * q.o * outH(q) * outW(q), 10);
    setSimdEnabled(false);
    try {
      expect(filterGradNchwInPlace()).toBe(false);
      const before = convFilterGradInPlaceCalls.count;
      const got = filterGradKernel(q, x, dy);
      expect(convFilterGradInPlaceCalls.count).toBe(before);
      // double sums, rounded to float32 once
      const want = filterGradReference(q, x, dy);
      for (let k = 0; k < got.length; k++)
        expect(Math.abs((got[k] as number) - (want.dw[k] as number))).toBeLessThanOrEqual(
          1e-12 + 2 ** -24 * Math.abs(want.dw[k] as number) + 1e-12 * (want.abs[k] as number),
        );
    } finally {
      setSimdEnabled(true);
    }
  });

  it('names what does not fit: rank, dy shape, attributes', () => {
    const run = (xs: number[], dys: number[], attrs: Record<string, unknown>): unknown =>
      tf.tidy(() => tf.engine().runKernel(CONV2D_FILTER_GRAD_NCHW, { x: tf.zeros(xs), dy: tf.zeros(dys) }, attrs as tf.NamedAttrMap));
    const numTensors = tf.memory().numTensors;
    expect(() => run([2, 1, 5], [2, 3, 5, 5], { kh: 3, kw: 3, padding: [1, 1] })).toThrow(/float32 of rank 4/);
    expect(() => run([2, 1, 5, 5], [2, 3, 4, 5], { kh: 3, kw: 3, padding: [1, 1] })).toThrow(/dy must be \[2, O, 5, 5\]/);
    expect(() => run([2, 1, 5, 5], [3, 3, 5, 5], { kh: 3, kw: 3, padding: [1, 1] })).toThrow(/dy must be/);
    expect(() => run([2, 1, 5, 5], [2, 3, 5, 5], { kh: 0, kw: 3, padding: [1, 1] })).toThrow(/attrs kh, kw must be positive/);
    expect(() => run([2, 1, 5, 5], [2, 3, 5, 5], { kh: 3, kw: 3 })).toThrow(/padding \[ph, pw\]/);
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
