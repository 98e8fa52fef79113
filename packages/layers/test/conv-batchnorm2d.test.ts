import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, trainCtx, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { batchNorm2d } from '../src/batch-norm.js';
import { conv2d } from '../src/conv2d.js';
import {
  convBatchNorm2d,
  fuse,
  fusedBias,
  fusedWeight,
  scaleFusedBias,
  scaleFusedWeight,
  type ConvBatchNorm2dConfig,
  type ConvBatchNorm2dParams,
  type ConvBatchNorm2dState,
} from '../src/conv-batchnorm2d.js';
import { data, leakFree, maxDiff, t } from './helpers.js';

const k0 = key(13);

const configs = fc.record({
  outChannels: fc.constantFrom(2, 4),
  kernelSize: fc.constantFrom(1, 2, 3),
  stride: fc.integer({ min: 1, max: 2 }),
  padding: fc.integer({ min: 0, max: 1 }),
  groups: fc.constantFrom(1, 2),
});

/** Randomised BatchNorm params and statistics (γ/√(var + ε) far from 1). */
function randomised(config: ConvBatchNorm2dConfig, seed: number): [ConvBatchNorm2dParams, ConvBatchNorm2dState] {
  const C = config.outChannels;
  const init = convBatchNorm2d(config).init(key(seed));
  return [
    { conv: init.conv, bn: { weight: t(data([C], seed, 0.3, 2)), bias: t(data([C], seed + 1)) } },
    { bn: { runningMean: t(data([C], seed + 2)), runningVar: t(data([C], seed + 3, 0.2, 3)) } },
  ];
}

