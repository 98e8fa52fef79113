// The mapping of docs/nir.md from SpikingJelly 0.0.0.0.8's neurons (spikefn's lifNode / ifNode, which match
// SpikingJelly on its fixtures) to NIR, checked on random inputs (fast-check):
//   LIFNode(tau = τ_s, v_threshold = θ, v_reset = 0) = NIR LIF(tau = τ_s·dt, r = 1, v_leak = 0, v_threshold = θ, v_reset = 0)
//   IFNode(v_threshold = θ, v_reset = 0)            = NIR IF(r = 1/dt, v_threshold = θ, v_reset = 0)
// for any dt: the same spikes (away from exact equality with θ, where SpikingJelly's ≥ and NIR's > differ, and from
// float32 rounding within 1e-4 of θ) and the same membrane within float32 rounding.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, treeDispose, type Tree } from '@spikefn/core';
import { ifNode, lifNode } from '@spikefn/neurons';
import { nirArray, nirChain, nirNodeLayer, traceNir, type NirNode } from '../src/index.js';

const N = 4;
const inputs = fc.array(
  fc.array(fc.array(fc.float({ min: -1, max: 2, noNaN: true }), { minLength: N, maxLength: N }), { minLength: 2, maxLength: 2 }),
  { minLength: 10, maxLength: 10 },
);

/** Runs the NIR node over xs: `[spikes, v, v_pre_reset]` as flat arrays. */
function nirRun(n: NirNode, dt: number, xs: tf.Tensor): [number[], number[], number[]] {
  const net = nirChain({ neuron: nirNodeLayer(n, { dt }) }, { inputShape: [N] });
  const params = net.init(key(0));
  const t = traceNir(net, params, xs, key(0));
  const states = t.states['neuron'] ?? {};
  const out: [number[], number[], number[]] = [
    Array.from(t.output.dataSync()),
    Array.from((states['v'] as tf.Tensor).dataSync()),
    Array.from((states['v_pre_reset'] as tf.Tensor).dataSync()),
  ];
  treeDispose([params, t.output, t.outputs, t.states] as unknown as Tree);
  return out;
}

function compare(sj: { spikes: tf.Tensor; v: tf.Tensor }, nir: [number[], number[], number[]], theta: number): boolean {
  const [spikes, v, pre] = nir;
  if (pre.some((p) => Math.abs(p - theta) < 1e-4)) return false; // too close to the threshold to call
  expect(Array.from(sj.spikes.dataSync())).toEqual(spikes);
  const vs = Array.from(sj.v.dataSync());
  for (const [i, want] of vs.entries()) expect(Math.abs((v[i] as number) - want)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want));
  return true;
}

describe('SpikingJelly → NIR neuron mapping (docs/nir.md)', () => {
  it('LIFNode(τ_s) is NIR LIF(tau = τ_s·dt, r = 1, v_leak = 0)', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        inputs,
        fc.float({ min: Math.fround(1.5), max: 12, noNaN: true }),
        fc.float({ min: Math.fround(0.3), max: Math.fround(1.2), noNaN: true }),
        fc.constantFrom(1e-4, 1e-3, 1),
        (data, tauSteps, theta, dt) => {
          const xs = tf.tensor(data, undefined, 'float32');
          const sjNeuron = lifNode({ tau: tauSteps, vThreshold: theta, vReset: 0 });
          const s0 = sjNeuron.initialState({}, [2, N], key(0));
          const [s1, rec] = sjNeuron.record({}, s0, xs, evalCtx(key(0)));
          const full = (v: number) => nirArray(Array(N).fill(v));
          const nir = nirRun(
            { type: 'LIF', params: { tau: full(tauSteps * dt), r: full(1), v_leak: full(0), v_threshold: full(theta), v_reset: full(0) } },
            dt,
            xs,
          );
          if (compare(rec, nir, theta)) compared++;
          treeDispose([xs, s0, s1, rec] as unknown as Tree);
        },
      ),
      { numRuns: 25, seed: 11 },
    );
    expect(compared).toBeGreaterThan(15);
  });

  it('IFNode is NIR IF(r = 1/dt)', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        inputs,
        fc.float({ min: Math.fround(0.3), max: Math.fround(1.2), noNaN: true }),
        fc.constantFrom(1e-4, 1e-3, 0.5),
        (data, theta, dt) => {
          const xs = tf.tensor(data, undefined, 'float32');
          const sjNeuron = ifNode({ vThreshold: theta, vReset: 0 });
          const s0 = sjNeuron.initialState({}, [2, N], key(0));
          const [s1, rec] = sjNeuron.record({}, s0, xs, evalCtx(key(0)));
          const full = (v: number) => nirArray(Array(N).fill(v));
          const nir = nirRun({ type: 'IF', params: { r: full(1 / dt), v_threshold: full(theta), v_reset: full(0) } }, dt, xs);
          if (compare(rec, nir, theta)) compared++;
          treeDispose([xs, s0, s1, rec] as unknown as Tree);
        },
      ),
      { numRuns: 25, seed: 12 },
    );
    expect(compared).toBeGreaterThan(15);
  });
});
