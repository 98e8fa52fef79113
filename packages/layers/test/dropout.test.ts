import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { foldIn, key, evalCtx, trainCtx, scanLayer } from '@spikefn/core';
import { keyArb, checkLayerLaws } from '@spikefn/testing';
import { dropout, dropout2d, dropoutMask, multiStepDropout, multiStepDropout2d } from '../src/dropout.js';
import { data, leakFree, maxDiff, t } from './helpers.js';

const k0 = key(7);
const T = 5;
const B = 3;
const ps = fc.constantFrom(0, 0.1, 0.2, 0.5, 0.8);

describe('dropout / dropout2d (Dropout, Dropout2d)', () => {
  it('the mask is constant over T: y[t] = x[t]·mask for every t, values 0 or 1/(1-p)', () => {
    fc.assert(
      fc.property(ps, keyArb(), (p, k) => {
        leakFree(() => {
          const layer = dropout(p);
          const xs = t(data([T, B, 6], 1, 0.5, 1.5));
          const s0 = layer.initialState({}, [B, 6], k);
          const [sT, ys] = scanLayer(layer, {}, s0, xs, trainCtx(k));
          const masks = tf.div(ys, xs); // x ≠ 0
          const first = tf.gather(masks, 0);
          for (let i = 1; i < T; i++) expect(maxDiff(tf.gather(masks, i), first)).toBeLessThan(1e-6);
          expect((sT as { mask: tf.Tensor }).mask).toBe(s0.mask);
          const vals = new Set(Array.from(s0.mask.dataSync()));
          for (const v of vals) expect([0, Math.fround(1 / (1 - p))]).toContain(v);
        });
      }),
      { numRuns: 15 },
    );
  });

  it('the mask changes with the key and is the same for the same key', () => {
    leakFree(() => {
      const layer = dropout(0.5);
      const a = layer.initialState({}, [8, 32], key(1)).mask;
      const a2 = layer.initialState({}, [8, 32], key(1)).mask;
      const b = layer.initialState({}, [8, 32], key(2)).mask;
      expect(maxDiff(a, a2)).toBe(0);
      expect(maxDiff(a, b)).toBeGreaterThan(0);
    });
  });

  it('the mean of outputs over keys is the input (within 5 standard errors)', () => {
    leakFree(() => {
      for (const p of [0.2, 0.5, 0.7]) {
        const n = 20000;
        const x = tf.fill([n], 0.8);
        const y = dropout(p).step({}, { mask: dropoutMask(key(Math.round(p * 10)), p, [n]) }, x, trainCtx(k0))[1];
        const mean = tf.mean(y).dataSync()[0] as number;
        const se = (0.8 * Math.sqrt(p / (1 - p))) / Math.sqrt(n); // std of x·m/(1-p), m ~ Bernoulli(1-p)
        expect(Math.abs(mean - 0.8)).toBeLessThan(5 * se);
      }
    });
  });

  it('dropout2d drops whole channels: one decision per (sample, channel), constant over H, W', () => {
    fc.assert(
      fc.property(keyArb(), (k) => {
        leakFree(() => {
          const layer = dropout2d(0.5);
          const s = layer.initialState({}, [B, 6, 3, 4], k);
          expect(s.mask.shape).toEqual([B, 6, 1, 1]);
          const y = layer.step({}, s, tf.ones([B, 6, 3, 4]), trainCtx(k))[1];
          const perChannel = tf.sub(tf.max(y, [2, 3]), tf.min(y, [2, 3]));
          expect(tf.max(perChannel).dataSync()[0]).toBe(0);
        });
      }),
      { numRuns: 10 },
    );
  });

  it('defaults p = 0.5 (dropout) and 0.2 (dropout2d), read off the mask values 1/(1-p)', () => {
    leakFree(() => {
      const m1 = dropout().initialState({}, [64, 64], k0).mask;
      const m2 = dropout2d().initialState({}, [64, 64, 1, 1], k0).mask;
      expect(tf.max(m1).dataSync()[0]).toBe(Math.fround(2));
      expect(tf.max(m2).dataSync()[0]).toBe(Math.fround(1 / 0.8));
    });
  });

  it('is the identity when not training', () => {
    leakFree(() => {
      const x = t(data([B, 4, 2, 2], 3));
      for (const layer of [dropout(0.9), dropout2d(0.9)]) {
        const s = layer.initialState({}, x.shape, k0);
        expect(maxDiff(layer.step({}, s, x, evalCtx(k0))[1], x)).toBe(0);
      }
    });
  });

  it('satisfies the law kit in train mode (masks depend on the batch shape: no batch-independence law)', () => {
    checkLayerLaws({ name: 'dropout', layer: dropout(0.4), params: {}, training: true }, [5], { mixesBatch: true, numRuns: 8 });
    checkLayerLaws({ name: 'dropout2d', layer: dropout2d(0.4), params: {}, training: true }, [3, 2, 2], { mixesBatch: true, numRuns: 8 });
  });

  it('rejects p outside [0, 1), wrong ranks and inputs that do not fit the mask, naming the argument', () => {
    leakFree(() => {
      expect(() => dropout(1)).toThrow(/dropout: argument 'p' expected a probability in \[0, 1\), got 1/);
      expect(() => dropout(-0.1)).toThrow(/argument 'p'/);
      expect(() => dropout2d(1.5)).toThrow(/dropout2d: argument 'p'/);
      expect(() => multiStepDropout(2)).toThrow(/argument 'p'/);
      expect(() => dropout2d().initialState({}, [2, 3], k0)).toThrow(/dropout2d: argument 'inputShape' expected rank 4/);
      const layer = dropout(0.5);
      const s = layer.initialState({}, [2, 3], k0);
      expect(() => layer.step({}, s, tf.zeros([3, 3]), trainCtx(k0))).toThrow(/dropout: argument 'x mask shape'/);
    });
  });
});

