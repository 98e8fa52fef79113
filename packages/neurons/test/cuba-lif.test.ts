// CubaLIF (NIR): the equations step by step against a float32 reference written from the header, the current's
// decay with τ_syn, equality with NIR's CubaLIF node of @spikefn/nir's fixtures semantics, and the model laws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { cubaLifNode } from '../src/cuba-lif.js';
import { checkModelLaws, expectNear, f32, fr } from './model-helpers.js';

type Spec = {
  tauSyn: number;
  tauMem: number;
  dt: number;
  r: number;
  vLeak: number;
  wIn: number;
  vThreshold: number;
  vReset: number | null;
  detachReset: boolean;
};
const specArb: fc.Arbitrary<Spec> = fc
  .record({
    tauSyn: f32(1, 12),
    tauMem: f32(1, 12),
    dt: f32(0.1, 1),
    r: f32(-1, 3),
    vLeak: f32(-0.5, 0.5),
    wIn: f32(-1, 3),
    vThreshold: f32(0.3, 1.5),
    vReset: fc.option(f32(-0.5, 0.2), { nil: null }),
    detachReset: fc.boolean(),
  })
  .map((s) => ({ ...s, tauSyn: s.tauSyn * s.dt + s.dt * 0.01, tauMem: s.tauMem * s.dt + s.dt * 0.01 }));

/** The header's equations in float32, one rounding per operation, for one neuron over time. */
function reference(spec: Spec, xs: number[]): { s: number[]; i: number[]; v: number[]; h: number[] } {
  const kSyn = fr(spec.dt / spec.tauSyn);
  const kMem = fr(spec.dt / spec.tauMem);
  const [r, vLeak, wIn, vth, vReset] = [fr(spec.r), fr(spec.vLeak), fr(spec.wIn), fr(spec.vThreshold), fr(spec.vReset ?? 0)];
  let i = 0;
  let v = 0;
  const out = { s: [] as number[], i: [] as number[], v: [] as number[], h: [] as number[] };
  for (const x of xs) {
    i = fr(i + fr(fr(fr(x * wIn) - i) * kSyn));
    const h = fr(v + fr(fr(fr(vLeak - v) + fr(i * r)) * kMem));
    const s = h >= vth ? 1 : 0;
    v = spec.vReset === null ? fr(h - fr(s * vth)) : fr(fr((1 - s) * h) + fr(s * vReset));
    out.s.push(s);
    out.i.push(i);
    out.v.push(v);
    out.h.push(h);
  }
  return out;
}

describe('cubaLifNode', () => {
  it('follows its equations step by step (record against a float32 reference)', () => {
    fc.assert(
      fc.property(specArb, fc.array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 30 }), (spec, xs) => {
        const neuron = cubaLifNode(spec);
        tf.tidy(() => {
          const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), tf.tensor2d(xs, [xs.length, 1]));
          const want = reference(spec, xs);
          expect(Array.from(rec.output.dataSync())).toEqual(want.s);
          expectNear('i', rec.state.i.dataSync(), want.i);
          expectNear('charged i', rec.charged.i.dataSync(), want.i);
          expectNear('v', rec.state.v.dataSync(), want.v);
          expectNear('h', rec.charged.h.dataSync(), want.h);
        });
      }),
      { numRuns: 60, seed: 41 },
    );
  });

  it('the current decays with τ_syn: after the input stops, i_{t+n} = (1 − dt/τ_syn)^n·i_t, whatever the membrane does', () => {
    fc.assert(
      fc.property(f32(1.5, 20), f32(0.2, 3), fc.integer({ min: 1, max: 30 }), (tauSyn, wIn, n) => {
        const neuron = cubaLifNode({ tauSyn, wIn, tauMem: 2, vThreshold: 0.2 });
        tf.tidy(() => {
          const xs = tf.concat([tf.ones([3, 1]), tf.zeros([n, 1])]);
          const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), xs);
          const i = Array.from(rec.state.i.dataSync());
          const q = 1 - Math.fround(1 / tauSyn);
          for (let m = 1; m <= n; m++) {
            const want = (i[2] as number) * q ** m;
            expect(Math.abs((i[2 + m] as number) - want)).toBeLessThanOrEqual(1e-6 * (1 + m) * Math.abs(i[2] as number));
          }
        });
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it("is NIR's CubaLIF: the current is never reset, the membrane is driven by the new current (one spike pulse)", () => {
    tf.tidy(() => {
      // dt = 1, τ_syn = 2, τ_mem = 4, w_in = 2, r = 1: i_0 = 0 + (2·1 − 0)/2 = 1, h_0 = 0 + (0 − 0 + 1)/4 = 0.25 (not 0,
      // which driving v with the previous current would give); then i_1 = 0.5, h_1 = 0.25 + (−0.25 + 0.5)/4 = 0.3125.
      const neuron = cubaLifNode({ tauSyn: 2, tauMem: 4, wIn: 2, vThreshold: 0.3 });
      const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), tf.tensor2d([[1], [0], [0]]));
      expect(Array.from(rec.state.i.dataSync())).toEqual([1, 0.5, 0.25]);
      expect(Array.from(rec.charged.h.dataSync())).toEqual([0.25, 0.3125, 0.0625]);
      expect(Array.from(rec.output.dataSync())).toEqual([0, 1, 0]); // h_1 = 0.3125 ≥ 0.3, reset to 0; i keeps 0.5
    });
  });

  it('has the model laws: step loop = sequence = composed forms, finite gradients, no leaks', () => {
    const xs = tf.cast(tf.greater(tf.randomUniform([12, 2, 3], 0, 1, 'float32', 6), 0.5), 'float32');
    checkModelLaws('cubaLif', cubaLifNode({ tauSyn: 2, tauMem: 3, wIn: 3, vThreshold: 0.5 }), {}, xs, (r) => r.output);
    checkModelLaws('cubaLif soft', cubaLifNode({ vReset: null, detachReset: true, wIn: 4 }), {}, xs, (r) => r.output);
    xs.dispose();
  });

  it('rejects a bad config, naming the field', () => {
    for (const [config, field] of [
      [{ tauSyn: 0.5 }, 'config.tauSyn'],
      [{ tauSyn: -1 }, 'config.tauSyn'],
      [{ tauMem: Number.NaN }, 'config.tauMem'],
      [{ tauMem: 2, dt: 3 }, 'config.tauMem'],
      [{ tauSyn: 2, dt: 3 }, 'config.tauSyn'],
      [{ dt: 0 }, 'config.dt'],
      [{ r: Number.POSITIVE_INFINITY }, 'config.r'],
      [{ vLeak: Number.NaN }, 'config.vLeak'],
      [{ wIn: '1' as unknown as number }, 'config.wIn'],
      [{ vThreshold: -1 }, 'config.vThreshold'],
    ] as const) {
      expect(() => cubaLifNode(config)).toThrow(SpikefnArgumentError);
      expect(() => cubaLifNode(config)).toThrow(new RegExp(`cubaLifNode: argument '${field}'`));
    }
  });
});
