// Laws of the neuron dynamics, each checked against an independent statement (a closed form, an integer count,
// an inequality), never against the code's own earlier output.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import type { NeuronLayer, NeuronRecord } from '../src/neuron.js';
import { plifNode, plifWeight } from '../src/plif.js';
import { toTensor } from '@spikefn/testing';
import { build, inputsArb, MAX_STEPS, neuronSpecArb, values, type NeuronSpec } from './helpers.js';

const RUNS = 50;
const f32 = (min: number, max: number): fc.Arbitrary<number> =>
  fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });

/** Both multi-step forms: the fused record and the composed one. */
const bothRecords = (layer: NeuronLayer<Tree>, params: Tree, v0: tf.Tensor, xs: tf.Tensor): Array<[string, NeuronRecord]> => [
  ['fused', layer.record(params, { v: v0 }, xs)[1]],
  ['composed', layer.recordComposed(params, { v: v0 }, xs)[1]],
];

describe('LIF relaxation: with zero input the membrane relaxes monotonically to v_reset and never overshoots', () => {
  it('|v_t − V_r| is non-increasing, v_t − V_r never changes sign, and nothing fires (v_0 < V_th)', () => {
    fc.assert(
      fc.property(
        fc.record({
          tau: f32(1.05, 20),
          vReset: fc.option(f32(-1, 0.5), { nil: null }),
          decayInput: fc.boolean(),
          T: fc.integer({ min: 1, max: 30 }),
        }),
        fc.array(f32(-3, 0.99), { minLength: 1, maxLength: 6 }),
        ({ tau, vReset, decayInput, T }, v0s) => {
          const neuron = lifNode({ tau, vReset, decayInput, vThreshold: 1 });
          const vR = vReset ?? 0;
          tf.tidy(() => {
            const v0 = tf.tensor1d(v0s);
            const xs = tf.zeros([T, v0s.length]);
            for (const [mode, rec] of bothRecords(neuron as NeuronLayer<Tree>, {}, v0, xs)) {
              expect(
                values(rec.spikes).every((s) => s === 0),
                `${mode}: no spikes`,
              ).toBe(true);
              const v = values(rec.v);
              v0s.forEach((start, i) => {
                let prev = Math.fround(start) - vR;
                for (let t = 0; t < T; t++) {
                  const d = (v[t * v0s.length + i] as number) - vR;
                  if (Math.abs(d) > Math.abs(prev)) throw new Error(`${mode}: |v - vR| grew at t=${t}, neuron ${i}: ${prev} -> ${d}`);
                  if (d * prev < 0) throw new Error(`${mode}: overshoot at t=${t}, neuron ${i}: ${prev} -> ${d}`);
                  prev = d;
                }
              });
            }
          });
        },
      ),
      { numRuns: RUNS, seed: 11 },
    );
  });
});

describe('reset laws', () => {
  it('hard reset: v = V_reset exactly wherever a spike happened, and v = h < V_th wherever none did', () => {
    fc.assert(
      fc.property(
        neuronSpecArb().filter((s) => s.vReset !== null),
        inputsArb(),
        (spec, data) => {
          const { layer, params, name } = build(spec);
          tf.tidy(() => {
            const xs = toTensor(data);
            const v0 = layer.initialState(params, xs.shape.slice(1), key(0)).v;
            for (const [mode, rec] of bothRecords(layer, params, v0, xs)) {
              const s = values(rec.spikes);
              const v = values(rec.v);
              const h = values(rec.vBeforeReset);
              const vth = Math.fround(spec.vThreshold);
              s.forEach((si, i) => {
                const vi = v[i] as number;
                const hi = h[i] as number;
                if (si === 1 && !(vi === Math.fround(spec.vReset as number) && hi >= vth))
                  throw new Error(`${name} ${mode}: spike at ${i} but v=${vi}, h=${hi}`);
                if (si === 0 && !(vi === hi && vi < vth))
                  throw new Error(`${name} ${mode}: no spike at ${i} but v=${vi}, h=${hi}, vth=${vth}`);
              });
            }
          });
        },
      ),
      { numRuns: RUNS, seed: 12 },
    );
  });

  it('soft reset: v = h − V_th (one float32 rounding) where a spike happened, v = h < V_th where none did', () => {
    fc.assert(
      fc.property(
        neuronSpecArb().map((s) => ({ ...s, vReset: null })),
        inputsArb(),
        (spec, data) => {
          const { layer, params, name } = build(spec);
          tf.tidy(() => {
            const xs = toTensor(data);
            const v0 = layer.initialState(params, xs.shape.slice(1), key(0)).v;
            for (const [mode, rec] of bothRecords(layer, params, v0, xs)) {
              const [s, v, h] = [values(rec.spikes), values(rec.v), values(rec.vBeforeReset)];
              const vth = Math.fround(spec.vThreshold);
              s.forEach((si, i) => {
                const want = si === 1 ? Math.fround((h[i] as number) - vth) : (h[i] as number);
                if (v[i] !== want || (si === 0) !== (h[i] as number) < vth)
                  throw new Error(`${name} ${mode}: at ${i}: s=${si}, h=${h[i]}, v=${v[i]}`);
              });
            }
          });
        },
      ),
      { numRuns: RUNS, seed: 13 },
    );
  });

  it('a membrane exactly at the threshold fires (heaviside(0) = 1)', () => {
    tf.tidy(() => {
      const neuron = ifNode();
      const [, spikes] = neuron.sequence({}, neuron.initialState({}, [1], key(0)), tf.tensor2d([[0.5], [0.5], [0.25]]));
      expect(values(spikes)).toEqual([0, 1, 0]);
    });
  });
});

