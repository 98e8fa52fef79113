// Izhikevich (2003): the Euler equations step by step against a float32 reference written from the header, tonic
// firing of the regular-spiking cell under a constant current, the reset to c (and u += d), and the model laws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { izhikevichNode } from '../src/izhikevich.js';
import { sigmoid } from '../src/surrogate.js';
import { checkModelLaws, expectNear, f32, fr } from './model-helpers.js';

type Spec = { a: number; b: number; c: number; d: number; dt: number };
/** The paper's fig. 2 cells: RS, IB, CH, FS, LTS. */
const CELLS: readonly Spec[] = [
  { a: 0.02, b: 0.2, c: -65, d: 8, dt: 0.5 },
  { a: 0.02, b: 0.2, c: -55, d: 4, dt: 0.5 },
  { a: 0.02, b: 0.2, c: -50, d: 2, dt: 0.5 },
  { a: 0.1, b: 0.2, c: -65, d: 2, dt: 0.5 },
  { a: 0.02, b: 0.25, c: -65, d: 2, dt: 0.5 },
];

/** The header's equations in float32, one rounding per operation, for one neuron over time. */
function reference(spec: Spec, xs: number[]): { s: number[]; v: number[]; u: number[] } {
  const [a, b, c, d, dt] = [spec.a, spec.b, spec.c, spec.d, spec.dt];
  const adt = fr(a * dt);
  let v = fr(c);
  let u = fr(b * c);
  const out = { s: [] as number[], v: [] as number[], u: [] as number[] };
  for (const x of xs) {
    const dv = fr(fr(fr(fr(fr(fr(v * v) * fr(0.04)) + fr(v * 5)) + 140) - u) + x);
    const h = fr(v + fr(dv * fr(dt)));
    const g = fr(u + fr(fr(fr(v * fr(b)) - u) * adt));
    const s = h >= 30 ? 1 : 0;
    v = fr(fr((1 - s) * h) + fr(s * fr(c)));
    u = fr(g + fr(s * fr(d)));
    out.s.push(s);
    out.v.push(v);
    out.u.push(u);
  }
  return out;
}

describe('izhikevichNode', () => {
  it('follows its Euler equations step by step (record against a float32 reference), every cell of the paper', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CELLS), f32(0.1, 1), fc.array(f32(-5, 20), { minLength: 1, maxLength: 60 }), (cell, dt, xs) => {
        const spec = { ...cell, dt };
        const neuron = izhikevichNode(spec);
        tf.tidy(() => {
          const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), tf.tensor2d(xs, [xs.length, 1]));
          const want = reference(spec, xs.map(fr));
          expect(Array.from(rec.output.dataSync())).toEqual(want.s);
          expectNear('v', rec.state.v.dataSync(), want.v, 1e-4, 1e-6);
          expectNear('u', rec.state.u.dataSync(), want.u, 1e-4, 1e-6);
        });
      }),
      { numRuns: 40, seed: 61 },
    );
  });

  it('the regular-spiking cell fires tonically under a constant current, and every spike resets v to c and adds d to u', () => {
    fc.assert(
      fc.property(f32(6, 20), (current) => {
        const neuron = izhikevichNode({ dt: 0.5 }); // RS: a 0.02, b 0.2, c −65, d 8
        tf.tidy(() => {
          const T = 2000; // 1 s
          const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), tf.fill([T, 1], current));
          const s = Array.from(rec.output.dataSync());
          const v = Array.from(rec.state.v.dataSync());
          const u = Array.from(rec.state.u.dataSync());
          const g = Array.from(rec.charged.u.dataSync());
          const h = Array.from(rec.charged.v.dataSync());
          const times = s.flatMap((x, t) => (x === 1 ? [t] : []));
          // Tonic: it keeps firing through the second half second, at a steady rate (the last inter-spike intervals
          // agree within one step: the adaptation has settled).
          expect(times.filter((t) => t >= T / 2).length).toBeGreaterThanOrEqual(3);
          const isi = times.slice(1).map((t, i) => t - (times[i] as number));
          const last = isi.slice(-3);
          expect(Math.max(...last) - Math.min(...last)).toBeLessThanOrEqual(1);
          // The adaptation: the first interval is the shortest or equal (RS spike-frequency adaptation).
          expect(isi[0] as number).toBeLessThanOrEqual(Math.min(...isi.slice(1)));
          for (const t of times) {
            expect(h[t] as number).toBeGreaterThanOrEqual(30);
            expect(v[t]).toBe(-65);
            expect(u[t]).toBe(Math.fround((g[t] as number) + 8));
          }
        });
      }),
      { numRuns: 3, seed: 62 },
    );
  });

  it('rests without input: the RS cell stays silent, near its resting potential', () => {
    tf.tidy(() => {
      const neuron = izhikevichNode();
      const [, rec] = neuron.record({}, neuron.initialState({}, [1], key(0)), tf.zeros([2000, 1]));
      expect(tf.sum(rec.output).dataSync()[0]).toBe(0);
      // The fixed point of 0.04v² + 5v + 140 − bv = 0 below threshold: v* = (−4.8 − sqrt(4.8² − 4·0.04·140))/0.08 = −70.
      const vLast = rec.state.v.dataSync()[1999] as number;
      expect(Math.abs(vLast + 70)).toBeLessThan(0.5);
    });
  });

  it('has the model laws: step loop = sequence = composed forms, finite gradients, no leaks', () => {
    const xs = tf.randomUniform([40, 2, 3], 0, 15, 'float32', 8);
    checkModelLaws('izhikevich', izhikevichNode({ surrogate: sigmoid(0.1) }), {}, xs, (r) => r.output);
    checkModelLaws(
      'izhikevich detach, FS',
      izhikevichNode({ a: 0.1, d: 2, detachReset: true, surrogate: sigmoid(0.1) }),
      {},
      xs,
      (r) => r.output,
    );
    xs.dispose();
  });

  it('rejects a bad config, naming the field', () => {
    for (const [config, field] of [
      [{ a: Number.NaN }, 'config.a'],
      [{ b: Number.POSITIVE_INFINITY }, 'config.b'],
      [{ c: 40 }, 'config.vPeak'],
      [{ d: Number.NaN }, 'config.d'],
      [{ dt: 0 }, 'config.dt'],
      [{ detachReset: 1 as unknown as boolean }, 'config.detachReset'],
      [{ surrogate: {} as never }, 'config.surrogate'],
    ] as const) {
      expect(() => izhikevichNode(config)).toThrow(SpikefnArgumentError);
      expect(() => izhikevichNode(config)).toThrow(new RegExp(`izhikevichNode: argument '${field}'`));
    }
  });
});
