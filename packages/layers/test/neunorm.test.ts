import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, scanLayer, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws, sequenceInputs, spikeData } from '@spikefn/testing';
import { neuNorm } from '../src/neunorm.js';
import { at, build, data, expectClose, leakFree, shapeOf, t, type Nd } from './helpers.js';

const k0 = key(3);

/** NeuNorm in plain numbers: x = k·x + (1-k)/C²·Σ_c s, y = s - w·x. */
function reference(xs: Nd, w: Nd, k: number, shared: boolean): { ys: Nd; states: Nd } {
  const [T, B, c, h, wd] = shapeOf(xs) as [number, number, number, number, number];
  let x = build([B, 1, h, wd], () => 0);
  const ys: Nd[] = [];
  const states: Nd[] = [];
  for (let tt = 0; tt < T; tt++) {
    const prev = x;
    x = build([B, 1, h, wd], ([b, , i, j]) => {
      let sum = 0;
      for (let ch = 0; ch < c; ch++) sum += at(xs, [tt, b as number, ch, i as number, j as number]);
      return k * at(prev, [b as number, 0, i as number, j as number]) + ((1 - k) / (c * c)) * sum;
    });
    const cur = x;
    ys.push(
      build(
        [B, c, h, wd],
        ([b, ch, i, j]) =>
          at(xs, [tt, b as number, ch as number, i as number, j as number]) -
          at(w, [shared ? 0 : (ch as number), i as number, j as number]) * at(cur, [b as number, 0, i as number, j as number]),
      ),
    );
    states.push(cur);
  }
  return { ys, states };
}

describe('neuNorm (NeuNorm)', () => {
  it('equals the plain-number recurrence x = k·x + (1-k)/C²·Σ_c s, y = s - w·x (both w shapes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (C, H, shared, k, seed) => {
          const [T, B, W] = [4, 2, 3];
          const xs = data([T, B, C, H, W], seed, 0, 1.2);
          const w = data([shared ? 1 : C, H, W], seed + 1);
          leakFree(() => {
            const layer = neuNorm({ inChannels: C, height: H, width: W, k, sharedAcrossChannels: shared });
            const params = { w: t(w) };
            const ref = reference(xs, w, k, shared);
            const [, ys] = scanLayer(layer, params, layer.initialState(params, [B, C, H, W], k0), t(xs), evalCtx(k0));
            expectClose(ys, ref.ys);
          });
        },
      ),
      { numRuns: 20 },
    );
  });

  it("keeps SpikingJelly's C²: under a constant input the state settles at mean_c(s)/C, not mean_c(s)", () => {
    leakFree(() => {
      const C = 4;
      const layer = neuNorm({ inChannels: C, height: 2, width: 2, k: 0.5 });
      const params = layer.init(k0);
      const s = t(build([1, C, 2, 2], ([, c]) => ((c as number) % 2 === 0 ? 1 : 0))); // channel mean 0.5
      let state = layer.initialState(params, [1, C, 2, 2], k0);
      for (let i = 0; i < 60; i++) state = layer.step(params, state, s, evalCtx(k0))[0];
      expectClose(
        state.x,
        build([1, 1, 2, 2], () => 0.5 / C),
        1e-6,
        0,
      );
    });
  });

  it('initialises w as kaiming_uniform(a = √5) on [C|1, H, W]: |w| <= 1/√(H·W), shape by sharing', () => {
    leakFree(() => {
      const a = neuNorm({ inChannels: 3, height: 4, width: 5 }).init(k0);
      const b = neuNorm({ inChannels: 3, height: 4, width: 5, sharedAcrossChannels: true }).init(k0);
      expect(a.w.shape).toEqual([3, 4, 5]);
      expect(b.w.shape).toEqual([1, 4, 5]);
      expect(tf.max(tf.abs(a.w)).dataSync()[0]).toBeLessThanOrEqual(1 / Math.sqrt(20));
    });
  });

  it('satisfies the law kit (per-channel and shared w)', () => {
    for (const shared of [false, true]) {
      const layer = neuNorm({ inChannels: 3, height: 2, width: 2, k: 0.8, sharedAcrossChannels: shared });
      const params = layer.init(k0);
      checkLayerLaws({ name: `neuNorm(shared=${shared})`, layer, params }, [3, 2, 2], {
        inputs: sequenceInputs([3, 2, 2], 0, 1).chain((d) => spikeData(d.shape)),
        numRuns: 8,
      });
      dispose(params);
    }
  });

  it('rejects wrong ranks, sizes and k, naming the argument', () => {
    leakFree(() => {
      const layer = neuNorm({ inChannels: 2, height: 3, width: 3 });
      const params = layer.init(k0);
      const state = layer.initialState(params, [1, 2, 3, 3], k0);
      expect(() => layer.step(params, state, tf.zeros([2, 3, 3]), evalCtx(k0))).toThrow(/neuNorm: argument 'x' expected rank 4/);
      expect(() => layer.step(params, state, tf.zeros([1, 3, 3, 3]), evalCtx(k0))).toThrow(
        /argument 'x' expected size 2 on axis 1 \(inChannels\)/,
      );
      expect(() => layer.step(params, state, tf.zeros([1, 2, 3, 4]), evalCtx(k0))).toThrow(
        /argument 'x' expected size 3 on axis 3 \(width\)/,
      );
      expect(() => layer.step(params, state, tf.zeros([2, 2, 3, 3]), evalCtx(k0))).toThrow(/argument 'x \(batch\)'/);
      expect(() => layer.initialState(params, [2, 3], k0)).toThrow(/argument 'inputShape' expected rank 4/);
      expect(() => neuNorm({ inChannels: 2, height: 3, width: 3, k: 1.5 })).toThrow(/argument 'k'/);
      expect(() => neuNorm({ inChannels: 0, height: 3, width: 3 })).toThrow(/argument 'inChannels'/);
    });
  });
});
