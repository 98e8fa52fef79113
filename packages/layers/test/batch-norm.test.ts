import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, trainCtx, multiStep, seqToANN, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { batchNorm1d, batchNorm2d } from '../src/batch-norm.js';
import { at, build, data, expectClose, flat, leakFree, shapeOf, t, type Nd } from './helpers.js';

const k0 = key(12);

/** Per-channel mean and biased / unbiased variance of `x: [N, C, ...]` in plain numbers. */
function stats(x: Nd): { mean: number[]; biased: number[]; unbiased: number[] } {
  const [, C, ...rest] = shapeOf(x) as [number, number, ...number[]];
  const inner = rest.reduce((a, b) => a * b, 1);
  const per = Array.from({ length: C }, () => [] as number[]);
  flat(x).forEach((v, i) => {
    per[Math.floor(i / inner) % C]?.push(v);
  });
  const mean = per.map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
  const ss = per.map((vs, c) => vs.reduce((a, b) => a + (b - (mean[c] as number)) ** 2, 0));
  return {
    mean,
    biased: ss.map((s, c) => s / (per[c] as number[]).length),
    unbiased: ss.map((s, c) => s / ((per[c] as number[]).length - 1)),
  };
}

describe('batchNorm1d / batchNorm2d (running statistics as state)', () => {
  it('train: normalises with batch mean and biased variance; running stats move towards the mean and UNBIASED variance', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.double({ min: 0, max: 1, noNaN: true }), (seed, momentum) => {
        const x = data([5, 3, 2, 2], seed, -2, 3);
        const gamma = data([3], seed + 1);
        const beta = data([3], seed + 2);
        const rm = data([3], seed + 3);
        const rv = data([3], seed + 4, 0.5, 2);
        const s = stats(x);
        const eps = 1e-5;
        const want = build([5, 3, 2, 2], (idx) => {
          const c = idx[1] as number;
          return ((at(x, idx) - (s.mean[c] as number)) / Math.sqrt((s.biased[c] as number) + eps)) * at(gamma, [c]) + at(beta, [c]);
        });
        leakFree(() => {
          const layer = batchNorm2d({ numFeatures: 3, momentum });
          const [st, y] = layer.step({ weight: t(gamma), bias: t(beta) }, { runningMean: t(rm), runningVar: t(rv) }, t(x), trainCtx(k0));
          expectClose(y, want, 1e-4, 1e-4);
          expectClose(
            st.runningMean,
            (rm as number[]).map((m, c) => (1 - momentum) * m + momentum * (s.mean[c] as number)),
          );
          expectClose(
            st.runningVar,
            (rv as number[]).map((v, c) => (1 - momentum) * v + momentum * (s.unbiased[c] as number)),
          );
        });
      }),
      { numRuns: 20 },
    );
  });

  it('eval: (x - mean)/√(var + ε)·γ + β with the running statistics, state unchanged', () => {
    leakFree(() => {
      const x = data([4, 2, 3], 1);
      const [rm, rv, g, b] = [
        [0.5, -1],
        [2, 0.25],
        [1.5, -0.5],
        [0.1, 0.2],
      ];
      const want = build([4, 2, 3], (idx) => {
        const c = idx[1] as number;
        return ((at(x, idx) - (rm[c] as number)) / Math.sqrt((rv[c] as number) + 1e-5)) * (g[c] as number) + (b[c] as number);
      });
      const state = { runningMean: t(rm), runningVar: t(rv) };
      const [s2, y] = batchNorm1d({ numFeatures: 2 }).step({ weight: t(g), bias: t(b) }, state, t(x), evalCtx(k0));
      expectClose(y, want);
      expect(s2).toBe(state);
    });
  });

  it('in multiStep a train-mode BatchNorm sees T mini-batches (T updates); in seqToANN one batch of T·B (one update)', () => {
    leakFree(() => {
      const [T, B, C] = [4, 3, 2];
      const xs = data([T, B, C], 7, -1, 2);
      const bn = batchNorm1d({ numFeatures: C, momentum: 0.5 });
      const params = bn.init(k0);
      const ms = multiStep(bn);
      const [sMs] = ms.step(params, ms.initialState(params, [T, B, C], k0), t(xs), trainCtx(k0));
      let m = [0, 0];
      for (const batch of xs as Nd[])
        m = m.map((v, c) => 0.5 * v + 0.5 * (stats(build([B, C], ([b, cc]) => at(batch, [b as number, cc as number]))).mean[c] as number));
      expectClose(sMs.runningMean, m);
      const sa = seqToANN(bn);
      const [sSa] = sa.step(params, sa.initialState(params, [T, B, C], k0), t(xs), trainCtx(k0));
      const all = stats(build([T * B, C], ([r, c]) => at(xs, [Math.floor((r as number) / B), (r as number) % B, c as number])));
      expectClose(
        sSa.runningMean,
        all.mean.map((v) => 0.5 * v),
      );
      expectClose(
        sSa.runningVar,
        all.unbiased.map((v) => 0.5 + 0.5 * v),
      );
    });
  });

  it('starts at γ = 1, β = 0, mean = 0, var = 1', () => {
    leakFree(() => {
      const bn = batchNorm2d({ numFeatures: 3 });
      const p = bn.init(k0);
      const s = bn.initialState(p, [2, 3, 4, 4], k0);
      expect([...p.weight.dataSync(), ...p.bias.dataSync(), ...s.runningMean.dataSync(), ...s.runningVar.dataSync()]).toEqual([
        1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1,
      ]);
    });
  });

  it('satisfies the law kit in eval mode, and in train mode without the batch law', () => {
    const bn = batchNorm1d({ numFeatures: 3 });
    const params = bn.init(k0);
    checkLayerLaws({ name: 'batchNorm1d(eval)', layer: bn, params, tol: { atol: 1e-6, rtol: 1e-5 } }, [3], { numRuns: 6 });
    checkLayerLaws({ name: 'batchNorm1d(train)', layer: bn, params, training: true, tol: { atol: 1e-5, rtol: 1e-4 } }, [3, 2], {
      mixesBatch: true,
      numRuns: 6,
    });
    dispose(params);
  });

  it('rejects wrong ranks and channel counts, and a single value per channel in train mode', () => {
    leakFree(() => {
      const bn2 = batchNorm2d({ numFeatures: 3 });
      const p = bn2.init(k0);
      const s = bn2.initialState(p, [2, 3, 2, 2], k0);
      expect(() => bn2.step(p, s, tf.zeros([2, 3, 4]), evalCtx(k0))).toThrow(/batchNorm2d: argument 'x' expected rank 4/);
      expect(() => bn2.step(p, s, tf.zeros([2, 4, 2, 2]), evalCtx(k0))).toThrow(/argument 'x' expected size 3 on axis 1 \(numFeatures\)/);
      expect(() => bn2.step(p, s, tf.zeros([1, 3, 1, 1]), trainCtx(k0))).toThrow(/more than one value per channel/);
      expect(() => batchNorm1d({ numFeatures: 2, momentum: 2 })).toThrow(/argument 'momentum'/);
      expect(() => batchNorm1d({ numFeatures: 2, eps: 0 })).toThrow(/argument 'eps'/);
    });
  });
});
