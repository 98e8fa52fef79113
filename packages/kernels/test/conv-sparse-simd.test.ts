// The event-driven forms of SpikefnConv2dNchw and SpikefnConv2dFilterGradNchw (sparse x: spikes) on the threaded wasm
// backend, against the equations written out as plain loops (./conv-reference.ts):
//   y[n, o, i, j]  = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]
//   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]
// within float32 summation bounds for any values, and exactly where every sum is exact in float32 (0/1 spikes against
// multiples of 2⁻¹⁰); which form runs (x's density against kernelTuning.sparseConvMaxDensity, more than 16 output
// channels, finite weights and dy: the dense forms keep 0·∞ = NaN); NaN in x spreads; 1 vs 3 threads bit for bit; no
// tensor or heap bytes left behind.
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convSparseCalls } from '../src/simd/conv-sparse.js';
import { setKernelThreads } from '../src/simd/module.js';
import { kernelTuning } from '../src/tuning.js';
import {
  type Case,
  filterGradKernel,
  filterGradReference,
  forwardKernel,
  forwardReference,
  outH,
  outW,
  wSize,
  xSize,
  ySize,
} from './conv-reference.js';
import { hashValues, sameBits, useThreadedWasm } from './in-place.js';

const initialDensity = kernelTuning.sparseConvMaxDensity;
const initialThreads = useThreadedWasm(() => {
  kernelTuning.sparseConvMaxDensity = initialDensity;
});
const u = 2 ** -24;

/** x with about `density` of its floats nonzero: 1 (spikes) or, with `valued`, values in [−1, 1). */
function sparseX(count: number, density: number, seed: number, valued: boolean): Float32Array {
  const pick = hashValues(count, seed);
  const vals = hashValues(count, seed + 7);
  return Float32Array.from(pick, (p, i) => ((p + 1) / 2 < density ? (valued ? (vals[i] as number) : 1) : 0));
}

/** Multiples of 2⁻¹⁰ in [−½, ½): sums of up to 2¹³ of them against 0/1 spikes are exact in float32. */
const dyadic = (count: number, seed: number): Float32Array => Float32Array.from(hashValues(count, seed), (v) => Math.round(v * 512) / 1024);

/** |got − exact| ≤ 1.01·(m + 1)·u·Σ|terms| + u·|exact| for every element (m: float32 terms per sum at most). */
function expectWithin(got: Float32Array, exact: Float64Array, abs: Float64Array, m: number): void {
  expect(got.length).toBe(exact.length);
  const over: string[] = [];
  for (let k = 0; k < got.length; k++) {
    const bound = 1.01 * (m + 1) * u * (abs[k] as number) + u * Math.abs(exact[k] as number) + 1e-30;
    if (!(Math.abs((got[k] as number) - (exact[k] as number)) <= bound)) over.push(`element ${k}: ${got[k]} vs ${exact[k]}`);
  }
  expect(over.slice(0, 5)).toEqual([]);
}

const sameValues = (a: Float32Array, b: ArrayLike<number>): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** 1 where the kernels take the sparse forms for this x (its nonzeros at most sparseConvMaxDensity of it), else 0. */
const sparseRuns = (x: Float32Array): number => (x.filter((v) => v !== 0).length <= kernelTuning.sparseConvMaxDensity * x.length ? 1 : 0);

// O from 17 (the sparse forms take more than 16 channels) to 70 (three blocks of 32 lanes, the last partly padding),
// patches C·kh·kw over 16 (smaller ones stay dense); padding up to 2 with kernels from 1, so that pw ≥ kw leaves output
// columns no tap reaches
const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 12 }),
    c: fc.integer({ min: 2, max: 9 }),
    o: fc.integer({ min: 17, max: 70 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    ph: fc.integer({ min: 0, max: 2 }),
    pw: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 1, max: 11 }),
    w: fc.integer({ min: 1, max: 13 }),
  })
  .filter((q) => outH(q) >= 1 && outW(q) >= 1 && q.c * q.kh * q.kw > 16);
const densityArb = fc.double({ min: 0, max: 0.35, noNaN: true });

