// The one-group, stride-1 conv on the threaded wasm backend (core's setBackend('wasm'), whatever SPIKEFN_BACKEND says):
// it runs spikefn's SpikefnConv2dNchw (NCHW in and out; in place on the kernel threads for small patches and for sparse
// x, the event-driven form; tfjs's Conv2D inside the kernel otherwise), with no Conv2D or Transpose of its own for a
// small patch, and its output and the gradients of x and W equal the path taken when the kernel is unregistered (tfjs's
// NHWC Conv2D between transposes) and the equations
//   y[n, o, i, j] = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − p, j + v − p]
//   ∂L/∂W[o, c, u, v] = Σ_{n,i,j} k[n, o, i, j] · x[n, c, i + u − p, j + v − p]
//   ∂L/∂x[n, c, a, b] = Σ_{o,u,v} k[n, o, a + p − u, b + p − v] · W[o, c, u, v]
// for L = Σ conv(x, W) · k, within float32 summation bounds; x's gradient is computed only where x needs one; stride 2
// keeps today's path; no tensor is left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { setBackend } from '@spikefn/core';
import { CONV2D_NCHW, conv2dNchwInPlace } from '@spikefn/kernels';
import { conv2dGeometry, conv2dNchw } from '../src/conv2d.js';
import { pseudo } from './helpers.js';

const initial = tf.getBackend();
beforeAll(async () => {
  await setBackend('wasm');
});
afterAll(async () => {
  await setBackend(initial as 'cpu');
});

type Case = { n: number; c: number; o: number; kh: number; kw: number; s: number; p: number; h: number; w: number; spikes?: number };

const values = (count: number, seed: number): Float32Array => Float32Array.from({ length: count }, (_, i) => pseudo(seed, i));
const outHW = (q: Case): [number, number] => [Math.floor((q.h + 2 * q.p - q.kh) / q.s) + 1, Math.floor((q.w + 2 * q.p - q.kw) / q.s) + 1];

type Sums = { v: Float64Array; abs: Float64Array };
const sums = (n: number): Sums => ({ v: new Float64Array(n), abs: new Float64Array(n) });
const add = (s: Sums, i: number, p: number): void => {
  s.v[i] = (s.v[i] as number) + p;
  s.abs[i] = (s.abs[i] as number) + Math.abs(p);
};

/** The equations in double (y, ∂L/∂x, ∂L/∂W) with Σ |terms| per element, for the bounds. */
function reference(q: Case, x: Float32Array, wt: Float32Array, k: Float32Array): { y: Sums; dx: Sums; dw: Sums } {
  const [OH, OW] = outHW(q);
  const y = sums(q.n * q.o * OH * OW);
  const dx = sums(x.length);
  const dw = sums(wt.length);
  for (let n = 0; n < q.n; n++)
    for (let o = 0; o < q.o; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++)
          for (let c = 0; c < q.c; c++)
            for (let u = 0; u < q.kh; u++)
              for (let v = 0; v < q.kw; v++) {
                const a = i * q.s + u - q.p;
                const b = j * q.s + v - q.p;
                if (a < 0 || a >= q.h || b < 0 || b >= q.w) continue;
                const yi = ((n * q.o + o) * OH + i) * OW + j;
                const xi = ((n * q.c + c) * q.h + a) * q.w + b;
                const wi = ((o * q.c + c) * q.kh + u) * q.kw + v;
                add(y, yi, (wt[wi] as number) * (x[xi] as number));
                add(dx, xi, (k[yi] as number) * (wt[wi] as number));
                add(dw, wi, (k[yi] as number) * (x[xi] as number));
              }
  return { y, dx, dw };
}

/** y, ∂L/∂x and ∂L/∂W of L = Σ conv2dNchw(x, W) · k, with SpikefnConv2dNchw registered or not, and the kernels run. */
function run(q: Case, x: Float32Array, wt: Float32Array, k: Float32Array, withKernel: boolean): Float32Array[] {
  const config = tf.getKernel(CONV2D_NCHW, 'wasm');
  if (config === undefined) throw new Error('SpikefnConv2dNchw is not registered');
  if (!withKernel) tf.unregisterKernel(CONV2D_NCHW, 'wasm');
  try {
    expect(conv2dNchwInPlace()).toBe(withKernel);
    return tf.tidy(() => {
      const g = conv2dGeometry('test', { stride: q.s, padding: q.p });
      const xt = tf.tensor(x, [q.n, q.c, q.h, q.w]);
      const kt = tf.tensor(k, [q.n, q.o, ...outHW(q)]);
      const w = tf.tensor(wt, [q.o, q.c, q.kh, q.kw]);
      const y = conv2dNchw(xt, w, g);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dNchw(a, b, g), kt)))([xt, w]);
      return [y, dx as tf.Tensor, dw as tf.Tensor].map((r) => r.dataSync() as Float32Array);
    });
  } finally {
    if (!withKernel) tf.registerKernel(config);
  }
}

