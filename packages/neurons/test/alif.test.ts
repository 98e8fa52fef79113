// ALIF (LSNN): the equations step by step against a float32 reference written from the header, the adaptive
// threshold's rise after a spike and its decay back, β = 0 equal to LIF, and the model laws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { alifNode } from '../src/alif.js';
import { lifNode } from '../src/lif.js';
import { atan } from '../src/surrogate.js';
import { checkModelLaws, expectNear, f32, fr } from './model-helpers.js';

type Spec = { tau: number; tauA: number; beta: number; vThreshold: number; vReset: number | null; detachReset: boolean };
const specArb: fc.Arbitrary<Spec> = fc.record({
  tau: f32(1.1, 30),
  tauA: f32(0.5, 500),
  beta: f32(0, 3),
  vThreshold: f32(0.3, 1.5),
  vReset: fc.option(f32(-0.5, 0.2), { nil: null }),
  detachReset: fc.boolean(),
});

/** The header's equations in float32, one rounding per operation, for one neuron over time. */
function reference(spec: Spec, xs: number[]): { s: number[]; v: number[]; b: number[]; h: number[]; a: number[] } {
  const k = fr(1 / spec.tau);
  const rho = fr(Math.exp(-1 / spec.tauA));
  const vR = fr(spec.vReset ?? 0);
  const beta = fr(spec.beta);
  const b0 = fr(spec.vThreshold);
  let v = vR;
  let b = 0;
  const out = { s: [] as number[], v: [] as number[], b: [] as number[], h: [] as number[], a: [] as number[] };
  for (const x of xs) {
    const h = fr(v + fr(fr(x - (vR === 0 ? v : fr(v - vR))) * k));
    const a = fr(fr(b * beta) + b0);
    const s = h >= a ? 1 : 0;
    v = spec.vReset === null ? fr(h - fr(s * a)) : fr(fr((1 - s) * h) + fr(s * vR));
    b = fr(fr(b * rho) + fr(s * fr(1 - rho)));
    out.s.push(s);
    out.v.push(v);
    out.b.push(b);
    out.h.push(h);
    out.a.push(a);
  }
  return out;
}

describe('alifNode', () => {
  it('follows its equations step by step (record against a float32 reference)', () => {
    fc.assert(
      fc.property(specArb, fc.array(f32(-1, 3), { minLength: 1, maxLength: 30 }), (spec, xs) => {
        const neuron = alifNode(spec);
        tf.tidy(() => {
          const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), tf.tensor2d(xs, [xs.length, 1]));
          const want = reference(spec, xs.map(fr));
          expect(Array.from(rec.output.dataSync())).toEqual(want.s);
          expectNear('v', rec.state.v.dataSync(), want.v);
          expectNear('b', rec.state.b.dataSync(), want.b);
          expectNear('h', rec.charged.h.dataSync(), want.h);
          expectNear('threshold', rec.charged.threshold.dataSync(), want.a);
        });
      }),
      { numRuns: 60, seed: 31 },
    );
  });

  it('the threshold rises after a spike and decays back towards b_0 while the neuron is silent', () => {
    fc.assert(
      fc.property(f32(2, 300), f32(0.1, 3), fc.integer({ min: 2, max: 40 }), (tauA, beta, silent) => {
        const neuron = alifNode({ tau: 2, tauA, beta });
        tf.tidy(() => {
          // One strong input makes it fire at t = 0 (h = 2.5 ≥ 1), then zero input keeps it silent.
          const xs = tf.concat([tf.fill([1, 1], 5), tf.zeros([silent, 1])]);
          const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), xs);
          const s = Array.from(rec.output.dataSync());
          const a = Array.from(rec.charged.threshold.dataSync());
          expect(s[0]).toBe(1);
          expect(s.slice(1).every((x) => x === 0)).toBe(true);
          expect(a[0]).toBe(1); // A_0 = b_0: b starts at 0
          expect(a[1] as number).toBeGreaterThan(1); // raised by β·(1 − ρ) after the spike
          for (let t = 2; t < a.length; t++) {
            expect(a[t] as number).toBeLessThanOrEqual(a[t - 1] as number);
            expect(a[t] as number).toBeGreaterThanOrEqual(1);
          }
          // The decay is geometric with ρ = exp(−1/τ_a): A_t − b_0 = β·(1 − ρ)·ρ^{t−1}.
          const rho = Math.exp(-1 / tauA);
          const last = a.length - 1;
          expect(Math.abs((a[last] as number) - 1 - beta * (1 - rho) * rho ** (last - 1))).toBeLessThan(1e-5);
        });
      }),
      { numRuns: 40, seed: 32 },
    );
  });

  it('fires less than LIF under the same strong constant input (adaptation), and β = 0 is LIF exactly', () => {
    tf.tidy(() => {
      const xs = tf.fill([60, 3], 3);
      const lif = lifNode({ tau: 4, vReset: -0.2 });
      const [, rl] = lif.record({}, lif.initialState({}, [3], key(0)), xs);
      const plain = alifNode({ tau: 4, vReset: -0.2, beta: 0 });
      const [, rp] = plain.record({}, plain.initialState({}, [3], key(0)), xs);
      expect(Array.from(rp.output.dataSync())).toEqual(Array.from(rl.spikes.dataSync()));
      expect(Array.from(rp.state.v.dataSync())).toEqual(Array.from(rl.v.dataSync()));
      const adaptive = alifNode({ tau: 4, vReset: -0.2, beta: 3, tauA: 50 });
      const [, ra] = adaptive.record({}, adaptive.initialState({}, [3], key(0)), xs);
      expect(tf.sum(ra.output).dataSync()[0] as number).toBeLessThan(tf.sum(rl.spikes).dataSync()[0] as number);
    });
  });

  it('has the model laws: step loop = sequence = composed forms, finite gradients, no leaks', () => {
    const xs = tf.randomUniform([12, 2, 3], -0.5, 3, 'float32', 5);
    checkModelLaws('alif', alifNode({ tau: 3, beta: 1, tauA: 20, surrogate: atan(2) }), {}, xs, (r) => r.output);
    checkModelLaws('alif soft detach', alifNode({ vReset: null, detachReset: true, tau: 5 }), {}, xs, (r) => r.output);
    xs.dispose();
  });

  it('rejects a bad config, naming the field', () => {
    for (const [config, field] of [
      [{ tau: 1 }, 'config.tau'],
      [{ tau: Number.NaN }, 'config.tau'],
      [{ tauA: 0 }, 'config.tauA'],
      [{ tauA: 1e-3 }, 'config.tauA'],
      [{ beta: -1 }, 'config.beta'],
      [{ beta: Number.POSITIVE_INFINITY }, 'config.beta'],
      [{ vThreshold: 0, vReset: 0 }, 'config.vThreshold'],
    ] as const) {
      expect(() => alifNode(config)).toThrow(SpikefnArgumentError);
      expect(() => alifNode(config)).toThrow(new RegExp(`alifNode: argument '${field}'`));
    }
  });
});
