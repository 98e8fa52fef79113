// LI (NIR's leaky integrator readout): the equation step by step, its closed form, linearity in the input, no
// spikes, and the model laws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { liNode } from '../src/li.js';
import { checkModelLaws, expectNear, f32, fr } from './model-helpers.js';

describe('liNode', () => {
  it('follows v_t = v_{t−1} + (dt/τ)·(v_leak − v_{t−1} + r·x_t) step by step, and outputs v (float32 reference)', () => {
    fc.assert(
      fc.property(
        fc.record({ tau: f32(1, 20), dt: f32(0.1, 1), r: f32(-2, 2), vLeak: f32(-1, 1) }),
        fc.array(f32(-3, 3), { minLength: 1, maxLength: 30 }),
        (raw, xs) => {
          const spec = { ...raw, tau: raw.tau * raw.dt + 0.01 * raw.dt };
          const neuron = liNode(spec);
          const k = fr(spec.dt / spec.tau);
          let v = 0;
          const want = xs.map((x) => {
            v = fr(v + fr(fr(fr(fr(spec.vLeak) - v) + fr(fr(x) * fr(spec.r))) * k));
            return v;
          });
          tf.tidy(() => {
            const xt = tf.tensor2d(xs, [xs.length, 1]);
            const s0 = neuron.initialState({}, [1], key(0));
            expectNear('record v', neuron.record({}, s0, xt)[1].v.dataSync(), want);
            expectNear('output', neuron.sequence({}, s0, xt)[1].dataSync(), want);
          });
        },
      ),
      { numRuns: 60, seed: 51 },
    );
  });

  it('is linear in its input (v_leak = 0): LI(α·x + β·y) = α·LI(x) + β·LI(y), and equals its closed form', () => {
    fc.assert(
      fc.property(
        f32(1.1, 20),
        f32(-2, 2),
        f32(-2, 2),
        fc.array(fc.tuple(f32(-2, 2), f32(-2, 2)), { minLength: 1, maxLength: 25 }),
        (tau, alpha, beta, pairs) => {
          const neuron = liNode({ tau, r: 1.5 });
          const T = pairs.length;
          tf.tidy(() => {
            const x = tf.tensor2d(
              pairs.map(([a]) => a),
              [T, 1],
            );
            const y = tf.tensor2d(
              pairs.map(([, b]) => b),
              [T, 1],
            );
            const s0 = neuron.initialState({}, [1], key(0));
            const run = (xs: tf.Tensor): number[] => Array.from(neuron.sequence({}, s0, xs)[1].dataSync());
            const mixed = run(tf.add(tf.mul(x, alpha), tf.mul(y, beta)));
            const [lx, ly] = [run(x), run(y)];
            const k = 1 / tau;
            for (let t = 0; t < T; t++) {
              expect(Math.abs((mixed[t] as number) - (alpha * (lx[t] as number) + beta * (ly[t] as number)))).toBeLessThan(1e-4);
              let closed = 0;
              for (let s = 0; s <= t; s++) closed += (1 - k) ** (t - s) * k * 1.5 * (pairs[s] as [number, number])[0];
              expect(Math.abs((lx[t] as number) - closed)).toBeLessThan(1e-4);
            }
          });
        },
      ),
      { numRuns: 40, seed: 52 },
    );
  });

  it('never spikes: its output is its membrane, with any value (not only 0/1)', () => {
    tf.tidy(() => {
      const neuron = liNode({ tau: 2 });
      const [, y] = neuron.sequence(
        {},
        neuron.initialState({}, [2], key(0)),
        tf.tensor2d([
          [10, -10],
          [10, -10],
        ]),
      );
      expect(Array.from(y.dataSync())).toEqual([5, -5, 7.5, -7.5]);
    });
  });

  it('has the model laws: step loop = sequence = composed forms, finite gradients, no leaks', () => {
    const xs = tf.randomUniform([10, 2, 3], -1, 2, 'float32', 7);
    checkModelLaws('li', liNode({ tau: 3, vLeak: 0.1 }), {}, xs, (r) => r.v);
    xs.dispose();
  });

  it('rejects a bad config, naming the field', () => {
    for (const [config, field] of [
      [{ tau: 0.5 }, 'config.tau'],
      [{ tau: Number.NaN }, 'config.tau'],
      [{ dt: -1 }, 'config.dt'],
      [{ r: Number.NaN }, 'config.r'],
      [{ vLeak: Number.NEGATIVE_INFINITY }, 'config.vLeak'],
    ] as const) {
      expect(() => liNode(config)).toThrow(SpikefnArgumentError);
      expect(() => liNode(config)).toThrow(new RegExp(`liNode: argument '${field}'`));
    }
    expect(() => liNode(null as never)).toThrow(/liNode: argument 'config'/);
  });
});