const cases: Case[] = [
  { n: 4, c: 1, o: 32, kh: 3, kw: 3, s: 1, p: 1, h: 28, w: 28 },
  { n: 3, c: 1, o: 5, kh: 4, kw: 4, s: 1, p: 0, h: 11, w: 13 },
  { n: 2, c: 1, o: 6, kh: 4, kw: 2, s: 1, p: 1, h: 9, w: 7 },
  { n: 5, c: 1, o: 3, kh: 3, kw: 3, s: 1, p: 0, h: 5, w: 6 },
  { n: 2, c: 2, o: 4, kh: 2, kw: 3, s: 1, p: 2, h: 6, w: 19 },
  { n: 2, c: 1, o: 4, kh: 3, kw: 3, s: 2, p: 1, h: 9, w: 8 },
  // x of 0/1 spikes, 15 % nonzero, more than 16 output channels: the event-driven forms (forward, W's gradient)
  { n: 6, c: 8, o: 20, kh: 3, kw: 3, s: 1, p: 1, h: 9, w: 11, spikes: 0.15 },
  { n: 4, c: 3, o: 40, kh: 2, kw: 3, s: 1, p: 0, h: 7, w: 6, spikes: 0.15 },
  // a larger patch with dense x: tfjs's Conv2D inside the kernel
  { n: 2, c: 4, o: 6, kh: 3, kw: 3, s: 1, p: 1, h: 7, w: 9 },
];

describe('the one-group stride-1 conv forward on SpikefnConv2dNchw (wasm)', () => {
  it('equals today’s path and the equations, for y and the gradients of x and W, within float32 summation bounds', () => {
    const u = 2 ** -24;
    for (const [idx, q] of cases.entries()) {
      const [OH, OW] = outHW(q);
      const x = values(q.n * q.c * q.h * q.w, 10 * idx + 1).map((v) => (q.spikes === undefined ? v : (v + 1) / 2 < q.spikes ? 1 : 0));
      const wt = values(q.o * q.c * q.kh * q.kw, 10 * idx + 2);
      const k = values(q.n * q.o * OH * OW, 10 * idx + 3);
      const want = reference(q, x, wt, k);
      const fast = run(q, x, wt, k, true);
      const today = run(q, x, wt, k, false);
      // every path sums at most m float32 terms per element (y: C·kh·kw taps; ∂L/∂x: O·kh·kw; ∂L/∂W: N·OH·OW, and the
      // NCHW filter gradient fewer per float32 sum), each rounded: |error| ≤ 1.01·(m + 1)·u·Σ|terms| + u·|exact|.
      const terms = [q.c * q.kh * q.kw, q.o * q.kh * q.kw, q.n * OH * OW];
      for (const [r, s] of [want.y, want.dx, want.dw].entries()) {
        const m = terms[r] as number;
        const over: string[] = [];
        for (let e = 0; e < s.v.length; e++) {
          const exact = s.v[e] as number;
          const bound = 1.01 * (m + 1) * u * (s.abs[e] as number) + u * Math.abs(exact) + 1e-30;
          const f = (fast[r] as Float32Array)[e] as number;
          const t = (today[r] as Float32Array)[e] as number;
          if (!(Math.abs(f - exact) <= bound && Math.abs(t - exact) <= bound && Math.abs(f - t) <= 2 * bound))
            over.push(`case ${idx}, output ${r}, element ${e}: ${f}, ${t} vs ${exact}`);
        }
        expect(over.slice(0, 5)).toEqual([]);
      }
    }
  });

  it('runs SpikefnConv2dNchw and no Conv2D or Transpose for stride 1; x’s gradient only where x needs one; stride 2 keeps today’s path', async () => {
    const names = async (q: Case, xNeedsGrad: boolean): Promise<string[]> => {
      const [OH, OW] = outHW(q);
      const g = conv2dGeometry('test', { stride: q.s, padding: q.p });
      const x = tf.tensor(values(q.n * q.c * q.h * q.w, 71), [q.n, q.c, q.h, q.w]);
      const w = tf.tensor(values(q.o * q.c * q.kh * q.kw, 72), [q.o, q.c, q.kh, q.kw]);
      const k = tf.tensor(values(q.n * q.o * OH * OW, 73), [q.n, q.o, OH, OW]);
      const loss = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.sum(tf.mul(conv2dNchw(a, b, g), k));
      const info = await tf.profile(() => {
        const gs = xNeedsGrad ? tf.grads(loss)([x, w]) : [tf.grad((b: tf.Tensor) => loss(x, b))(w)];
        tf.dispose(gs);
      });
      tf.dispose([x, w, k]);
      return info.kernels.map((kp) => kp.name);
    };
    const q: Case = { n: 2, c: 1, o: 4, kh: 3, kw: 3, s: 1, p: 1, h: 8, w: 8 };
    const wOnly = await names(q, false);
    expect(wOnly).toContain(CONV2D_NCHW);
    expect(wOnly).toContain('SpikefnConv2dFilterGradNchw');
    for (const stock of ['Conv2D', 'Transpose', 'Conv2DBackpropInput']) expect(wOnly).not.toContain(stock);
    expect(await names(q, true)).toContain('Conv2DBackpropInput');
    expect(await names({ ...q, s: 2 }, false)).not.toContain(CONV2D_NCHW);
    // a patch larger than 16 (in·kh·kw) runs the kernel too (it picks its form from x)
    expect(await names({ ...q, c: 2 }, false)).toContain(CONV2D_NCHW);
  });

  it('leaves numTensors unchanged apart from the output and the gradients', () => {
    const g = conv2dGeometry('test', { padding: 1 });
    const x = tf.tensor(values(2 * 10 * 10, 61), [2, 1, 10, 10]);
    const w = tf.variable(tf.tensor(values(8 * 9, 62), [8, 1, 3, 3]));
    const k = tf.tensor(values(2 * 8 * 100, 63), [2, 8, 10, 10]);
    const before = tf.memory().numTensors;
    const y = conv2dNchw(x, w, g);
    expect(tf.memory().numTensors).toBe(before + 1);
    const r = tf.variableGrads(() => tf.sum(tf.mul(conv2dNchw(x, w, g), k)), [w]);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([y, r.value, ...Object.values(r.grads), x, w, k]);
  });
});
