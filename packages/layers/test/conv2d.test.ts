import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { conv2d, conv2dInputGrad, conv2dNchw, conv2dWeightGrad, type Conv2dGeometry } from '../src/conv2d.js';
import { at, build, data, expectClose, flat, leakFree, maxDiff, shapeOf, t, type Nd } from './helpers.js';

const k0 = key(11);

/** Direct convolution in plain numbers (PyTorch semantics: NCHW, OIHW weights, zero padding, groups). */
function reference(x: Nd, w: Nd, g: Conv2dGeometry): Nd {
  const [N, , H, W] = shapeOf(x) as [number, number, number, number];
  const [O, Cg, kh, kw] = shapeOf(w) as [number, number, number, number];
  const OH = Math.floor((H + 2 * g.padding[0] - g.dilation[0] * (kh - 1) - 1) / g.stride[0]) + 1;
  const OW = Math.floor((W + 2 * g.padding[1] - g.dilation[1] * (kw - 1) - 1) / g.stride[1]) + 1;
  const Og = O / g.groups;
  return build([N, O, OH, OW], ([n, o, i, j]) => {
    const gi = Math.floor((o as number) / Og);
    let s = 0;
    for (let c = 0; c < Cg; c++)
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++) {
          const r = (i as number) * g.stride[0] + u * g.dilation[0] - g.padding[0];
          const q = (j as number) * g.stride[1] + v * g.dilation[1] - g.padding[1];
          if (r >= 0 && r < H && q >= 0 && q < W) s += at(w, [o as number, c, u, v]) * at(x, [n as number, gi * Cg + c, r, q]);
        }
    return s;
  });
}

const geometry = fc.record({
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  groups: fc.constantFrom(1, 2),
});

/** Σ y·g through the reference, for finite differences. */
const refLoss = (x: Nd, w: Nd, gy: Nd, g: Conv2dGeometry): number => {
  const y = reference(x, w, g);
  const gs = flat(gy);
  return flat(y).reduce((s, v, i) => s + v * (gs[i] as number), 0);
};

/** Adds `eps` at flat index `i` of a nested array (a copy). */
const bump = (a: Nd, i: number, eps: number): Nd => {
  const values = flat(a);
  values[i] = (values[i] as number) + eps;
  let j = 0;
  return build(shapeOf(a), () => values[j++] as number);
};

describe('conv2d (nn.Conv2d, NCHW)', () => {
  it('equals the direct convolution for any stride, padding, dilation and groups', () => {
    fc.assert(
      fc.property(geometry, fc.nat(1000), (g, seed) => {
        const [N, C, O, H, W] = [2, 2 * g.groups, 2 * g.groups, 7, 8];
        const x = data([N, C, H, W], seed);
        const w = data([O, C / g.groups, 3, 2], seed + 1);
        leakFree(() => expectClose(conv2dNchw(t(x), t(w), g), reference(x, w, g)));
      }),
      { numRuns: 30 },
    );
  });

  it('its gradients (written as forward convolutions) equal finite differences of the direct convolution', () => {
    fc.assert(
      fc.property(geometry, fc.nat(1000), (g, seed) => {
        const [N, C, O, H, W] = [1, g.groups, 2 * g.groups, 6, 7];
        const x = data([N, C, H, W], seed);
        const w = data([O, C / g.groups, 2, 3], seed + 1);
        const gy = data(shapeOf(reference(x, w, g)), seed + 2);
        leakFree(() => {
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dNchw(a, b, g), t(gy))))([t(x), t(w)]);
          const eps = 1e-4;
          const base = refLoss(x, w, gy, g);
          const dxs = (dx as tf.Tensor).dataSync();
          const dws = (dw as tf.Tensor).dataSync();
          for (let i = 0; i < dxs.length; i += 3)
            expect(Math.abs((refLoss(bump(x, i, eps), w, gy, g) - base) / eps - (dxs[i] as number))).toBeLessThan(2e-3);
          for (let i = 0; i < dws.length; i++)
            expect(Math.abs((refLoss(x, bump(w, i, eps), gy, g) - base) / eps - (dws[i] as number))).toBeLessThan(2e-3);
        });
      }),
      { numRuns: 12 },
    );
  });

  it("without dilation, tfjs's gradient (on spikefn's backprop kernels) equals the written-out gradient", () => {
    fc.assert(
      fc.property(geometry, fc.nat(1000), (g0, seed) => {
        const g: Conv2dGeometry = { ...g0, dilation: [1, 1] };
        const [N, C, O, H, W] = [2, 2 * g.groups, 2 * g.groups, 7, 6];
        leakFree(() => {
          const x = t(data([N, C, H, W], seed));
          const w = t(data([O, C / g.groups, 3, 2], seed + 1));
          const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv2dNchw(a, b, g))))([x, w]);
          // d/dy of Σ y² is 2y; the written-out gradient from that cotangent.
          const dy = tf.mul(conv2dNchw(x, w, g), 2);
          expect(maxDiff(gx as tf.Tensor, conv2dInputGrad(dy, w, x.shape, g))).toBeLessThan(1e-4);
          expect(maxDiff(gw as tf.Tensor, conv2dWeightGrad(x, dy, [3, 2], g))).toBeLessThan(1e-4);
        });
      }),
      { numRuns: 10 },
    );
  });

  it('the layer adds the bias per output channel and reports its output shape', () => {
    leakFree(() => {
      const layer = conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, stride: 2 });
      const p = layer.init(k0);
      const x = t(data([2, 2, 5, 6], 1));
      const y = layer.step(p, {}, x, evalCtx(k0))[1];
      expect(layer.outputShape(p, [2, 2, 5, 6])).toEqual([2, 3, 3, 3]);
      const noBias = conv2dNchw(x, p.weight, { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 });
      expectClose(
        tf.sub(y, noBias),
        build([2, 3, 3, 3], ([, o]) => (p.bias!.arraySync() as number[])[o as number] as number),
      );
      expect(tf.max(tf.abs(p.weight)).dataSync()[0]).toBeLessThanOrEqual(1 / Math.sqrt(18));
    });
  });

  it('satisfies the law kit (stateless)', () => {
    const layer = conv2d({ inChannels: 2, outChannels: 2, kernelSize: 2 });
    const params = layer.init(k0);
    checkLayerLaws({ name: 'conv2d', layer, params, tol: { atol: 1e-6, rtol: 1e-5 } }, [2, 3, 3], { numRuns: 5 });
    dispose(params);
  });

  it('rejects wrong ranks, channels, groups and inputs smaller than the kernel, naming the argument', () => {
    leakFree(() => {
      const layer = conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3 });
      const p = layer.init(k0);
      expect(() => layer.step(p, {}, tf.zeros([2, 5, 5]), evalCtx(k0))).toThrow(/conv2d: argument 'x' expected rank 4/);
      expect(() => layer.step(p, {}, tf.zeros([1, 3, 5, 5]), evalCtx(k0))).toThrow(/argument 'x' expected size 2 on axis 1 \(inChannels\)/);
      expect(() => layer.step(p, {}, tf.zeros([1, 2, 2, 5]), evalCtx(k0))).toThrow(/argument 'x' expected a height of at least 3/);
      expect(() => conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow(
        /argument 'groups' expected a divisor of inChannels/,
      );
      expect(() => conv2d({ inChannels: 2, outChannels: 4, kernelSize: [3, 0] })).toThrow(/argument 'kernelSize'/);
      expect(() => conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, padding: -1 })).toThrow(/argument 'padding'/);
    });
  });
});
