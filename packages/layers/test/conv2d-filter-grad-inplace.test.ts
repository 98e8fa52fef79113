// The stride-1 conv's filter gradient on the threaded wasm backend (core's setBackend('wasm'), whatever
// SPIKEFN_BACKEND says): with spikefn's SpikefnConv2dFilterGradNchw (in place on the kernel threads) it equals the
// path taken when the kernel is unregistered (small patches: one-hot Conv2D + BatchMatMul; larger ones: XNNPACK's
// convolution with dy as the filter) and the equation
//   ∂L/∂W[o, c, u, v] = Σ_{n,i,j} k[n, o, i, j] · x[n, c, i + u − p, j + v − p]   for L = Σ conv(x, W) · k,
// within float32 summation bounds; stride 2 keeps today's path; no tensor is left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { setBackend } from '@spikefn/core';
import { CONV2D_FILTER_GRAD_NCHW, filterGradNchwInPlace } from '@spikefn/kernels';
import { conv2dGeometry, conv2dNchw } from '../src/conv2d.js';
import { pseudo } from './helpers.js';

const initial = tf.getBackend();
beforeAll(async () => {
  await setBackend('wasm');
});
afterAll(async () => {
  await setBackend(initial as 'cpu');
});

type Case = { n: number; c: number; o: number; k: number; s: number; p: number; h: number; w: number };

const values = (count: number, seed: number): Float32Array => Float32Array.from({ length: count }, (_, i) => pseudo(seed, i));

/** The equation in double, and Σ |k·x| per element (for the bounds). */
function reference(q: Case, x: Float32Array, k: Float32Array): { dw: Float64Array; abs: Float64Array } {
  const OH = Math.floor((q.h + 2 * q.p - q.k) / q.s) + 1;
  const OW = Math.floor((q.w + 2 * q.p - q.k) / q.s) + 1;
  const dw = new Float64Array(q.o * q.c * q.k * q.k);
  const abs = new Float64Array(dw.length);
  for (let n = 0; n < q.n; n++)
    for (let o = 0; o < q.o; o++)
      for (let c = 0; c < q.c; c++)
        for (let u = 0; u < q.k; u++)
          for (let v = 0; v < q.k; v++)
            for (let i = 0; i < OH; i++)
              for (let j = 0; j < OW; j++) {
                const a = i * q.s + u - q.p;
                const b = j * q.s + v - q.p;
                if (a < 0 || a >= q.h || b < 0 || b >= q.w) continue;
                const prod = (k[((n * q.o + o) * OH + i) * OW + j] as number) * (x[((n * q.c + c) * q.h + a) * q.w + b] as number);
                const e = ((o * q.c + c) * q.k + u) * q.k + v;
                dw[e] = (dw[e] as number) + prod;
                abs[e] = (abs[e] as number) + Math.abs(prod);
              }
  return { dw, abs };
}

/** ∂L/∂W of L = Σ conv2dNchw(x, W) · k, with the kernel registered or not. */
function weightGrad(q: Case, x: Float32Array, wt: Float32Array, k: Float32Array, withKernel: boolean): Float32Array {
  const config = tf.getKernel(CONV2D_FILTER_GRAD_NCHW, 'wasm');
  if (config === undefined) throw new Error('SpikefnConv2dFilterGradNchw is not registered');
  if (!withKernel) tf.unregisterKernel(CONV2D_FILTER_GRAD_NCHW, 'wasm');
  try {
    expect(filterGradNchwInPlace()).toBe(withKernel);
    return tf.tidy(() => {
      const g = conv2dGeometry('test', { stride: q.s, padding: q.p });
      const xt = tf.tensor(x, [q.n, q.c, q.h, q.w]);
      const kt = tf.tensor(k, [q.n, q.o, ...outHW(q)]);
      const [dw] = tf.grads((w: tf.Tensor) => tf.sum(tf.mul(conv2dNchw(xt, w, g), kt)))([tf.tensor(wt, [q.o, q.c, q.k, q.k])]);
      return (dw as tf.Tensor).dataSync() as Float32Array;
    });
  } finally {
    if (!withKernel) tf.registerKernel(config);
  }
}

function outHW(q: Case): [number, number] {
  return [Math.floor((q.h + 2 * q.p - q.k) / q.s) + 1, Math.floor((q.w + 2 * q.p - q.k) / q.s) + 1];
}

const cases: Case[] = [
  { n: 4, c: 1, o: 32, k: 3, s: 1, p: 1, h: 28, w: 28 },
  { n: 9, c: 1, o: 5, k: 4, s: 1, p: 0, h: 11, w: 13 },
  { n: 3, c: 1, o: 6, k: 4, s: 1, p: 1, h: 9, w: 7 },
  { n: 17, c: 1, o: 3, k: 3, s: 1, p: 0, h: 5, w: 6 },
  // larger patches (the 32 → 32 layer's shape, dense x: the dense form): channels past one register tile of four
  { n: 3, c: 32, o: 32, k: 3, s: 1, p: 1, h: 7, w: 6 },
  { n: 5, c: 3, o: 7, k: 5, s: 1, p: 2, h: 9, w: 10 },
];