describe('convBatchNorm2d (ConvBatchNorm2d)', () => {
  it('eval: equals conv then BatchNorm, and the fused plain convolution (fuse) equals both', () => {
    fc.assert(
      fc.property(configs, fc.nat(1000), (c, seed) => {
        const config: ConvBatchNorm2dConfig = { inChannels: 2, ...c };
        leakFree(() => {
          const [params, state] = randomised(config, seed);
          const x = t(data([3, 2, 6, 5], seed + 4));
          const y = convBatchNorm2d(config).step(params, state, x, evalCtx(k0))[1];
          const conv = conv2d({ ...config, bias: false });
          const bn = batchNorm2d({ numFeatures: config.outChannels });
          const want = bn.step(params.bn, state.bn, conv.step({ weight: params.conv.weight }, {}, x, evalCtx(k0))[1], evalCtx(k0))[1];
          expect(maxDiff(y, want)).toBeLessThan(1e-5);
          const plain = fuse(config, params, state);
          expect(plain.config.bias).toBe(true);
          expect(maxDiff(conv2d(plain.config).step(plain.params, {}, x, evalCtx(k0))[1], want)).toBeLessThan(1e-4);
        });
      }),
      { numRuns: 20 },
    );
  });

  it('train: equals conv then train-mode BatchNorm, statistics updated as BatchNorm', () => {
    leakFree(() => {
      const config: ConvBatchNorm2dConfig = { inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, momentum: 0.3 };
      const [params, state] = randomised(config, 5);
      const x = t(data([2, 2, 4, 4], 6));
      const [s2, y] = convBatchNorm2d(config).step(params, state, x, trainCtx(k0));
      const z = conv2d({ ...config, bias: false }).step({ weight: params.conv.weight }, {}, x, evalCtx(k0))[1];
      const [bs, by] = batchNorm2d({ numFeatures: 3, momentum: 0.3 }).step(params.bn, state.bn, z, trainCtx(k0));
      expect(maxDiff(y, by)).toBeLessThan(1e-5);
      expect(maxDiff(s2.bn.runningVar, bs.runningVar)).toBeLessThan(1e-6);
    });
  });

  it('scaleFusedBias(k, b): fusedBias → k·fusedBias + b exactly; the running mean is scaled by k', () => {
    fc.assert(
      fc.property(
        fc.option(fc.double({ min: -2, max: 2, noNaN: true }), { nil: null }),
        fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: null }),
        fc.nat(1000),
        (k, b, seed) => {
          const config: ConvBatchNorm2dConfig = { inChannels: 2, outChannels: 3, kernelSize: 3 };
          leakFree(() => {
            const [params, state] = randomised(config, seed);
            const before = fusedBias(config, params, state);
            const [p2, s2] = scaleFusedBias(params, state, k, b);
            const want = tf.add(tf.mul(before, k ?? 1), b ?? 0);
            expect(maxDiff(fusedBias(config, p2, s2), want)).toBeLessThan(1e-5);
            expect(maxDiff(s2.bn.runningMean, tf.mul(state.bn.runningMean, k ?? 1))).toBeLessThan(1e-6);
            expect(maxDiff(fusedWeight(config, p2, s2), fusedWeight(config, params, state))).toBe(0);
          });
        },
      ),
      { numRuns: 20 },
    );
  });

  it('scaleFusedWeight(k, b) follows the code, not the docstring: fusedWeight → k·fusedWeight + b·γ/√(var + ε)', () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 1, noNaN: true }), fc.nat(1000), (k, b, seed) => {
        const config: ConvBatchNorm2dConfig = { inChannels: 2, outChannels: 3, kernelSize: 2 };
        leakFree(() => {
          const [params, state] = randomised(config, seed);
          const before = fusedWeight(config, params, state);
          const [p2, s2] = scaleFusedWeight(params, state, k, b);
          const scale = tf.reshape(tf.div(params.bn.weight, tf.sqrt(tf.add(state.bn.runningVar, 1e-5))), [-1, 1, 1, 1]);
          expect(maxDiff(fusedWeight(config, p2, s2), tf.add(tf.mul(before, k), tf.mul(scale, b)))).toBeLessThan(1e-5);
          // the docstring's "weight·k + b" is off wherever γ/√(var + ε) ≠ 1
          expect(maxDiff(fusedWeight(config, p2, s2), tf.add(tf.mul(before, k), b))).toBeGreaterThan(1e-3);
          expect(maxDiff(fusedBias(config, p2, s2), fusedBias(config, params, state))).toBe(0);
        });
      }),
      { numRuns: 20 },
    );
  });

  it('the scaling helpers are pure: their arguments are unchanged, null skips a term', () => {
    leakFree(() => {
      const config: ConvBatchNorm2dConfig = { inChannels: 2, outChannels: 2, kernelSize: 1 };
      const [params, state] = randomised(config, 1);
      const w0 = params.conv.weight.arraySync();
      const [p2] = scaleFusedWeight(params, state, null, null);
      expect(maxDiff(p2.conv.weight, params.conv.weight)).toBe(0);
      scaleFusedWeight(params, state, 3, 1);
      scaleFusedBias(params, state, 3, 1);
      expect(params.conv.weight.arraySync()).toEqual(w0);
      expect(() => scaleFusedBias(params, state, Number.NaN, null)).toThrow(/scaleFusedBias: argument 'k'/);
    });
  });

  it('satisfies the law kit in eval and train mode', () => {
    const config: ConvBatchNorm2dConfig = { inChannels: 1, outChannels: 2, kernelSize: 2 };
    const layer = convBatchNorm2d(config);
    const params = layer.init(k0);
    checkLayerLaws({ name: 'convBatchNorm2d(eval)', layer, params, tol: { atol: 1e-5, rtol: 1e-5 } }, [1, 3, 3], { numRuns: 5 });
    checkLayerLaws({ name: 'convBatchNorm2d(train)', layer, params, training: true, tol: { atol: 1e-5, rtol: 1e-4 } }, [1, 3, 3], {
      mixesBatch: true,
      numRuns: 5,
    });
    dispose(params);
  });

  it('rejects wrong ranks and channels, naming the argument', () => {
    leakFree(() => {
      const layer = convBatchNorm2d({ inChannels: 2, outChannels: 2, kernelSize: 3 });
      const p = layer.init(k0);
      const s = layer.initialState(p, [1, 2, 4, 4], k0);
      expect(() => layer.step(p, s, tf.zeros([2, 4, 4]), evalCtx(k0))).toThrow(/convBatchNorm2d: argument 'x' expected rank 4/);
      expect(() => layer.step(p, s, tf.zeros([1, 3, 4, 4]), evalCtx(k0))).toThrow(/argument 'x' expected size 2 on axis 1/);
      expect(() => layer.step(p, s, tf.zeros([1, 2, 3, 3]), trainCtx(k0))).toThrow(/more than one value per channel/);
      expect(() => convBatchNorm2d({ inChannels: 2, outChannels: 2, kernelSize: 3, eps: -1 })).toThrow(/argument 'eps'/);
    });
  });
});
