import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, scanLayer, treeDispose as dispose } from '@spikefn/core';
import { checkLayerLaws, sequenceInputs, spikeData } from '@spikefn/testing';
import { synapseFilter } from '../src/synapse-filter.js';
import { data, expectClose, leakFree, t } from './helpers.js';

const k0 = key(8);
const taus = fc.double({ min: 1.05, max: 200, noNaN: true });

describe('synapseFilter (SynapseFilter)', () => {
  it('equals the plain-number recurrence I = I - (1 - S)·I/τ + S', () => {
    fc.assert(
      fc.property(taus, fc.nat(1000), (tau, seed) => {
        const [T, n] = [7, 5];
        const spikes = (data([T, n], seed, 0, 1) as number[][]).map((row) => row.map((u) => (u < 0.3 ? 1 : u < 0.4 ? 0.5 : 0)));
        const want: number[][] = [];
        let I = new Array<number>(n).fill(0);
        for (const s of spikes) {
          I = I.map((v, j) => v - (1 - (s[j] as number)) * v * (1 / tau) + (s[j] as number));
          want.push(I);
        }
        leakFree(() => {
          const layer = synapseFilter({ tau });
          const [, ys] = scanLayer(layer, {}, layer.initialState({}, [n], k0), t(spikes), evalCtx(k0));
          expectClose(ys, want);
        });
      }),
      { numRuns: 20 },
    );
  });

  it('without spikes decays geometrically: I[t+n] = (1 - r)ⁿ·I[t] (fixed and learnable r)', () => {
    fc.assert(
      fc.property(taus, fc.boolean(), fc.integer({ min: 1, max: 20 }), (tau, learnable, n) => {
        leakFree(() => {
          const layer = synapseFilter({ tau, learnable });
          const params = layer.init(k0);
          const I0 = t(data([2, 3], 1, 0, 3));
          const [sT] = scanLayer(layer, params, { i: I0 }, tf.zeros([n, 2, 3]), evalCtx(k0));
          expectClose(
            (sT as { i: tf.Tensor }).i,
            (data([2, 3], 1, 0, 3) as number[][]).map((r) => r.map((v) => v * (1 - 1 / tau) ** n)),
            1e-6,
            1e-4,
          );
        });
      }),
      { numRuns: 20 },
    );
  });

  it("a spike adds 1 and suppresses that step's decay", () => {
    leakFree(() => {
      const layer = synapseFilter({ tau: 4 });
      const [s] = layer.step({}, { i: tf.tensor([2, 2]) }, tf.tensor([1, 0]), evalCtx(k0));
      expectClose(s.i, [3, 1.5], 1e-7, 0);
    });
  });

  it('learnable: w starts at -log(τ - 1), so r = sigmoid(w) = 1/τ, and the gradient reaches w', () => {
    leakFree(() => {
      const layer = synapseFilter({ tau: 10, learnable: true });
      const { w } = layer.init(k0);
      expectClose(w as tf.Tensor, -Math.log(9), 1e-6, 0);
      expectClose(tf.sigmoid(w as tf.Tensor), 0.1, 1e-7, 0);
      const xs = tf.tensor([[1], [0], [0]]);
      const g = tf.grad((ww: tf.Tensor) => tf.sum(scanLayer(layer, { w: ww }, layer.initialState({ w: ww }, [1], k0), xs, evalCtx(k0))[1]))(
        w as tf.Tensor,
      );
      // I = [1, 1 - r, (1 - r)²]: d/dr Σ = -1 - 2(1 - r) = -2.8; dr/dw = r(1 - r) = 0.09
      expectClose(g, -2.8 * 0.09, 1e-6, 1e-4);
    });
  });

  it('satisfies the law kit (fixed and learnable τ)', () => {
    for (const learnable of [false, true]) {
      const layer = synapseFilter({ tau: 5, learnable });
      const params = layer.init(k0);
      checkLayerLaws({ name: `synapseFilter(learnable=${learnable})`, layer, params }, [4], {
        inputs: sequenceInputs([4], 0, 1).chain((d) => spikeData(d.shape)),
        numRuns: 8,
      });
      dispose(params);
    }
  });

  it('rejects τ <= 1 and inputs that do not match the state, naming the argument', () => {
    leakFree(() => {
      expect(() => synapseFilter({ tau: 1 })).toThrow(/synapseFilter: argument 'tau' expected a time constant > 1, got 1/);
      expect(() => synapseFilter({ tau: 0.5, learnable: true })).toThrow(/argument 'tau'/);
      expect(() => synapseFilter({ tau: Number.NaN })).toThrow(/argument 'tau'/);
      const layer = synapseFilter({ tau: 3 });
      const s = layer.initialState({}, [2, 3], k0);
      expect(() => layer.step({}, s, tf.zeros([3, 2]), evalCtx(k0))).toThrow(/synapseFilter: argument 'x' expected shape \[2, 3\]/);
      const l2 = synapseFilter({ tau: 3, learnable: true });
      expect(() => l2.step({}, s, tf.zeros([2, 3]), evalCtx(k0))).toThrow(/argument 'params.w'/);
    });
  });
});
