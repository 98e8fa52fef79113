import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { flatten } from '../src/flatten.js';
import { linear } from '../src/linear.js';
import { at, build, data, expectClose, leakFree, t } from './helpers.js';

const k0 = key(15);

describe('linear (nn.Linear)', () => {
  it('y = x·Wᵀ + b on the last axis, for any leading axes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.nat(1000), (n, o, bias, seed) => {
        const w = data([o, n], seed);
        const b = data([o], seed + 1);
        const x = data([2, 3, n], seed + 2);
        const want = build(
          [2, 3, o],
          ([i, j, k]) =>
            (bias ? at(b, [k as number]) : 0) +
            Array.from({ length: n }, (_, u) => at(w, [k as number, u]) * at(x, [i as number, j as number, u])).reduce((a, c) => a + c, 0),
        );
        leakFree(() => {
          const layer = linear({ inFeatures: n, outFeatures: o, bias });
          const params = bias ? { weight: t(w), bias: t(b) } : { weight: t(w) };
          expectClose(layer.step(params, {}, t(x), evalCtx(k0))[1], want);
          expect(layer.outputShape(params, [2, 3, n])).toEqual([2, 3, o]);
          const init = layer.init(k0);
          expect(init.bias === undefined).toBe(!bias);
          expect(tf.max(tf.abs(init.weight)).dataSync()[0]).toBeLessThanOrEqual(1 / Math.sqrt(n));
        });
      }),
      { numRuns: 20 },
    );
  });

  it('satisfies the law kit (stateless)', () => {
    const layer = linear({ inFeatures: 3, outFeatures: 2 });
    const params = layer.init(k0);
    checkLayerLaws({ name: 'linear', layer, params, tol: { atol: 1e-6, rtol: 1e-5 } }, [3], { numRuns: 6 });
    dispose(params);
  });

  it('rejects a wrong feature size, naming the argument', () => {
    leakFree(() => {
      const layer = linear({ inFeatures: 3, outFeatures: 2 });
      expect(() => layer.step(layer.init(k0), {}, tf.zeros([2, 4]), evalCtx(k0))).toThrow(
        /linear: argument 'x' expected size 3 on axis -1 \(inFeatures\)/,
      );
      expect(() => linear({ inFeatures: 0, outFeatures: 2 })).toThrow(/argument 'inFeatures'/);
    });
  });
});

describe('flatten (nn.Flatten)', () => {
  it('merges axes startDim..endDim (defaults 1..-1) and keeps the values in order', () => {
    leakFree(() => {
      const x = t(data([2, 3, 4, 5], 1));
      expect(flatten().step({}, {}, x, evalCtx(k0))[1].shape).toEqual([2, 60]);
      expect(flatten({ startDim: 1, endDim: 2 }).step({}, {}, x, evalCtx(k0))[1].shape).toEqual([2, 12, 5]);
      expect(flatten({ startDim: 0 }).outputShape({}, [2, 3, 4])).toEqual([24]);
      expect(Array.from(flatten().step({}, {}, x, evalCtx(k0))[1].dataSync())).toEqual(Array.from(x.dataSync()));
    });
  });

  it('rejects axes outside the input, naming the argument', () => {
    leakFree(() => {
      expect(() => flatten({ startDim: 3 }).step({}, {}, tf.zeros([2, 3]), evalCtx(k0))).toThrow(/flatten: argument 'startDim'/);
      expect(() => flatten({ startDim: 2, endDim: 1 }).outputShape({}, [2, 3, 4])).toThrow(/argument 'endDim'/);
      expect(() => flatten({ startDim: 0.5 })).toThrow(/argument 'startDim' expected an integer axis/);
    });
  });
});
