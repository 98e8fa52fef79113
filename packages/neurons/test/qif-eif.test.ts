// QIF and EIF (SpikingJelly 0.0.0.0.8's QIFNode / EIFNode): the charge step by step against a float32 reference written
// from the headers, below-threshold monotonicity, EIF's spontaneous firing with SpikingJelly's defaults, and the
// model laws. Parity with SpikingJelly's own numbers: tools/parity (fixtures/spikingjelly-more).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { eifNode } from '../src/eif.js';
import type { NeuronLayer, NeuronRecord } from '../src/neuron.js';
import { qifNode } from '../src/qif.js';
import { atan, sigmoid } from '../src/surrogate.js';
import { checkModelLaws, expectNear, f32, fr } from './model-helpers.js';

const run = (layer: NeuronLayer<Record<string, never>>, v0: number[], xs: number[][]): NeuronRecord =>
  layer.record({}, { v: tf.tensor1d(v0) }, tf.tensor2d(xs))[1];

/** Fire and reset of the header, in float32. */
const fireReset = (h: number, vth: number, vReset: number | null): [number, number] => {
  const s = h >= fr(vth) ? 1 : 0;
  return [s, vReset === null ? fr(h - fr(s * fr(vth))) : fr(fr((1 - s) * h) + fr(s * fr(vReset)))];
};

describe('qifNode', () => {
  const specArb = fc.record({
    tau: f32(1.1, 6),
    vC: f32(0.3, 0.9),
    a0: f32(0.1, 2),
    vRest: f32(-0.3, 0.1),
    vThreshold: f32(0.95, 1.5),
    vReset: fc.option(f32(-0.5, -0.3), { nil: null }),
  });

  it('follows h = v + (x + a0·(v − v_rest)·(v − v_c))/τ, fire, reset step by step (float32 reference)', () => {
    fc.assert(
      fc.property(specArb, fc.array(f32(-1, 2), { minLength: 1, maxLength: 25 }), (spec, xs) => {
        const neuron = qifNode(spec);
        let v = fr(spec.vReset ?? 0);
        const want = { s: [] as number[], v: [] as number[], h: [] as number[] };
        for (const x of xs.map(fr)) {
          const quad = fr(fr(fr(v - fr(spec.vRest)) * fr(v - fr(spec.vC))) * fr(spec.a0));
          const h = fr(v + fr(fr(x + quad) / fr(spec.tau)));
          const [s, next] = fireReset(h, spec.vThreshold, spec.vReset);
          if (!Number.isFinite(next)) return; // a soft reset may diverge (see the header); not this law's concern
          v = next;
          want.s.push(s);
          want.v.push(v);
          want.h.push(h);
        }
        tf.tidy(() => {
          const rec = run(
            neuron as NeuronLayer<Record<string, never>>,
            [spec.vReset ?? 0],
            xs.map((x) => [x]),
          );
          expect(Array.from(rec.spikes.dataSync())).toEqual(want.s);
          expectNear('v', rec.v.dataSync(), want.v);
          expectNear('h', rec.vBeforeReset.dataSync(), want.h);
        });
      }),
      { numRuns: 60, seed: 71 },
    );
  });

  it('below threshold without input: v between v_rest and v_c decays monotonically to v_rest, above v_c it runs away', () => {
    fc.assert(
      fc.property(f32(2, 10), f32(0.5, 0.9), f32(0.1, 1), f32(0.01, 0.99), (tau, vC, a0, u) => {
        // dh/dv = 1 + a0·(2v − v_rest − v_c)/τ > 0 on [v_rest, v_c] when a0·v_c < τ (v_rest = 0): no overshoot.
        fc.pre(a0 * vC < tau);
        const below = u * vC; // in (0, v_c)
        const above = vC + u * (1 - vC) * 0.9; // in (v_c, V_th = 1)
        const neuron = qifNode({ tau, vC, a0, vRest: 0, vThreshold: 1, vReset: -0.1 });
        tf.tidy(() => {
          const rec = run(
            neuron as NeuronLayer<Record<string, never>>,
            [below, above],
            Array.from({ length: 40 }, () => [0, 0]),
          );
          const v = Array.from(rec.v.dataSync());
          const s = Array.from(rec.spikes.dataSync());
          let prev = fr(below);
          for (let t = 0; t < 40; t++) {
            const cur = v[2 * t] as number;
            expect(cur).toBeLessThanOrEqual(prev);
            expect(cur).toBeGreaterThanOrEqual(0);
            expect(s[2 * t]).toBe(0);
            prev = cur;
          }
          // Above v_c: rises at every step until it fires.
          let up = fr(above);
          for (let t = 0; t < 40 && s[2 * t + 1] === 0; t++) {
            expect(v[2 * t + 1] as number).toBeGreaterThan(up);
            up = v[2 * t + 1] as number;
          }
        });
      }),
      { numRuns: 40, seed: 72 },
    );
  });

  it('has the model laws: step loop = sequence = composed forms, finite gradients, no leaks', () => {
    const xs = tf.randomUniform([10, 2, 3], -0.5, 2, 'float32', 9);
    checkModelLaws('qif', qifNode(), {}, xs, (r) => r.spikes);
    checkModelLaws('qif soft detach', qifNode({ vReset: null, detachReset: true, surrogate: atan(2) }), {}, xs, (r) => r.spikes);
    xs.dispose();
  });

  it('rejects a bad config, naming the field', () => {
    for (const [config, field] of [
      [{ tau: 1 }, 'config.tau'],
      [{ a0: 0 }, 'config.a0'],
      [{ vC: Number.NaN }, 'config.vC'],
      [{ vRest: -0.5 }, 'config.vRest'], // below the default hard reset −0.1 (SpikingJelly asserts v_rest >= v_reset)
      [{ vThreshold: -0.2 }, 'config.vThreshold'],
    ] as const) {
      expect(() => qifNode(config)).toThrow(SpikefnArgumentError);
      expect(() => qifNode(config)).toThrow(new RegExp(`qifNode: argument '${field}'`));
    }
  });
});

