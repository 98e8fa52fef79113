// conv2dNchw's small-patch filter gradient (wasm; in·kh·kw ≤ 16, groups 1, dilation 1: ∂L/∂W = dyᵀ · patches from
// NCHW dy) against the written-out gradients conv2dWeightGrad / conv2dInputGrad, on random shapes with stride and
// padding. Runs on the backend of SPIKEFN_BACKEND (cpu by default, where the layer keeps tfjs's gradient; wasm too).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { conv2dGeometry, conv2dInputGrad, conv2dNchw, conv2dWeightGrad } from '../src/conv2d.js';
import { data, leakFree, maxDiff, t } from './helpers.js';

const backend = tf.getBackend();

describe(`conv2d small-patch filter gradient (${backend})`, () => {
  it('equals the written-out gradients of x and W (random shapes, stride, padding)', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          c: fc.integer({ min: 1, max: 2 }),
          o: fc.integer({ min: 1, max: 5 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 2 }),
          p: fc.integer({ min: 0, max: 1 }),
          h: fc.integer({ min: 3, max: 8 }),
          w: fc.integer({ min: 3, max: 8 }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ n, c, o, kh, kw, s, p, h, w, seed }) => {
          tf.tidy(() => {
            const g = conv2dGeometry('test', { stride: s, padding: p });
            const x = t(data([n, c, h, w], seed));
            const weight = t(data([o, c, kh, kw], seed + 1));
            const oh = Math.floor((h + 2 * p - kh) / s) + 1;
            const ow = Math.floor((w + 2 * p - kw) / s) + 1;
            const k = t(data([n, o, oh, ow], seed + 2));
            const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv2dNchw(xx, ww, g), k)))([x, weight]);
            const wantW = conv2dWeightGrad(x, k, [kh, kw], g);
            const wantX = conv2dInputGrad(k, weight, x.shape, g);
            expect(dw?.shape).toEqual([o, c, kh, kw]);
            expect(maxDiff(dw as tf.Tensor, wantW)).toBeLessThan(1e-4 * (1 + n * oh * ow));
            expect(maxDiff(dx as tf.Tensor, wantX)).toBeLessThan(1e-4 * (1 + o * kh * kw));
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('takes the W gradient alone when x is data, and leaves numTensors unchanged apart from its outputs', () => {
    const g = conv2dGeometry('test', { padding: 1 });
    const x = t(data([4, 1, 6, 6], 7));
    const weight = t(data([3, 1, 3, 3], 8));
    const k = t(data([4, 3, 6, 6], 9));
    const want = conv2dWeightGrad(x, k, [3, 3], g);
    const v = tf.variable(weight);
    leakFree(() => {
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(conv2dNchw(x, v, g), k)), [v]);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(maxDiff(grads[v.name] as tf.Tensor, want)).toBeLessThan(1e-3);
      expect(value.shape).toEqual([]);
    });
    tf.dispose([x, weight, k, want, v]);
  });
});
