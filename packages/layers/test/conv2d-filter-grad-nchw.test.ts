// conv2dNchw's gradients against a plain-number reference written from the convolution's equation, on random shapes
// with stride, padding and groups, for every path the layer takes on the backend of SPIKEFN_BACKEND (cpu by default;
// on wasm: the small-patch filter gradient, the filter gradient from NCHW x (kernelTuning.layerFilterGradFromNchw),
// and tfjs's Conv2DBackpropFilter when that is switched off). The layout changes (NCHW ↔ NHWC through a rank-3
// transpose one way) are on every path, so the gradient of x checks them too.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { kernelTuning } from '@spikefn/kernels';
import { conv2dGeometry, conv2dNchw } from '../src/conv2d.js';
import { data, flat, leakFree, maxDiff, t, type Nd } from './helpers.js';

const backend = tf.getBackend();
const initial = kernelTuning.layerFilterGradFromNchw;
afterEach(() => {
  kernelTuning.layerFilterGradFromNchw = initial;
});

type Case = { n: number; c: number; o: number; groups: number; kh: number; kw: number; s: number; p: number; h: number; w: number };

/**
 * y[n, o, i, j] = Σ_{c ∈ group(o), u, v} W[o, c', u, v] · x[n, c, i·s + u − p, j·s + v − p] (zero outside), and for
 * L = Σ y · k: ∂L/∂W[o, c', u, v] = Σ_{n, i, j} k[n, o, i, j] · x[n, c, …], ∂L/∂x[n, c, …] += k[n, o, i, j] · W[o, c', u, v].
 */
function reference(q: Case, x: number[], wt: number[], k: number[]): { y: number[]; dx: number[]; dw: number[] } {
  const { n: N, c: C, o: O, groups, kh, kw, s, p, h: H, w: W } = q;
  const OH = Math.floor((H + 2 * p - kh) / s) + 1;
  const OW = Math.floor((W + 2 * p - kw) / s) + 1;
  const cg = C / groups;
  const og = O / groups;
  const y = new Array<number>(N * O * OH * OW).fill(0);
  const dx = new Array<number>(x.length).fill(0);
  const dw = new Array<number>(wt.length).fill(0);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const yi = ((n * O + o) * OH + i) * OW + j;
          const kv = k[yi] as number;
          const g = Math.floor(o / og);
          for (let cc = 0; cc < cg; cc++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const a = i * s + u - p;
                const b = j * s + v - p;
                if (a < 0 || a >= H || b < 0 || b >= W) continue;
                const xi = ((n * C + g * cg + cc) * H + a) * W + b;
                const wi = ((o * cg + cc) * kh + u) * kw + v;
                y[yi] = (y[yi] as number) + (wt[wi] as number) * (x[xi] as number);
                dw[wi] = (dw[wi] as number) + kv * (x[xi] as number);
                dx[xi] = (dx[xi] as number) + kv * (wt[wi] as number);
              }
        }
  return { y, dx, dw };
}

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 4 }),
    og: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 2 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 2 }),
    p: fc.integer({ min: 0, max: 1 }),
    h: fc.integer({ min: 3, max: 7 }),
    w: fc.integer({ min: 3, max: 7 }),
  })
  .map(({ cg, og, groups, ...r }) => ({ ...r, groups, c: cg * groups, o: og * groups }));

function check(q: Case, seed: number): void {
  tf.tidy(() => {
    const g = conv2dGeometry('test', { stride: q.s, padding: q.p, groups: q.groups });
    const xs = data([q.n, q.c, q.h, q.w], seed) as Nd;
    const ws = data([q.o, q.c / q.groups, q.kh, q.kw], seed + 1) as Nd;
    const oh = Math.floor((q.h + 2 * q.p - q.kh) / q.s) + 1;
    const ow = Math.floor((q.w + 2 * q.p - q.kw) / q.s) + 1;
    const ks = data([q.n, q.o, oh, ow], seed + 2) as Nd;
    const want = reference(q, flat(xs), flat(ws), flat(ks));
    const x = t(xs);
    const weight = t(ws);
    const k = t(ks);
    const y = conv2dNchw(x, weight, g);
    const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv2dNchw(xx, ww, g), k)))([x, weight]);
    const scale = 1e-4 * (1 + q.n * oh * ow + q.o * q.kh * q.kw);
    expect(y.shape).toEqual([q.n, q.o, oh, ow]);
    expect(maxDiff(y, tf.tensor(want.y, y.shape))).toBeLessThan(scale);
    expect(dw?.shape).toEqual(weight.shape);
    expect(maxDiff(dw as tf.Tensor, tf.tensor(want.dw, weight.shape))).toBeLessThan(scale);
    expect(dx?.shape).toEqual(x.shape);
    expect(maxDiff(dx as tf.Tensor, tf.tensor(want.dx, x.shape))).toBeLessThan(scale);
  });
}

describe(`conv2d gradients against the written-out equation (${backend})`, () => {
  for (const fromNchw of [true, false]) {
    it(`equal the reference for x and W (random shapes, stride, padding, groups; layerFilterGradFromNchw ${fromNchw})`, () => {
      kernelTuning.layerFilterGradFromNchw = fromNchw;
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), (q, seed) => check(q, seed)),
        { numRuns: 40 },
      );
    });
  }

  it('covers the 32 → 32 shape of the spiking CNN (3×3, padding 1, patches of 288)', () => {
    check({ n: 2, c: 32, o: 32, groups: 1, kh: 3, kw: 3, s: 1, p: 1, h: 6, w: 5 }, 11);
  });

  it('leaves numTensors unchanged apart from its outputs (x data, and x with a gradient)', () => {
    const g = conv2dGeometry('test', { padding: 1 });
    const x = t(data([3, 4, 6, 6], 7));
    const weight = t(data([5, 4, 3, 3], 8));
    const k = t(data([3, 5, 6, 6], 9));
    const v = tf.variable(weight);
    const xv = tf.variable(x);
    leakFree(() => {
      let before = tf.memory().numTensors;
      const a = tf.variableGrads(() => tf.sum(tf.mul(conv2dNchw(x, v, g), k)), [v]);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(a.grads[v.name]?.shape).toEqual([5, 4, 3, 3]);
      before = tf.memory().numTensors;
      const b = tf.variableGrads(() => tf.sum(tf.mul(conv2dNchw(xv, v, g), k)), [v, xv]);
      expect(tf.memory().numTensors).toBe(before + 3);
      expect(maxDiff(b.grads[v.name] as tf.Tensor, a.grads[v.name] as tf.Tensor)).toBe(0);
      expect(b.grads[xv.name]?.shape).toEqual([3, 4, 6, 6]);
    });
    tf.dispose([x, weight, k, v, xv]);
  });
});