describe('eifNode', () => {
  const specArb = fc.record({
    tau: f32(1.1, 6),
    deltaT: f32(0.2, 2),
    thetaRh: f32(0.5, 1.2),
    vRest: f32(-0.3, 0.1),
    vThreshold: f32(0.95, 1.5),
    vReset: fc.option(f32(-0.5, -0.3), { nil: null }),
  });

  it('follows h = v + (x + v_rest − v + Δ_T·exp((v − θ_rh)/Δ_T))/τ, fire, reset step by step (float32 reference)', () => {
    fc.assert(
      fc.property(specArb, fc.array(f32(-1, 2), { minLength: 1, maxLength: 25 }), (spec, xs) => {
        const neuron = eifNode(spec);
        let v = fr(spec.vReset ?? 0);
        const want = { s: [] as number[], v: [] as number[], h: [] as number[] };
        for (const x of xs.map(fr)) {
          const onset = fr(fr(Math.exp(fr(fr(v - fr(spec.thetaRh)) / fr(spec.deltaT)))) * fr(spec.deltaT));
          const h = fr(v + fr(fr(fr(fr(x + fr(spec.vRest)) - v) + onset) / fr(spec.tau)));
          const [s, next] = fireReset(h, spec.vThreshold, spec.vReset);
          if (!Number.isFinite(next) || Math.abs(h - fr(spec.vThreshold)) < 1e-5) return; // diverged, or too close to call
          v = next;
          want.s.push(s);
          want.v.push(v);
          want.h.push(h);
        }
        tf.tidy(() => {
          const rec = run(
            neuron as NeuronLayer<Record<string, never>>,
            [spec.vReset ?? 0],
            xs.map((x) => [x]),
          );
          expect(Array.from(rec.spikes.dataSync())).toEqual(want.s);
          // exp may differ from Math.exp in the last bit on some backends.
          expectNear('v', rec.v.dataSync(), want.v, 1e-5, 1e-5);
          expectNear('h', rec.vBeforeReset.dataSync(), want.h, 1e-5, 1e-5);
        });
      }),
      { numRuns: 60, seed: 73 },
    );
  });

  it('the charge is increasing in v and x (dh/dv = 1 − 1/τ + e^{(v − θ_rh)/Δ_T}/τ > 0): spike counts grow with a constant input', () => {
    fc.assert(
      fc.property(specArb, fc.array(f32(-0.5, 2), { minLength: 2, maxLength: 10 }), fc.integer({ min: 1, max: 30 }), (spec, cs, T) => {
        const neuron = eifNode({ ...spec, vReset: spec.vReset ?? -0.3 }); // hard reset: every spike starts over from V_reset
        const sorted = [...cs].sort((a, b) => a - b);
        tf.tidy(() => {
          const xs = tf.tile(tf.tensor2d([sorted]), [T, 1]);
          const [, spikes] = neuron.sequence({}, neuron.initialState({}, [sorted.length], key(0)), xs);
          const counts = Array.from(tf.sum(spikes, 0).dataSync());
          for (let i = 1; i < counts.length; i++) expect(counts[i] as number).toBeGreaterThanOrEqual(counts[i - 1] as number);
        });
      }),
      { numRuns: 40, seed: 74 },
    );
  });

  it("with SpikingJelly's defaults (Δ_T = 1 > θ_rh − v_rest = 0.8) it has no resting state and fires on zero input", () => {
    tf.tidy(() => {
      const neuron = eifNode({ surrogate: sigmoid(1) });
      const [, spikes] = neuron.sequence({}, neuron.initialState({}, [1], key(0)), tf.zeros([24, 1]));
      // The fixture defaults_zero_input_multi records spikes at t = 7, 15, 23.
      expect(Array.from(spikes.dataSync()).flatMap((s, t) => (s === 1 ? [t] : []))).toEqual([7, 15, 23]);
      // With θ_rh − v_rest ≥ Δ_T a resting state exists: silent.
      const resting = eifNode({ thetaRh: 1.5, deltaT: 1 });
      expect(tf.sum(resting.sequence({}, resting.initialState({}, [1], key(0)), tf.zeros([50, 1]))[1]).dataSync()[0]).toBe(0);
    });
  });

  it('has the model laws: step loop = sequence = composed forms, finite gradients, no leaks', () => {
    const xs = tf.randomUniform([10, 2, 3], -0.5, 2, 'float32', 10);
    checkModelLaws('eif', eifNode(), {}, xs, (r) => r.spikes);
    checkModelLaws(
      'eif soft detach',
      eifNode({ vReset: null, detachReset: true, thetaRh: 1.2, surrogate: atan(2) }),
      {},
      xs,
      (r) => r.spikes,
    );
    xs.dispose();
  });

  it('rejects a bad config, naming the field', () => {
    for (const [config, field] of [
      [{ tau: 0.5 }, 'config.tau'],
      [{ deltaT: 0 }, 'config.deltaT'],
      [{ deltaT: -1 }, 'config.deltaT'],
      [{ thetaRh: Number.NaN }, 'config.thetaRh'],
      [{ vRest: -1, vReset: -0.5 }, 'config.vRest'],
    ] as const) {
      expect(() => eifNode(config)).toThrow(SpikefnArgumentError);
      expect(() => eifNode(config)).toThrow(new RegExp(`eifNode: argument '${field}'`));
    }
  });
});