describe('the event-driven conv forms (sparse x) in place on the wasm heap', () => {
  /** Each kernel: its other operand's size, the call, the equation (value, Σ |terms|), float32 terms per sum at most. */
  const forms = {
    forward: {
      other: wSize,
      run: forwardKernel,
      want: (q: Case, x: Float32Array, w: Float32Array) => {
        const r = forwardReference(q, x, w);
        return { v: r.y, abs: r.abs, terms: q.c * q.kh * q.kw };
      },
    },
    filterGrad: {
      other: ySize,
      run: filterGradKernel,
      want: (q: Case, x: Float32Array, dy: Float32Array) => {
        const r = filterGradReference(q, x, dy);
        return { v: r.dw, abs: r.abs, terms: q.n * outH(q) * outW(q) };
      },
    },
  };
  for (const [name, form] of Object.entries(forms) as [keyof typeof forms, (typeof forms)[keyof typeof forms]][])
    it(`${name}: equals the equation within the float32 bound (spikes or values), and exactly where the sums are exact`, () => {
      fc.assert(
        fc.property(caseArb, densityArb, fc.boolean(), fc.integer({ min: 0, max: 1000 }), (q, density, valued, seed) => {
          const x = sparseX(xSize(q), density, seed, valued);
          const other = valued ? hashValues(form.other(q), seed + 1) : dyadic(form.other(q), seed + 1);
          const before = convSparseCalls[name];
          const got = form.run(q, x, other);
          expect(convSparseCalls[name]).toBe(before + sparseRuns(x));
          const want = form.want(q, x, other);
          expectWithin(got, want.v, want.abs, want.terms);
          if (!valued) expect(sameValues(got, want.v)).toBe(true);
        }),
        { numRuns: 40 },
      );
    });

  it('covers the spiking CNN’s 32 → 32 layer (3×3, padding 1, 14 × 14, 18 % spikes; 12 images: several parts), exactly', () => {
    const q: Case = { n: 12, c: 32, o: 32, kh: 3, kw: 3, ph: 1, pw: 1, h: 14, w: 14 };
    const x = sparseX(xSize(q), 0.18, 3, false);
    const w = dyadic(wSize(q), 4);
    const dy = dyadic(ySize(q), 5);
    const calls = { ...convSparseCalls };
    expect(sameValues(forwardKernel(q, x, w), forwardReference(q, x, w).y)).toBe(true);
    expect(sameValues(filterGradKernel(q, x, dy), filterGradReference(q, x, dy).dw)).toBe(true);
    expect(convSparseCalls).toEqual({ forward: calls.forward + 1, filterGrad: calls.filterGrad + 1 });
  });

  it('runs the dense forms where x is denser than sparseConvMaxDensity, O ≤ 16, the patch C·kh·kw ≤ 16, or the weights (forward) or dy (gradient) are not all finite', () => {
    const q: Case = { n: 3, c: 4, o: 20, kh: 3, kw: 3, ph: 1, pw: 1, h: 6, w: 7 };
    const x = sparseX(xSize(q), 0.2, 6, false);
    const w = hashValues(wSize(q), 7);
    const dy = hashValues(ySize(q), 8);
    const runs = (f: () => unknown): { forward: number; filterGrad: number } => {
      const before = { ...convSparseCalls };
      f();
      return { forward: convSparseCalls.forward - before.forward, filterGrad: convSparseCalls.filterGrad - before.filterGrad };
    };
    const both = (qq: Case, ww: Float32Array, dd: Float32Array): Float32Array[] => [forwardKernel(qq, x, ww), filterGradKernel(qq, x, dd)];
    expect(runs(() => both(q, w, dy))).toEqual({ forward: 1, filterGrad: 1 });
    kernelTuning.sparseConvMaxDensity = 0.1;
    expect(runs(() => both(q, w, dy))).toEqual({ forward: 0, filterGrad: 0 });
    kernelTuning.sparseConvMaxDensity = initialDensity;
    const q16 = { ...q, o: 16 };
    expect(runs(() => both(q16, hashValues(wSize(q16), 7), hashValues(ySize(q16), 8)))).toEqual({ forward: 0, filterGrad: 0 });
    const small = { ...q, c: 1, n: 12 }; // patch 9: the dense in-place forms
    const xs = sparseX(xSize(small), 0.2, 6, false);
    expect(
      runs(() => [forwardKernel(small, xs, hashValues(wSize(small), 7)), filterGradKernel(small, xs, hashValues(ySize(small), 8))]),
    ).toEqual({ forward: 0, filterGrad: 0 });
    // an infinite weight meets x = 0 inside the image: 0·∞ = NaN there, as the equation says; a NaN of dy meets every tap
    // of every channel. The dense forms run, and give what they give with the sparse forms off.
    const wInf = Float32Array.from(w);
    wInf[0] = Number.POSITIVE_INFINITY;
    const dyNaN = Float32Array.from(dy);
    dyNaN[5] = Number.NaN;
    let got: Float32Array[] = [];
    expect(
      runs(() => {
        got = both(q, wInf, dyNaN);
      }),
    ).toEqual({ forward: 0, filterGrad: 0 });
    kernelTuning.sparseConvMaxDensity = -1;
    const dense = both(q, wInf, dyNaN);
    kernelTuning.sparseConvMaxDensity = initialDensity;
    expect(sameBits(got[0] as Float32Array, dense[0] as Float32Array)).toBe(true);
    expect(sameBits(got[1] as Float32Array, dense[1] as Float32Array)).toBe(true);
    const ref = forwardReference(q, x, wInf).y;
    expect(ref.some((v) => Number.isNaN(v))).toBe(true);
    expect(ref.every((v, k) => !Number.isNaN(v) || Number.isNaN((got[0] as Float32Array)[k] as number))).toBe(true);
    expect((got[1] as Float32Array).slice(0, q.c * q.kh * q.kw).every((v) => Number.isNaN(v))).toBe(true); // dW[0, …]
  });

  it('spreads a NaN of x to the outputs whose window holds it (NaN counts as nonzero)', () => {
    const q: Case = { n: 2, c: 3, o: 18, kh: 3, kw: 3, ph: 1, pw: 1, h: 6, w: 6 };
    const x = sparseX(xSize(q), 0.1, 9, false);
    const at = ((1 * q.c + 2) * q.h + 3) * q.w + 4; // x[1, 2, 3, 4]
    x[at] = Number.NaN;
    const before = convSparseCalls.forward;
    const y = forwardKernel(q, x, dyadic(wSize(q), 10));
    expect(convSparseCalls.forward).toBe(before + 1);
    for (let o = 0; o < q.o; o++)
      for (let i = 0; i < q.h; i++)
        for (let j = 0; j < q.w; j++) {
          const inWindow = Math.abs(i - 3) <= 1 && Math.abs(j - 4) <= 1;
          expect(Number.isNaN(y[((1 * q.o + o) * q.h + i) * q.w + j] as number)).toBe(inWindow);
          expect(Number.isNaN(y[(o * q.h + i) * q.w + j] as number)).toBe(false);
        }
  });

  it('gives the same bits with 1 and 3 kernel threads (every part on the workers), and leaves no tensor or heap bytes behind', () => {
    const q: Case = { n: 37, c: 6, o: 40, kh: 3, kw: 2, ph: 1, pw: 0, h: 9, w: 10 };
    const x = sparseX(xSize(q), 0.15, 11, true);
    const w = hashValues(wSize(q), 12);
    const dy = hashValues(ySize(q), 13);
    forwardKernel(q, x, w);
    filterGradKernel(q, x, dy);
    const { numTensors, numBytes } = tf.memory();
    setKernelThreads(1);
    const one = [forwardKernel(q, x, w), filterGradKernel(q, x, dy)];
    setKernelThreads(3);
    kernelTuning.callerRunsParts = false;
    const three = [forwardKernel(q, x, w), filterGradKernel(q, x, dy)];
    kernelTuning.callerRunsParts = true;
    setKernelThreads(initialThreads);
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(tf.memory().numBytes).toBe(numBytes);
    expect(sameBits(one[0] as Float32Array, three[0] as Float32Array)).toBe(true);
    expect(sameBits(one[1] as Float32Array, three[1] as Float32Array)).toBe(true);
  });
});
