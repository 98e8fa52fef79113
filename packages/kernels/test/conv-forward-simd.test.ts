// SpikefnConv2dNchw on the threaded wasm backend (core's setBackend('wasm'): tfjs's heap is shared, the kernel runs in
// place on the kernel threads) against plain references written from the equation
//   y[n, o, i, j] = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]   (0 outside x):
// in double within a bound derived from float32 summation, and (patches C·kh·kw up to 16: the dense in-place form) in
// float32 with the taps summed in the order (c, u, v) that the kernel documents (then bit for bit); dense x with larger
// patches runs tfjs's Conv2D inside the kernel (within the bound); 1 vs 3 threads bit for bit; the gradients of x and W against the
// equations' derivatives; the JavaScript path (SIMD off); no tensor or scratch left behind; argument errors.
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONV2D_NCHW, conv2dNchwInPlace } from '../src/conv2d-nchw-forward.js';
import { convForwardInPlaceCalls } from '../src/simd/conv-forward.js';
import { setKernelThreads, setSimdEnabled } from '../src/simd/module.js';
import { kernelTuning } from '../src/tuning.js';
import { type Case, forwardKernel, forwardReference, outH, outW, tap, wSize, xSize, ySize } from './conv-reference.js';
import { hashValues, sameBits, useThreadedWasm } from './in-place.js';

const initialThreads = useThreadedWasm();

/**
 * Error bound: each output sums K = C·kh·kw float32 products in order, each product rounded once:
 * |error| ≤ γ_{K+1}·Σ|W·x| ≤ 1.01·(K + 1)·u·Σ|W·x| (u = 2⁻²⁴).
 */
function expectNear(q: Case, got: Float32Array, want: { y: Float64Array; abs: Float64Array }): void {
  const u = 2 ** -24;
  const K = q.c * q.kh * q.kw;
  expect(got.length).toBe(want.y.length);
  const over: string[] = [];
  for (let k = 0; k < got.length; k++) {
    const bound = 1.01 * (K + 1) * u * (want.abs[k] as number) + 1e-30;
    if (!(Math.abs((got[k] as number) - (want.y[k] as number)) <= bound)) over.push(`element ${k}: ${got[k]} vs ${want.y[k]}`);
  }
  expect(over.slice(0, 5)).toEqual([]);
}

/** Bitwise equal up to the sign of zero (a sum from +0 of products that are −0 is +0 in both, but be lenient). */
const sameValues = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The kernel on x and W from seeds `seed`, `seed + 1`: within the bound, and bit for bit in the order (c, u, v). */
function expectExact(q: Case, seed: number): void {
  const x = hashValues(xSize(q), seed);
  const w = hashValues(wSize(q), seed + 1);
  const got = forwardKernel(q, x, w);
  const want = forwardReference(q, x, w);
  expectNear(q, got, want);
  expect(sameValues(got, want.y32)).toBe(true);
}

// Widths cover every path of a row: OW < 4 (scalars), 4 ≤ OW < 16 (single vectors), OW ≥ 16 (blocks of 16, overlapping last).
const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 3 }),
    o: fc.integer({ min: 1, max: 5 }),
    kh: fc.integer({ min: 1, max: 5 }),
    kw: fc.integer({ min: 1, max: 5 }),
    ph: fc.integer({ min: 0, max: 2 }),
    pw: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 1, max: 23 }),
    w: fc.integer({ min: 1, max: 37 }),
  })
  .filter((q) => outH(q) >= 1 && outW(q) >= 1);