describe('the filter gradient in place (wasm, SpikefnConv2dFilterGradNchw)', () => {
  it('equals today’s gradient and the equation within the float32 summation bounds', () => {
    const u = 2 ** -24;
    for (const [idx, q] of cases.entries()) {
      const [OH, OW] = outHW(q);
      const x = values(q.n * q.c * q.h * q.w, 10 * idx + 1);
      const wt = values(q.o * q.c * q.k * q.k, 10 * idx + 2);
      const k = values(q.n * q.o * OH * OW, 10 * idx + 3);
      const want = reference(q, x, k);
      const fast = weightGrad(q, x, wt, k, true);
      const today = weightGrad(q, x, wt, k, false);
      // kernel: float32 lanes over at most ⌈OH·(W + 2p)/4⌉ products per image, double after (see the kernel's test);
      // today's paths (BatchMatMul, XNNPACK): float32 sums over at most M = N·OH·OW products each, in an order of
      // their own: γ_{M+1}·Σ|k·x|.
      const mFast = Math.ceil((OH * (q.w + 2 * q.p)) / 4) + 1;
      const mToday = q.n * OH * OW + 1;
      for (let e = 0; e < fast.length; e++) {
        const a = want.abs[e] as number;
        const exact = want.dw[e] as number;
        const rounding = u * Math.abs(exact);
        expect(Math.abs((fast[e] as number) - exact)).toBeLessThanOrEqual(1.01 * mFast * u * a + rounding);
        expect(Math.abs((today[e] as number) - exact)).toBeLessThanOrEqual(1.01 * mToday * u * a + rounding);
        expect(Math.abs((fast[e] as number) - (today[e] as number))).toBeLessThanOrEqual(1.01 * (mFast + mToday) * u * a + 2 * rounding);
      }
    }
  });

  it('keeps today’s path for stride 2 (the kernel is stride 1 only), equal to the equation', () => {
    const q: Case = { n: 3, c: 1, o: 4, k: 3, s: 2, p: 1, h: 9, w: 8 };
    const [OH, OW] = outHW(q);
    const x = values(q.n * q.h * q.w, 51);
    const wt = values(q.o * 9, 52);
    const k = values(q.n * q.o * OH * OW, 53);
    const want = reference(q, x, k);
    const got = weightGrad(q, x, wt, k, true);
    const m = q.n * OH * OW + 1;
    for (let e = 0; e < got.length; e++)
      expect(Math.abs((got[e] as number) - (want.dw[e] as number))).toBeLessThanOrEqual(
        1.01 * m * 2 ** -24 * (want.abs[e] as number) + 2 ** -24 * Math.abs(want.dw[e] as number),
      );
  });

  it('runs the kernel for stride 1, and not for stride 2', async () => {
    const names = async (q: Case): Promise<string[]> => {
      const [OH, OW] = outHW(q);
      const info = await tf.profile(() => {
        weightGrad(q, values(q.n * q.c * q.h * q.w, 71), values(q.o * q.c * 9, 72), values(q.n * q.o * OH * OW, 73), true);
      });
      return info.kernels.map((kp) => kp.name);
    };
    expect(await names({ n: 2, c: 1, o: 4, k: 3, s: 1, p: 1, h: 8, w: 8 })).toContain(CONV2D_FILTER_GRAD_NCHW);
    expect(await names({ n: 2, c: 1, o: 4, k: 3, s: 2, p: 1, h: 8, w: 8 })).not.toContain(CONV2D_FILTER_GRAD_NCHW);
    expect(await names({ n: 2, c: 4, o: 4, k: 3, s: 1, p: 1, h: 8, w: 8 })).toContain(CONV2D_FILTER_GRAD_NCHW);
  });

  it('leaves numTensors unchanged apart from the gradient', () => {
    const g = conv2dGeometry('test', { padding: 1 });
    const x = tf.tensor(values(2 * 10 * 10, 61), [2, 1, 10, 10]);
    const w = tf.variable(tf.tensor(values(8 * 9, 62), [8, 1, 3, 3]));
    const k = tf.tensor(values(2 * 8 * 100, 63), [2, 8, 10, 10]);
    const before = tf.memory().numTensors;
    const r = tf.variableGrads(() => tf.sum(tf.mul(conv2dNchw(x, w, g), k)), [w]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([r.value, ...Object.values(r.grads), x, w, k]);
  });
});
