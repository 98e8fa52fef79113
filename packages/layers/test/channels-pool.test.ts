import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { channelsPool } from '../src/channels-pool.js';
import { at, build, data, expectClose, leakFree, t } from './helpers.js';

const k0 = key(9);

describe('channelsPool (ChannelsPool)', () => {
  it('pools the channel vector at every (sample, position): max pads with -∞, avg counts the padding', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('max' as const, 'avg' as const),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 4, max: 9 }),
        fc.nat(1000),
        (mode, kernel, stride, pad, C, seed) => {
          fc.pre(2 * pad <= kernel);
          const [N, H, W] = [2, 2, 3];
          const x = data([N, C, H, W], seed);
          const cOut = Math.floor((C + 2 * pad - kernel) / stride) + 1;
          const want = build([N, cOut, H, W], ([n, c, i, j]) => {
            const vals: number[] = [];
            for (let u = 0; u < kernel; u++) {
              const ch = (c as number) * stride + u - pad;
              vals.push(ch >= 0 && ch < C ? at(x, [n as number, ch, i as number, j as number]) : mode === 'max' ? -Infinity : 0);
            }
            return mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / kernel;
          });
          leakFree(() => {
            const layer = channelsPool({ mode, kernelSize: kernel, stride, padding: pad });
            expect(layer.outputShape({}, [N, C, H, W])).toEqual([N, cOut, H, W]);
            expectClose(layer.step({}, {}, t(x), evalCtx(k0))[1], want);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('works on [N, C, L] and [N, C, D, H, W] (any spatial rank); stride defaults to the kernel size', () => {
    leakFree(() => {
      const layer = channelsPool({ mode: 'avg', kernelSize: 2 });
      expect(layer.step({}, {}, tf.ones([2, 6, 5]), evalCtx(k0))[1].shape).toEqual([2, 3, 5]);
      expect(layer.step({}, {}, tf.ones([1, 4, 2, 3, 2]), evalCtx(k0))[1].shape).toEqual([1, 2, 2, 3, 2]);
    });
  });

  it('satisfies the law kit (stateless)', () => {
    checkLayerLaws({ name: 'channelsPool', layer: channelsPool({ mode: 'max', kernelSize: 2 }), params: {} }, [4, 3], { numRuns: 6 });
  });

  it('rejects rank < 3, too few channels, padding over half the kernel and unknown modes, naming the argument', () => {
    leakFree(() => {
      const layer = channelsPool({ mode: 'max', kernelSize: 3 });
      expect(() => layer.step({}, {}, tf.zeros([2, 8]), evalCtx(k0))).toThrow(/channelsPool: argument 'x' expected rank >= 3/);
      expect(() => layer.step({}, {}, tf.zeros([2, 2, 4]), evalCtx(k0))).toThrow(/channelsPool: argument 'x' expected at least 3 channels/);
      expect(() => channelsPool({ mode: 'max', kernelSize: 2, padding: 2 })).toThrow(
        /argument 'padding' expected at most half the kernel size/,
      );
      expect(() => channelsPool({ mode: 'min' as 'max', kernelSize: 2 })).toThrow(/argument 'mode' expected one of 'max', 'avg'/);
      expect(() => channelsPool({ mode: 'avg', kernelSize: 0 })).toThrow(/argument 'kernelSize'/);
    });
  });
});
