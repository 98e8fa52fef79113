// What the tests of the NCHW convolution kernels share: the geometry of a case, the equations written out as plain loops
//   y[n, o, i, j]  = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]   (0 outside x)
//   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]
// (in double, with Σ |terms| per element for error bounds), and one call of each kernel.
import * as tf from '@spikefn/core/tf';
import { expect } from 'vitest';
import { CONV2D_FILTER_GRAD_NCHW } from '../src/conv2d-filter-nchw.js';
import { CONV2D_NCHW } from '../src/conv2d-nchw-forward.js';

/** A stride-1 convolution: x [n, c, h, w], W [o, c, kh, kw], padding ph, pw. */
export type Case = { n: number; c: number; o: number; kh: number; kw: number; ph: number; pw: number; h: number; w: number };

export const outH = (q: Case): number => q.h + 2 * q.ph - q.kh + 1;
export const outW = (q: Case): number => q.w + 2 * q.pw - q.kw + 1;
export const xSize = (q: Case): number => q.n * q.c * q.h * q.w;
export const wSize = (q: Case): number => q.o * q.c * q.kh * q.kw;
export const ySize = (q: Case): number => q.n * q.o * outH(q) * outW(q);

/** The tap (c, u, v) of output (n, o, i, j): the product's two indices, or null where x is 0 (padding). */
export function tap(q: Case, n: number, o: number, i: number, j: number, c: number, u: number, v: number): [number, number] | null {
  const a = i + u - q.ph;
  const b = j + v - q.pw;
  if (a < 0 || a >= q.h || b < 0 || b >= q.w) return null;
  return [((o * q.c + c) * q.kh + u) * q.kw + v, ((n * q.c + c) * q.h + a) * q.w + b];
}

/** The equation: y in double and Σ |W·x| per output (for the error bound), and y in float32 summed in the order (c, u, v). */
export function forwardReference(q: Case, x: Float32Array, w: Float32Array): { y: Float64Array; abs: Float64Array; y32: Float32Array } {
  const OH = outH(q);
  const OW = outW(q);
  const y = new Float64Array(ySize(q));
  const abs = new Float64Array(y.length);
  const y32 = new Float32Array(y.length);
  for (let n = 0; n < q.n; n++)
    for (let o = 0; o < q.o; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = 0;
          let a = 0;
          let s32 = 0;
          for (let c = 0; c < q.c; c++)
            for (let u = 0; u < q.kh; u++)
              for (let v = 0; v < q.kw; v++) {
                const t = tap(q, n, o, i, j, c, u, v);
                // a padding tap adds W·0 = 0 (exactly, in float32 too)
                const p = t === null ? 0 : (w[t[0]] as number) * (x[t[1]] as number);
                s += p;
                a += Math.abs(p);
                s32 = Math.fround(s32 + Math.fround(p));
              }
          const k = ((n * q.o + o) * OH + i) * OW + j;
          y[k] = s;
          abs[k] = a;
          y32[k] = s32;
        }
  return { y, abs, y32 };
}

export function forwardKernel(q: Case, x: Float32Array, w: Float32Array): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor(x, [q.n, q.c, q.h, q.w]);
    const wt = tf.tensor(w, [q.o, q.c, q.kh, q.kw]);
    const attrs = { padding: [q.ph, q.pw] } as unknown as tf.NamedAttrMap;
    const out = tf.engine().runKernel(CONV2D_NCHW, { x: xt, weight: wt }, attrs) as tf.Tensor;
    expect(out.shape).toEqual([q.n, q.o, outH(q), outW(q)]);
    return out.dataSync() as Float32Array;
  });
}

/** The equation in double: dW and Σ |dy·x| per element (for the error bound). */
export function filterGradReference(q: Case, x: Float32Array, dy: Float32Array): { dw: Float64Array; abs: Float64Array } {
  const OH = outH(q);
  const OW = outW(q);
  const dw = new Float64Array(q.o * q.c * q.kh * q.kw);
  const abs = new Float64Array(dw.length);
  for (let n = 0; n < q.n; n++)
    for (let o = 0; o < q.o; o++)
      for (let c = 0; c < q.c; c++)
        for (let u = 0; u < q.kh; u++)
          for (let v = 0; v < q.kw; v++)
            for (let i = 0; i < OH; i++)
              for (let j = 0; j < OW; j++) {
                const a = i + u - q.ph;
                const b = j + v - q.pw;
                if (a < 0 || a >= q.h || b < 0 || b >= q.w) continue;
                const p = (dy[((n * q.o + o) * OH + i) * OW + j] as number) * (x[((n * q.c + c) * q.h + a) * q.w + b] as number);
                const k = ((o * q.c + c) * q.kh + u) * q.kw + v;
                dw[k] = (dw[k] as number) + p;
                abs[k] = (abs[k] as number) + Math.abs(p);
              }
  return { dw, abs };
}

export function filterGradKernel(q: Case, x: Float32Array, dy: Float32Array): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor(x, [q.n, q.c, q.h, q.w]);
    const dyt = tf.tensor(dy, [q.n, q.o, outH(q), outW(q)]);
    const attrs = { kh: q.kh, kw: q.kw, padding: [q.ph, q.pw] } as unknown as tf.NamedAttrMap;
    const out = tf.engine().runKernel(CONV2D_FILTER_GRAD_NCHW, { x: xt, dy: dyt }, attrs) as tf.Tensor;
    expect(out.shape).toEqual([q.o, q.c, q.kh, q.kw]);
    return out.dataSync() as Float32Array;
  });
}