// Hard reset (proof): after every spike the state is V_reset again, and the charge is non-decreasing in v and in c,
// so the steps to the next spike from V_reset are non-increasing in c and N_T = the number of whole inter-spike
// intervals that fit in T. Soft reset: checked on the same generator (not proven here).
describe('spike count over T is monotone non-decreasing in a constant non-negative input (v_0 = V_reset, or 0 for soft reset)', () => {
  const specs = neuronSpecArb(['if', 'lif']);
  it('for sorted constant inputs c_1 ≤ c_2 ≤ ..., the counts are sorted too', () => {
    fc.assert(
      fc.property(
        specs,
        fc.array(f32(0, 3), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (spec: NeuronSpec, cs, T) => {
          const { layer, params, name } = build(spec);
          const sorted = [...cs].sort((a, b) => a - b);
          tf.tidy(() => {
            const xs = tf.tile(tf.tensor2d([sorted]), [T, 1]);
            const v0 = layer.initialState(params, [sorted.length], key(0)).v;
            for (const [mode, run] of [
              ['fused', layer.sequence],
              ['composed', layer.sequenceComposed],
            ] as const) {
              const counts = values(tf.sum(run(params, { v: v0 }, xs)[1], 0));
              for (let i = 1; i < counts.length; i++) {
                if ((counts[i] as number) < (counts[i - 1] as number))
                  throw new Error(`${name} ${mode}: count ${counts[i - 1]} at c=${sorted[i - 1]} but ${counts[i]} at c=${sorted[i]}`);
              }
            }
          });
        },
      ),
      { numRuns: RUNS * 2, seed: 14 },
    );
  });
});

describe('IF with soft reset under a constant input c ≥ 0 (v_0 = 0)', () => {
  // Exact law: v_t = t·c − V_th·N_t, and the neuron fires at step t iff v_{t−1} + c ≥ V_th, so
  // N_t = min(t, floor(t·c / V_th)) (at most one spike per step). With c and V_th multiples of 1/16 every float32
  // operation is exact, so the law holds bit for bit.
  it('N_t = min(t, floor(t·c/V_th)) for every t, hence N_T = min(T, floor(T·c/V_th))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 4, max: 32 }), fc.integer({ min: 1, max: 40 }), (m, n, T) => {
        const c = m / 16;
        const vth = n / 16;
        const neuron = ifNode({ vReset: null, vThreshold: vth });
        tf.tidy(() => {
          const xs = tf.fill([T, 2], c);
          for (const run of [neuron.sequence, neuron.sequenceComposed]) {
            const s = values(run({}, neuron.initialState({}, [2], key(0)), xs)[1]);
            let count = 0;
            for (let t = 1; t <= T; t++) {
              count += s[(t - 1) * 2] as number;
              expect(count).toBe(Math.min(t, Math.floor((t * m) / n)));
            }
          }
        });
      }),
      { numRuns: RUNS, seed: 15 },
    );
  });
});