describe('SpikefnConv2dNchw in place on the wasm heap', () => {
  it('runs in place where the heap is shared and SIMD is on', () => {
    expect(conv2dNchwInPlace()).toBe(true);
  });

  it('equals the equation (random shapes: C 1–3, kh, kw 1–5, padding 0–2, any H, W): within the float32 bound, and bit for bit in the order (c, u, v)', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), (q, seed) => {
        const x = hashValues(xSize(q), seed);
        const w = hashValues(wSize(q), seed + 1);
        const before = convForwardInPlaceCalls.count;
        const got = forwardKernel(q, x, w);
        const want = forwardReference(q, x, w);
        expectNear(q, got, want);
        // patches up to 16 run the in-place kernel (bit for bit in the order (c, u, v)); larger ones tfjs's Conv2D
        const inPlace = q.c * q.kh * q.kw <= 16;
        if (inPlace) expect(sameValues(got, want.y32)).toBe(true);
        expect(convForwardInPlaceCalls.count).toBe(before + (inPlace ? 1 : 0));
      }),
      { numRuns: 60 },
    );
  });

  it('covers each path of the in-place kernel (patches up to 16): 3 × 3 one-channel planes (odd OH, OW not a multiple of 8; OH < 2, OW < 8 fall back), other kernels by 16, 4 and 1 columns', () => {
    for (const q of [
      { n: 3, c: 1, o: 4, kh: 3, kw: 3, ph: 0, pw: 0, h: 7, w: 13 },
      { n: 2, c: 1, o: 3, kh: 3, kw: 3, ph: 1, pw: 2, h: 6, w: 8 },
      { n: 2, c: 1, o: 3, kh: 3, kw: 3, ph: 0, pw: 1, h: 3, w: 20 },
      { n: 2, c: 1, o: 3, kh: 3, kw: 3, ph: 1, pw: 0, h: 4, w: 9 },
      { n: 2, c: 2, o: 3, kh: 2, kw: 3, ph: 1, pw: 1, h: 5, w: 37 },
      { n: 2, c: 3, o: 2, kh: 1, kw: 5, ph: 0, pw: 2, h: 4, w: 31 },
      { n: 2, c: 2, o: 2, kh: 2, kw: 4, ph: 2, pw: 0, h: 6, w: 14 },
      { n: 2, c: 1, o: 2, kh: 1, kw: 5, ph: 2, pw: 0, h: 3, w: 7 },
    ] satisfies Case[])
      expectExact(q, 11);
  });

  it('covers the spiking CNN input layer (1 → 32, 3×3, padding 1, 28 × 28; 16 images: 8 parts)', () => {
    expectExact({ n: 16, c: 1, o: 32, kh: 3, kw: 3, ph: 1, pw: 1, h: 28, w: 28 }, 3);
  });

  it('gives the same bits with 1 and 3 kernel threads (every part on the workers) and leaves numTensors unchanged', () => {
    for (const q of [
      { n: 16, c: 1, o: 32, kh: 3, kw: 3, ph: 1, pw: 1, h: 28, w: 28 },
      { n: 37, c: 3, o: 7, kh: 2, kw: 2, ph: 2, pw: 1, h: 31, w: 29 },
    ] satisfies Case[]) {
      const x = hashValues(xSize(q), 5);
      const w = hashValues(wSize(q), 6);
      const numTensors = tf.memory().numTensors;
      setKernelThreads(1);
      const one = forwardKernel(q, x, w);
      setKernelThreads(3);
      kernelTuning.callerRunsParts = false;
      const three = forwardKernel(q, x, w);
      kernelTuning.callerRunsParts = true;
      setKernelThreads(initialThreads);
      expect(tf.memory().numTensors).toBe(numTensors);
      expect(sameBits(one, three)).toBe(true);
      expectNear(q, one, forwardReference(q, x, w));
    }
  });

  it('has the gradients of the equation for x and W (tf.grads), and computes only those asked for', async () => {
    for (const q of [
      { n: 3, c: 2, o: 4, kh: 3, kw: 3, ph: 1, pw: 1, h: 9, w: 18 },
      { n: 2, c: 1, o: 3, kh: 2, kw: 5, ph: 2, pw: 0, h: 6, w: 7 },
      { n: 2, c: 3, o: 2, kh: 1, kw: 1, ph: 2, pw: 1, h: 5, w: 3 },
    ] satisfies Case[]) {
      const x = hashValues(xSize(q), 7);
      const w = hashValues(wSize(q), 8);
      const r = hashValues(ySize(q), 9); // L = Σ r·y, so ∂L/∂y = r
      const OH = outH(q);
      const OW = outW(q);
      // ∂L/∂W[o,c,u,v] = Σ_{n,i,j} r[n,o,i,j]·x[tap];  ∂L/∂x[tap] += Σ r[n,o,i,j]·W[o,c,u,v]
      const dw = new Float64Array(wSize(q));
      const dwAbs = new Float64Array(dw.length);
      const dx = new Float64Array(xSize(q));
      const dxAbs = new Float64Array(dx.length);
      for (let n = 0; n < q.n; n++)
        for (let o = 0; o < q.o; o++)
          for (let i = 0; i < OH; i++)
            for (let j = 0; j < OW; j++)
              for (let c = 0; c < q.c; c++)
                for (let u = 0; u < q.kh; u++)
                  for (let v = 0; v < q.kw; v++) {
                    const t = tap(q, n, o, i, j, c, u, v);
                    if (t === null) continue;
                    const rv = r[((n * q.o + o) * OH + i) * OW + j] as number;
                    dw[t[0]] = (dw[t[0]] as number) + rv * (x[t[1]] as number);
                    dwAbs[t[0]] = (dwAbs[t[0]] as number) + Math.abs(rv * (x[t[1]] as number));
                    dx[t[1]] = (dx[t[1]] as number) + rv * (w[t[0]] as number);
                    dxAbs[t[1]] = (dxAbs[t[1]] as number) + Math.abs(rv * (w[t[0]] as number));
                  }
      const numTensors = tf.memory().numTensors;
      const xt = tf.tensor(x, [q.n, q.c, q.h, q.w]);
      const wt = tf.tensor(w, [q.o, q.c, q.kh, q.kw]);
      const rt = tf.tensor(r, [q.n, q.o, OH, OW]);
      const loss = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        tf.sum(tf.mul(tf.engine().runKernel(CONV2D_NCHW, { x: a, weight: b }, { padding: [q.ph, q.pw] } as never) as tf.Tensor, rt));
      const [gx, gw] = tf.grads(loss)([xt, wt]) as [tf.Tensor, tf.Tensor];
      expect(gx.shape).toEqual([q.n, q.c, q.h, q.w]);
      expect(gw.shape).toEqual([q.o, q.c, q.kh, q.kw]);
      // float32 sums of a few hundred products at most: 1e-5 relative to Σ|terms| is a wide margin
      const near = (got: Float32Array, want: Float64Array, abs: Float64Array): void => {
        const over: string[] = [];
        for (let k = 0; k < got.length; k++)
          if (!(Math.abs((got[k] as number) - (want[k] as number)) <= 1e-5 * (abs[k] as number) + 1e-30))
            over.push(`element ${k}: ${got[k]} vs ${want[k]}`);
        expect(over.slice(0, 5)).toEqual([]);
      };
      near(gx.dataSync() as Float32Array, dx, dxAbs);
      near(gw.dataSync() as Float32Array, dw, dwAbs);
      // W only: x's gradient (tfjs's Conv2DBackpropInput) is never run
      const profile = await tf.profile(() => {
        const g = tf.grad((b: tf.Tensor) => loss(xt, b))(wt);
        g.dispose();
      });
      const names = profile.kernels.map((k) => k.name);
      expect(names).toContain('SpikefnConv2dFilterGradNchw');
      expect(names).not.toContain('Conv2DBackpropInput');
      tf.dispose([xt, wt, rt, gx, gw]);
      expect(tf.memory().numTensors).toBe(numTensors);
    }
  });

  it('does not grow the heap’s live bytes: the scratch (in place) and the layout copies (tfjs’s Conv2D) are released', () => {
    for (const q of [
      { n: 8, c: 1, o: 4, kh: 3, kw: 3, ph: 1, pw: 1, h: 9, w: 9 },
      { n: 8, c: 4, o: 4, kh: 3, kw: 3, ph: 1, pw: 1, h: 9, w: 9 },
    ] satisfies Case[]) {
      const x = hashValues(xSize(q), 7);
      const w = hashValues(wSize(q), 8);
      forwardKernel(q, x, w);
      const bytes = tf.memory().numBytes;
      const tensors = tf.memory().numTensors;
      forwardKernel(q, x, w);
      expect(tf.memory().numBytes).toBe(bytes);
      expect(tf.memory().numTensors).toBe(tensors);
    }
  });

  it('with SIMD off: the predicate is false and the kernel still answers (JavaScript loop, float32 in the order (c, u, v))', () => {
    const q: Case = { n: 5, c: 2, o: 3, kh: 4, kw: 4, ph: 1, pw: 2, h: 7, w: 19 };
    const x = hashValues(xSize(q), 9);
    const w = hashValues(wSize(q), 10);
    setSimdEnabled(false);
    try {
      expect(conv2dNchwInPlace()).toBe(false);
      const before = convForwardInPlaceCalls.count;
      const got = forwardKernel(q, x, w);
      expect(convForwardInPlaceCalls.count).toBe(before);
      const want = forwardReference(q, x, w);
      expectNear(q, got, want);
      expect(sameValues(got, want.y32)).toBe(true);
    } finally {
      setSimdEnabled(true);
    }
  });

  it('names what does not fit: rank, weight shape, padding, a kernel larger than the padded input', () => {
    const run = (xs: number[], ws: number[], attrs: Record<string, unknown>): unknown =>
      tf.tidy(() => tf.engine().runKernel(CONV2D_NCHW, { x: tf.zeros(xs), weight: tf.zeros(ws) }, attrs as tf.NamedAttrMap));
    const numTensors = tf.memory().numTensors;
    expect(() => run([2, 1, 5], [3, 1, 3, 3], { padding: [1, 1] })).toThrow(/float32 of rank 4/);
    expect(() => run([2, 1, 5, 5], [3, 2, 3, 3], { padding: [1, 1] })).toThrow(/weight must be \[O, 1, kh, kw\]/);
    expect(() => run([2, 1, 5, 5], [3, 1, 3, 3], {})).toThrow(/padding \[ph, pw\]/);
    expect(() => run([2, 1, 5, 5], [3, 1, 3, 3], { padding: [-1, 0] })).toThrow(/padding \[ph, pw\]/);
    expect(() => run([2, 1, 2, 5], [3, 1, 4, 3], { padding: [0, 1] })).toThrow(/does not fit/);
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
