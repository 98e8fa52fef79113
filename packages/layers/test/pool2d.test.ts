import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { avgPool2d } from '../src/avg-pool2d.js';
import { maxPool2d } from '../src/max-pool2d.js';
import { at, build, data, expectClose, leakFree, shapeOf, t, type Nd } from './helpers.js';

const k0 = key(14);

/** 2-d pooling in plain numbers: max over -∞ padding, average over zero padding counting the padding. */
function reference(x: Nd, mode: 'max' | 'avg', k: [number, number], s: [number, number], p: [number, number]): Nd {
  const [N, C, H, W] = shapeOf(x) as [number, number, number, number];
  const OH = Math.floor((H + 2 * p[0] - k[0]) / s[0]) + 1;
  const OW = Math.floor((W + 2 * p[1] - k[1]) / s[1]) + 1;
  return build([N, C, OH, OW], ([n, c, i, j]) => {
    const vals: number[] = [];
    for (let u = 0; u < k[0]; u++)
      for (let v = 0; v < k[1]; v++) {
        const r = (i as number) * s[0] + u - p[0];
        const q = (j as number) * s[1] + v - p[1];
        vals.push(r >= 0 && r < H && q >= 0 && q < W ? at(x, [n as number, c as number, r, q]) : mode === 'max' ? -Infinity : 0);
      }
    return mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
  });
}

describe('maxPool2d / avgPool2d (nn.MaxPool2d, nn.AvgPool2d)', () => {
  it('equal the plain-number pools (max pads with -∞; avg counts the zero padding), NCHW', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('max' as const, 'avg' as const),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })), { nil: undefined }),
        fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
        fc.nat(1000),
        (mode, k, s, p, seed) => {
          fc.pre(2 * p[0] <= k[0] && 2 * p[1] <= k[1]);
          const x = data([2, 3, 6, 5], seed);
          const layer = (mode === 'max' ? maxPool2d : avgPool2d)(
            s === undefined ? { kernelSize: k, padding: p } : { kernelSize: k, stride: s, padding: p },
          );
          leakFree(() => expectClose(layer.step({}, {}, t(x), evalCtx(k0))[1], reference(x, mode, k, s ?? k, p)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("max pooling sends each window's gradient to the first maximum in row-major order (PyTorch's rule, ties included)", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
        fc.integer({ min: 0, max: 1 }),
        fc.boolean(),
        fc.nat(1000),
        (k, s, p, binary, seed) => {
          fc.pre(2 * p <= Math.min(k[0], k[1]));
          const [N, C, H, W] = [2, 2, 6, 5];
          const x = build([N, C, H, W], (idx) => {
            const u = at(data([N, C, H, W], seed, 0, 1), idx);
            return binary ? (u < 0.5 ? 1 : 0) : u;
          });
          const OH = Math.floor((H + 2 * p - k[0]) / s[0]) + 1;
          const OW = Math.floor((W + 2 * p - k[1]) / s[1]) + 1;
          const gy = data([N, C, OH, OW], seed + 1);
          const want = build([N, C, H, W], () => 0) as number[][][][];
          for (let n = 0; n < N; n++)
            for (let c = 0; c < C; c++)
              for (let i = 0; i < OH; i++)
                for (let j = 0; j < OW; j++) {
                  let best: [number, number] | null = null;
                  let bestVal = -Infinity;
                  for (let u = 0; u < k[0]; u++)
                    for (let v = 0; v < k[1]; v++) {
                      const r = i * s[0] + u - p;
                      const q = j * s[1] + v - p;
                      if (r < 0 || r >= H || q < 0 || q >= W) continue;
                      const val = at(x, [n, c, r, q]);
                      if (best === null || val > bestVal) [best, bestVal] = [[r, q], val];
                    }
                  if (best !== null) (want[n] as number[][][])[c]![best[0]]![best[1]]! += at(gy, [n, c, i, j]);
                }
          leakFree(() => {
            const layer = maxPool2d({ kernelSize: k, stride: s, padding: p });
            const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.step({}, {}, xx, evalCtx(k0))[1], t(gy))))(t(x));
            expectClose(g, want);
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('satisfy the law kit (stateless)', () => {
    checkLayerLaws({ name: 'maxPool2d', layer: maxPool2d({ kernelSize: 2 }), params: {} }, [2, 4, 4], { numRuns: 5 });
    checkLayerLaws({ name: 'avgPool2d', layer: avgPool2d({ kernelSize: 2, padding: 1 }), params: {} }, [2, 3, 3], { numRuns: 5 });
  });

  it('reject wrong ranks, inputs smaller than the kernel and padding over half the kernel, naming the argument', () => {
    leakFree(() => {
      const layer = maxPool2d({ kernelSize: 3 });
      expect(() => layer.step({}, {}, tf.zeros([2, 4, 4]), evalCtx(k0))).toThrow(/maxPool2d: argument 'x' expected rank 4/);
      expect(() => layer.step({}, {}, tf.zeros([1, 1, 2, 4]), evalCtx(k0))).toThrow(
        /maxPool2d: argument 'x' expected a height and width of at least the kernel/,
      );
      expect(() => avgPool2d({ kernelSize: 2, padding: 2 })).toThrow(/avgPool2d: argument 'padding'/);
      expect(() => avgPool2d({ kernelSize: 2, stride: 0 })).toThrow(/argument 'stride'/);
    });
  });
});