describe('LIF without firing equals its closed form', () => {
  it('decayInput: v_t = Σ_{s≤t} (1 − 1/τ)^{t−s}·x_s/τ; no decay_input: v_t = Σ_{s≤t} (1 − 1/τ)^{t−s}·x_s (v_0 = 0, V_r = 0)', () => {
    fc.assert(
      fc.property(
        f32(1.1, 10),
        fc.boolean(),
        fc.array(f32(-1, 1), { minLength: 1, maxLength: MAX_STEPS * 2 }),
        (tau, decayInput, xsRaw) => {
          const neuron = lifNode({ tau, decayInput, vThreshold: 1e6 });
          const T = xsRaw.length;
          const xs32 = xsRaw.map((x) => Math.fround(x));
          const k = 1 / tau;
          tf.tidy(() => {
            const xs = tf.tensor2d(xs32, [T, 1]);
            for (const [mode, rec] of bothRecords(neuron as NeuronLayer<Tree>, {}, tf.zeros([1]), xs)) {
              const v = values(rec.v);
              for (let t = 0; t < T; t++) {
                let want = 0;
                for (let s = 0; s <= t; s++) want += (1 - k) ** (t - s) * (xs32[s] as number) * (decayInput ? k : 1);
                const got = v[t] as number;
                if (!(Math.abs(got - want) <= 1e-5 * (1 + T))) throw new Error(`${mode}: v_${t} = ${got}, closed form ${want}`);
              }
            }
          });
        },
      ),
      { numRuns: RUNS, seed: 16 },
    );
  });
});

describe('ParametricLIF', () => {
  it('w starts at −log(τ₀ − 1), so sigmoid(w) = 1/τ₀', () => {
    fc.assert(
      fc.property(f32(1.05, 50), (tau) => {
        const neuron = plifNode({ tau });
        const { w } = neuron.init(key(0));
        expect(w.shape).toEqual([]);
        expect(w.dataSync()[0]).toBeCloseTo(Math.fround(plifWeight(tau)), 6);
        expect(tf.tidy(() => tf.sigmoid(w).dataSync()[0] as number)).toBeCloseTo(1 / tau, 6);
        w.dispose();
      }),
      { numRuns: 20, seed: 17 },
    );
  });

  it('with w fixed it is a LIF with τ = 1/sigmoid(w) (same spikes on inputs away from the threshold)', () => {
    tf.tidy(() => {
      const tau = 3;
      const p = plifNode({ tau, vReset: -0.1 });
      const l = lifNode({ tau, vReset: -0.1 });
      const xs = tf.randomUniform([20, 3, 4], 0, 2, 'float32', 7);
      const params = p.init(key(0));
      const [, rp] = p.record(params, p.initialState(params, [3, 4], key(0)), xs);
      const [, rl] = l.record({}, l.initialState({}, [3, 4], key(0)), xs);
      const h = values(rl.vBeforeReset);
      const away = h.every((x) => Math.abs(x - 1) > 1e-4);
      if (away) expect(values(rp.spikes)).toEqual(values(rl.spikes));
      const vp = values(rp.v);
      values(rl.v).forEach((x, i) => {
        expect(Math.abs((vp[i] as number) - x)).toBeLessThan(1e-5);
      });
      params.w.dispose();
    });
  });

  it('dL/dw matches a finite difference of a smooth loss (no firing: loss = Σ v_t·g_t)', () => {
    tf.tidy(() => {
      const neuron = plifNode({ tau: 2.5, vThreshold: 1e6 });
      const xs = tf.randomUniform([12, 2, 3], -1, 1, 'float32', 9);
      const g = tf.randomNormal([12, 2, 3], 0, 1, 'float32', 10);
      const s0 = neuron.initialState({ w: tf.scalar(0) }, [2, 3], key(0));
      const loss = (w: tf.Tensor): tf.Tensor => tf.sum(tf.mul(neuron.record({ w }, s0, xs)[1].v, g));
      const w0 = plifWeight(2.5);
      const auto = tf.grad(loss)(tf.scalar(w0)).dataSync()[0] as number;
      const eps = 1e-2;
      const fd = ((loss(tf.scalar(w0 + eps)).dataSync()[0] as number) - (loss(tf.scalar(w0 - eps)).dataSync()[0] as number)) / (2 * eps);
      expect(Math.abs(auto - fd)).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
    });
  });
});
