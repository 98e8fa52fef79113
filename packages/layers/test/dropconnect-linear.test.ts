import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { foldIn, key, evalCtx, trainCtx, treeDispose as dispose } from '@spikefn/core';
import { keyArb, checkLayerLaws } from '@spikefn/testing';
import { dropConnectLinear, dropConnectMasks, dropConnectMoments } from '../src/dropconnect-linear.js';
import { at, build, data, expectClose, leakFree, maxDiff, t, type Nd } from './helpers.js';

const k0 = key(10);
const [IN, OUT, B] = [4, 3, 2];

/** act(Σ_i W[o,i]·M[b,o,i]·x[b,i] + b[o]·m[b,o]), no rescaling, in plain numbers. */
const reference = (w: Nd, bias: Nd, mw: Nd, mb: Nd, x: Nd, relu: boolean): Nd =>
  build([B, OUT], ([n, o]) => {
    let s = at(bias, [o as number]) * at(mb, [n as number, o as number]);
    for (let i = 0; i < IN; i++) s += at(w, [o as number, i]) * at(mw, [n as number, o as number, i]) * at(x, [n as number, i]);
    return relu ? Math.max(0, s) : s;
  });

describe('dropConnectLinear (DropConnectLinear)', () => {
  it('train: y = act((W ⊙ M[b])·x[b] + b ⊙ m[b]) with per-sample keep-masks and no 1/(1-p) rescaling', () => {
    fc.assert(
      fc.property(keyArb(), fc.constantFrom(0.2, 0.5), fc.boolean(), (k, p, relu) => {
        leakFree(() => {
          const layer = dropConnectLinear({ inFeatures: IN, outFeatures: OUT, p, activation: relu ? tf.relu : null });
          const params = layer.init(k0);
          const x = data([B, IN], 3);
          const y = layer.step(params, layer.initialState(params, [B, IN], k), t(x), trainCtx(k))[1];
          const m = dropConnectMasks(k, p, B, OUT, IN, true);
          const want = reference(
            params.weight.arraySync() as Nd,
            params.bias?.arraySync() as Nd,
            m.maskW.arraySync() as Nd,
            m.maskB?.arraySync() as Nd,
            x,
            relu,
          );
          expectClose(y, want);
        });
      }),
      { numRuns: 15 },
    );
  });

  it('masks are 0/1 with keep probability 1 - p, one per sample (within 5 standard errors)', () => {
    leakFree(() => {
      for (const p of [0.2, 0.5, 0.8]) {
        const { maskW, maskB } = dropConnectMasks(key(Math.round(p * 10)), p, 500, 5, 8, true);
        const n = maskW.size;
        expect(Math.abs((tf.mean(maskW).dataSync()[0] as number) - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
        expect(new Set(maskW.dataSync())).toEqual(new Set([0, 1]));
        expect(maskB?.shape).toEqual([500, 5]);
        const [a, b] = tf.split(maskW, [1, 499]) as [tf.Tensor, tf.Tensor];
        expect(tf.any(tf.notEqual(a, b)).dataSync()[0]).toBe(1);
      }
    });
  });

  it("invariant: the masks come from initialState's key and stay fixed over steps; otherwise they change every step", () => {
    leakFree(() => {
      const x = t(data([B, IN], 4, 0.5, 1.5));
      for (const invariant of [true, false]) {
        const layer = dropConnectLinear({ inFeatures: IN, outFeatures: OUT, p: 0.5, invariant, activation: null });
        const params = layer.init(k0);
        let s = layer.initialState(params, [B, IN], k0);
        const ys: tf.Tensor[] = [];
        for (let i = 0; i < 4; i++) {
          const [s2, y] = layer.step(params, s, x, trainCtx(foldIn(k0, i + 1)));
          ys.push(y);
          s = s2;
        }
        const allSame = ys.every((y) => maxDiff(y, ys[0] as tf.Tensor) === 0);
        expect(allSame).toBe(invariant);
      }
    });
  });

  it('eval: μ = (1-p)(xWᵀ + b), σ² = p(1-p)(x²(W²)ᵀ + b²) in plain numbers', () => {
    fc.assert(
      fc.property(fc.constantFrom(0.1, 0.5, 0.9), fc.nat(1000), (p, seed) => {
        const w = data([OUT, IN], seed);
        const b = data([OUT], seed + 1);
        const x = data([B, IN], seed + 2);
        const mu = build(
          [B, OUT],
          ([n, o]) =>
            (1 - p) * ((b as number[])[o as number] as number) +
            (1 - p) * [0, 1, 2, 3].reduce((s, i) => s + at(w, [o as number, i]) * at(x, [n as number, i]), 0),
        );
        const s2 = build(
          [B, OUT],
          ([n, o]) =>
            p *
            (1 - p) *
            (((b as number[])[o as number] as number) ** 2 +
              [0, 1, 2, 3].reduce((s, i) => s + at(w, [o as number, i]) ** 2 * at(x, [n as number, i]) ** 2, 0)),
        );
        leakFree(() => {
          const m = dropConnectMoments({ weight: t(w), bias: t(b) }, t(x), p);
          expectClose(m.mu, mu);
          expectClose(m.sigma2, s2);
        });
      }),
      { numRuns: 10 },
    );
  });

  it('eval: without activation the output is the mean of samplesNum normal draws around μ (within 5 standard errors)', () => {
    leakFree(() => {
      const S = 4096;
      const layer = dropConnectLinear({ inFeatures: IN, outFeatures: OUT, p: 0.5, samplesNum: S, activation: null });
      const params = layer.init(k0);
      const x = t(data([B, IN], 5));
      const { mu, sigma2 } = dropConnectMoments(params, x, 0.5);
      const y = layer.step(params, {}, x, evalCtx(k0))[1];
      const z = tf.div(tf.sub(y, mu), tf.sqrt(tf.div(sigma2, S)));
      expect(tf.max(tf.abs(z)).dataSync()[0]).toBeLessThan(5);
    });
  });

  it('eval: where σ = 0 (no bias, all-zero input row) it returns act(μ) exactly instead of failing', () => {
    leakFree(() => {
      const layer = dropConnectLinear({ inFeatures: 3, outFeatures: 2, bias: false });
      const params = layer.init(k0);
      const x = tf.tensor([
        [0, 0, 0],
        [1, 1, 1],
      ]);
      const y = layer.step(params, {}, x, evalCtx(k0))[1];
      expect(Array.from(tf.slice(y, [0, 0], [1, 2]).dataSync())).toEqual([0, 0]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      const g = tf.grad((xx: tf.Tensor) => tf.sum(layer.step(params, {}, xx, evalCtx(k0))[1]))(x);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  it('satisfies the law kit in train mode (invariant and not) and in eval mode', () => {
    for (const [invariant, training] of [
      [true, true],
      [false, true],
      [false, false],
    ] as const) {
      const layer = dropConnectLinear({ inFeatures: IN, outFeatures: OUT, p: 0.3, invariant, samplesNum: 16 });
      const params = layer.init(k0);
      checkLayerLaws(
        {
          name: `dropConnectLinear(invariant=${invariant}, training=${training})`,
          layer,
          params,
          training,
          tol: { atol: 1e-6, rtol: 1e-5 },
        },
        [IN],
        { mixesBatch: true, numRuns: 6 },
      );
      dispose(params);
    }
  });

  it('rejects p outside [0, 1), wrong ranks and sizes, and a batch that differs from the invariant masks', () => {
    leakFree(() => {
      expect(() => dropConnectLinear({ inFeatures: 2, outFeatures: 2, p: 1 })).toThrow(
        /dropConnectLinear: argument 'p' expected a probability in \[0, 1\)/,
      );
      expect(() => dropConnectLinear({ inFeatures: 2, outFeatures: 2, samplesNum: 0 })).toThrow(/argument 'samplesNum'/);
      const layer = dropConnectLinear({ inFeatures: 2, outFeatures: 2, invariant: true });
      const params = layer.init(k0);
      const s = layer.initialState(params, [3, 2], k0);
      expect(() => layer.step(params, s, tf.zeros([3]), trainCtx(k0))).toThrow(/argument 'x' expected rank 2 \(\[B, in\]\)/);
      expect(() => layer.step(params, s, tf.zeros([3, 4]), trainCtx(k0))).toThrow(/argument 'x' expected size 2 on axis 1 \(inFeatures\)/);
      expect(() => layer.step(params, s, tf.zeros([4, 2]), trainCtx(k0))).toThrow(/argument 'x \(batch\)' expected shape \[3\]/);
      expect(() => layer.step(params, {}, tf.zeros([3, 2]), trainCtx(k0))).toThrow(/argument 'state' expected the masks from initialState/);
    });
  });
});
