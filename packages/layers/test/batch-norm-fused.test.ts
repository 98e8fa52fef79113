// The fused train-mode BatchNorm (@spikefn/kernels' SpikefnBatchNormForward / -Backward, cpu and wasm) against the
// composed reference (`batchNormApply(..., fused: false)`: tf.moments and broadcasting ops differentiated by tfjs), and
// against a hand-derived case. Runs on the backend of SPIKEFN_BACKEND (cpu by default; wasm too).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, trainCtx } from '@spikefn/core';
import { BATCH_NORM_FORWARD, hasKernel, isRegistered } from '@spikefn/kernels';
import { batchNorm1d, batchNormApply, batchNormSettings, type BatchNormParams, type BatchNormState } from '../src/batch-norm.js';
import { data, leakFree, maxDiff, t } from './helpers.js';

const backend = tf.getBackend();

/** y and the gradients of sum(y · c) with respect to x, γ and β, plus the new running statistics. */
function run(fused: boolean, x: tf.Tensor, params: BatchNormParams, state: BatchNormState, c: tf.Tensor, eps: number, momentum: number) {
  const s = batchNormSettings('test', { numFeatures: x.shape[1] as number, eps, momentum });
  const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(batchNormApply(s, { weight: g, bias: b }, state, xx, true, fused)[1], c));
  const [st, y] = batchNormApply(s, params, state, x, true, fused);
  const { grads } = tf.valueAndGrads(f)([x, params.weight, params.bias]);
  return { y, grads, state: st };
}

describe(`fused train-mode BatchNorm (${backend})`, () => {
  it('has its kernels on cpu and wasm', () => {
    const expected = backend === 'cpu' || backend === 'wasm';
    expect(hasKernel(BATCH_NORM_FORWARD)).toBe(expected);
    expect(isRegistered('SpikefnBatchNormBackward', backend)).toBe(expected);
  });

  it('a hand-derived case: x = [1, 3] per channel → mean 2, variance 1, y = ±γ/√(1 + ε) + β; dβ = Σc, dγ = Σ c·x̂', () => {
    leakFree(() => {
      const eps = 1e-5;
      // x: [N=2, C=2]; channel 0 = {1, 3}, channel 1 = {-4, 0} (mean -2, variance 4)
      const x = t([
        [1, -4],
        [3, 0],
      ]);
      const params = { weight: t([2, 0.5]), bias: t([1, -1]) };
      const state = { runningMean: t([0, 0]), runningVar: t([1, 1]) };
      const c = t([
        [1, 2],
        [3, -1],
      ]);
      const r = run(true, x, params, state, c, eps, 0.1);
      const r0 = 1 / Math.sqrt(1 + eps);
      const r1 = 1 / Math.sqrt(4 + eps);
      const y = r.y.arraySync() as number[][];
      expect(y[0]?.[0]).toBeCloseTo(-2 * r0 + 1, 6);
      expect(y[1]?.[0]).toBeCloseTo(2 * r0 + 1, 6);
      expect(y[0]?.[1]).toBeCloseTo(-0.5 * 2 * r1 - 1, 6);
      expect(y[1]?.[1]).toBeCloseTo(0.5 * 2 * r1 - 1, 6);
      const [dx, dg, db] = r.grads.map((g) => g.arraySync()) as [number[][], number[], number[]];
      // x̂ = (−r0, r0) and (−2·r1, 2·r1)
      expect(db).toEqual([4, 1]);
      expect(dg[0]).toBeCloseTo(1 * -r0 + 3 * r0, 6);
      expect(dg[1]).toBeCloseTo(2 * -2 * r1 + -1 * 2 * r1, 6);
      // dx = γ·r·(c − Σc/n − x̂·Σ(c·x̂)/n): channel 0, n = 2: γ·r0·(1 − 2 − (−r0)·(2·r0)/2) = 2·r0·(−1 + r0²)
      expect(dx[0]?.[0]).toBeCloseTo(2 * r0 * (-1 + r0 * r0), 6);
      expect(dx[1]?.[0]).toBeCloseTo(2 * r0 * (1 - r0 * r0), 6);
      // running statistics: mean' = 0.9·0 + 0.1·2, var' = 0.9·1 + 0.1·1·2/1 (unbiased)
      expect(r.state.runningMean.arraySync()).toEqual([expect.closeTo(0.2, 6), expect.closeTo(-0.2, 6)]);
      expect(r.state.runningVar.arraySync()).toEqual([expect.closeTo(1.1, 6), expect.closeTo(0.9 + 0.1 * 8, 5)]);
    });
  });

  it('equals the composed ops (values, running statistics, gradients of x, γ, β) on random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 }),
        fc.nat(1000),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (N, C, rest, seed, offset) => {
          const shape = [N, C, ...rest];
          if (shape.reduce((a, b) => a * b, 1) / C < 2) return;
          leakFree(() => {
            const x = tf.add(t(data(shape, seed, -2, 2)), offset);
            const params = { weight: t(data([C], seed + 1)), bias: t(data([C], seed + 2)) };
            const state = { runningMean: t(data([C], seed + 3)), runningVar: t(data([C], seed + 4, 0.5, 2)) };
            const c = t(data(shape, seed + 5));
            const a = run(true, x, params, state, c, 1e-5, 0.1);
            const b = run(false, x, params, state, c, 1e-5, 0.1);
            expect(maxDiff(a.y, b.y)).toBeLessThan(1e-4);
            expect(maxDiff(a.state.runningMean, b.state.runningMean)).toBeLessThan(1e-5);
            expect(maxDiff(a.state.runningVar, b.state.runningVar)).toBeLessThan(1e-4);
            a.grads.forEach((g, i) => {
              const want = b.grads[i] as tf.Tensor;
              expect(g.shape).toEqual(want.shape);
              const scale = Math.max(
                1,
                tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0] as number),
              );
              expect(maxDiff(g, want)).toBeLessThan(2e-4 * scale);
            });
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('leaves numTensors unchanged apart from its outputs, forward and backward (batchNorm1d.step)', () => {
    const layer = batchNorm1d({ numFeatures: 3 });
    const x = t(data([4, 3, 5], 7));
    const params = { weight: t(data([3], 8)), bias: t(data([3], 9)) };
    const state = layer.initialState(params, x.shape, key(0));
    const ctx = trainCtx(key(1));
    const before = tf.memory().numTensors;
    const [st, y] = layer.step(params, state, x, ctx);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([st.runningMean, st.runningVar, y]);
    const g = tf.grads((xx: tf.Tensor, w: tf.Tensor) => {
      const [s2, yy] = layer.step({ weight: w, bias: params.bias }, state, xx, ctx);
      tf.dispose([s2.runningMean, s2.runningVar]);
      return tf.sum(yy);
    });
    const gs = g([x, params.weight]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([...gs, x, params.weight, params.bias, state.runningMean, state.runningVar]);
  });
});