describe('multiStepDropout / multiStepDropout2d (MultiStepDropout, MultiStepDropout2d)', () => {
  it("equals the single-step layer run over T with the same initial key (mask from x_seq[0]'s shape)", () => {
    fc.assert(
      fc.property(keyArb(), fc.constantFrom(0.2, 0.5), (k, p) => {
        leakFree(() => {
          const pairs = [
            [multiStepDropout(p), dropout(p), [T, B, 4]],
            [multiStepDropout2d(p), dropout2d(p), [T, B, 3, 2, 2]],
          ] as const;
          for (const [ms, single, shape] of pairs) {
            const xs = t(data([...shape], 4));
            const s = ms.initialState({}, shape, k);
            const [, ys] = ms.step({}, s, xs, trainCtx(foldIn(k, 1)));
            const [, ys2] = scanLayer(single, {}, single.initialState({}, shape.slice(1), k), xs, trainCtx(k));
            expect(maxDiff(ys, ys2)).toBe(0);
            expect(ms.outputShape({}, shape)).toEqual([...shape]);
          }
        });
      }),
      { numRuns: 8 },
    );
  });

  it('defaults p = 0.5 for both multi-step variants', () => {
    leakFree(() => {
      expect(tf.max(multiStepDropout2d().initialState({}, [2, 64, 64, 1, 1], k0).mask).dataSync()[0]).toBe(2);
      expect(tf.max(multiStepDropout().initialState({}, [2, 64, 64], k0).mask).dataSync()[0]).toBe(2);
    });
  });

  it('is the identity when not training, and rejects input without a time axis', () => {
    leakFree(() => {
      const ms = multiStepDropout(0.5);
      const xs = t(data([T, B, 4], 5));
      expect(maxDiff(ms.step({}, ms.initialState({}, xs.shape, k0), xs, evalCtx(k0))[1], xs)).toBe(0);
      expect(() => ms.initialState({}, [4], k0)).toThrow(/argument 'inputShape' expected rank >= 2/);
    });
  });
});
