import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { axat } from '../src/axat.js';
import { at, build, data, expectClose, leakFree, maxDiff, t, type Nd } from './helpers.js';

const k0 = key(6);

/** Y = A·X·Aᵀ per matrix, in plain numbers. */
const reference = (A: Nd, x: Nd, m: number, n: number, o: number): Nd =>
  build([m, o, o], ([b, i, j]) => {
    let s = 0;
    for (let u = 0; u < n; u++)
      for (let v = 0; v < n; v++) s += at(A, [i as number, u]) * at(x, [b as number, u, v]) * at(A, [j as number, v]);
    return s;
  });

describe('axat (AXAT)', () => {
  it('equals A·X·Aᵀ per matrix over any leading axes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(1000),
        (n, o, m, seed) => {
          const A = data([o, n], seed);
          const x = data([m, n, n], seed + 1);
          leakFree(() => {
            const layer = axat({ inFeatures: n, outFeatures: o });
            expectClose(layer.step({ A: t(A) }, {}, t(x), evalCtx(k0))[1], reference(A, x, m, n, o));
            const x4 = tf.reshape(t(x), [1, m, n, n]);
            expect(layer.step({ A: t(A) }, {}, x4, evalCtx(k0))[1].shape).toEqual([1, m, o, o]);
            expect(layer.outputShape({ A: t(A) }, [2, m, n, n])).toEqual([2, m, o, o]);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('with A = I it is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(1000), (n, seed) => {
        leakFree(() => {
          const x = t(data([3, n, n], seed));
          expect(maxDiff(axat({ inFeatures: n, outFeatures: n }).step({ A: tf.eye(n) }, {}, x, evalCtx(k0))[1], x)).toBe(0);
        });
      }),
      { numRuns: 10 },
    );
  });

  it('initialises A as kaiming_uniform(a = √5): [out, in], |A| <= 1/√in', () => {
    leakFree(() => {
      const { A } = axat({ inFeatures: 9, outFeatures: 4 }).init(k0);
      expect(A.shape).toEqual([4, 9]);
      expect(tf.max(tf.abs(A)).dataSync()[0]).toBeLessThanOrEqual(1 / 3);
    });
  });

  it('satisfies the law kit (stateless)', () => {
    const layer = axat({ inFeatures: 3, outFeatures: 2 });
    const params = layer.init(k0);
    checkLayerLaws({ name: 'axat', layer, params, tol: { atol: 1e-6, rtol: 1e-5 } }, [3, 3], { numRuns: 6 });
    dispose(params);
  });

  it('rejects inputs whose last two axes are not [in, in], naming the argument', () => {
    leakFree(() => {
      const layer = axat({ inFeatures: 3, outFeatures: 2 });
      const p = layer.init(k0);
      expect(() => layer.step(p, {}, tf.zeros([2, 3, 4]), evalCtx(k0))).toThrow(
        /axat: argument 'x' expected size 3 on axis -1 \(inFeatures\)/,
      );
      expect(() => layer.step(p, {}, tf.zeros([2, 4, 3]), evalCtx(k0))).toThrow(/axat: argument 'x' expected size 3 on axis -2/);
      expect(() => layer.step(p, {}, tf.zeros([3]), evalCtx(k0))).toThrow(/axat: argument 'x' expected rank >= 2/);
      expect(() => axat({ inFeatures: 3, outFeatures: 0 })).toThrow(/argument 'outFeatures'/);
    });
  });
});
