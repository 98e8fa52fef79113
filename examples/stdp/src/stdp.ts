/**
 * Two LIF neurons learn, with trace-based STDP and no labels, to respond each to one of two input patterns.
 *
 *   inputs  20 Poisson spike trains; pattern A drives inputs 0–9 at rate `high`, B drives 10–19; the other inputs
 *           fire at rate `low`. Patterns alternate every `block` steps.
 *   neurons 2 LIF neurons (τ = 2 … `tau`), current I = W·s_pre, W: [2, 20] in [0, 1].
 *   wta     a neuron's spike inhibits the other: when both cross threshold in one step only the one with the larger
 *           current spikes (hard winner-take-all, the lateral inhibition of Diehl & Cook 2015 in its simplest form).
 *   STDP    `stdpLinearStep` (packages/learning/src/stdp.ts), τ_pre = τ_post = 2, with soft bounds
 *           f_post(w) = A₊(1 − w), f_pre(w) = A₋·w (A₊ = 1, A₋ = 0.5, lr = 0.05); then W is clipped to [0, 1] and each
 *           neuron's weights are rescaled to their initial sum (synaptic normalisation, Diehl & Cook 2015).
 *
 * The weights start near 0.5 with a small keyed asymmetry. The neuron that first wins a pattern potentiates its
 * synapses from that pattern's inputs; normalisation takes the weight from its other synapses, so during the other
 * pattern the second neuron wins and learns that one: the two neurons split the patterns.
 *
 * @category examples
 */
import * as tf from '@spikefn/core/tf';
import { foldIn, type Key, uniform, evalCtx } from '@spikefn/core';
import { stdpInitialTraces, stdpLinearStep, type StdpTraces, poissonStep } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';

/** Settings of the STDP demo. @category examples */
export type StdpDemoConfig = {
  readonly inputs: number;
  readonly steps: number;
  readonly block: number;
  readonly high: number;
  readonly low: number;
  readonly tau: number;
  readonly lr: number;
  readonly aPlus: number;
  readonly aMinus: number;
  /** Soft bounds f_post = A₊(1 − w), f_pre = A₋·w instead of additive STDP with W clipped to [0, 1]. */
  readonly softBounds: boolean;
  /** Rescale each neuron's weights to their initial sum after every update. */
  readonly normalise: boolean;
};

/** Defaults that separate the patterns within a few thousand steps. @category examples */
export const DEFAULT_STDP: StdpDemoConfig = {
  inputs: 20,
  steps: 3000,
  block: 50,
  high: 0.25,
  low: 0.01,
  tau: 2,
  lr: 0.05,
  aPlus: 1,
  aMinus: 0.5,
  softBounds: true,
  normalise: true,
};

/** The input rates of pattern `p` (0 = A, 1 = B). @category examples */
export const patternRates = (c: StdpDemoConfig, p: number): number[] =>
  Array.from({ length: c.inputs }, (_, i) => (Math.floor(i / (c.inputs / 2)) === p ? c.high : c.low));

/** What the demo records. @category examples */
export type StdpResult = {
  /** `weights[t]`: W flattened (2 × inputs), every `every` steps. */
  readonly weights: number[][];
  readonly times: number[];
  /** `response[n][p]`: spikes of neuron n per step during pattern p, in a test run after learning (no plasticity). */
  readonly response: number[][];
  readonly finalWeights: number[][];
};

/** Runs the demo from `key`. Pure apart from the returned numbers: every tensor is freed. @category examples */
export function runStdp(key: Key, c: StdpDemoConfig = DEFAULT_STDP, every = 10): StdpResult {
  const neuron = lifNode({ tau: c.tau });
  const rates = [0, 1].map((p) => tf.tensor2d([patternRates(c, p)]));
  let w = tf.tidy(() => tf.add(0.45, uniform(foldIn(key, 0), [2, c.inputs], 0, 0.1)));
  const stdp = c.softBounds
    ? {
        tauPre: 2,
        tauPost: 2,
        lr: c.lr,
        fPost: (x: tf.Tensor) => tf.mul(c.aPlus, tf.sub(1, x)),
        fPre: (x: tf.Tensor) => tf.mul(c.aMinus, x),
      }
    : { tauPre: 2, tauPost: 2, lr: c.lr, fPost: () => c.aPlus, fPre: () => c.aMinus };
  const total = tf.tidy(() => tf.sum(w, 1, true));
  const weights: number[][] = [];
  const times: number[] = [];

  /** One step: input spikes → current → LIF → winner-take-all. Returns [v', post spikes [1, 2]]. */
  const stepNet = (v: tf.Tensor, weight: tf.Tensor, pre: tf.Tensor): [tf.Tensor, tf.Tensor] =>
    tf.tidy(() => {
      const current = tf.matMul(pre, weight, false, true); // [1, 2]
      const [s, spikes] = neuron.step({}, { v }, current, evalCtx(key));
      // hard WTA: keep the spike of the neuron with the larger current when both fire.
      const winner = tf.cast(tf.oneHot(tf.argMax(tf.mul(tf.add(current, 1e-6), spikes), 1), 2), 'float32');
      return [s.v, tf.mul(spikes, winner)];
    });

  let v = tf.zeros([1, 2]);
  let traces: StdpTraces = stdpInitialTraces([1, c.inputs], [1, 2]);
  for (let t = 0; t < c.steps; t++) {
    const p = Math.floor(t / c.block) % 2;
    const pre = poissonStep(foldIn(foldIn(key, 1), t), rates[p] as tf.Tensor);
    const [v2, post] = stepNet(v, w, pre);
    const [tr2, w2] = stdpLinearStep(stdp, traces, w, pre, post);
    // clip to [0, 1], then scale each neuron's weights back to the initial total (synaptic normalisation,
    // Diehl & Cook 2015): a neuron's synapses compete, so potentiating one pattern's inputs depresses the other's.
    const clipped = tf.tidy(() => {
      const wc = tf.clipByValue(w2, 0, 1);
      return c.normalise ? tf.clipByValue(tf.mul(wc, tf.div(total, tf.sum(wc, 1, true))), 0, 1) : wc;
    });
    tf.dispose([v, pre, post, w, w2, traces.pre, traces.post]);
    v = v2;
    w = clipped;
    traces = tr2;
    if (t % every === 0 || t === c.steps - 1) {
      weights.push(Array.from(w.dataSync()));
      times.push(t);
    }
  }
  // Test: no plasticity, each pattern for 500 steps.
  const response = [0, 1].map(() => [0, 0]);
  const testSteps = 500;
  for (let p = 0; p < 2; p++) {
    let vt = tf.zeros([1, 2]);
    for (let t = 0; t < testSteps; t++) {
      const pre = poissonStep(foldIn(foldIn(key, 2 + p), t), rates[p] as tf.Tensor);
      const [v2, post] = stepNet(vt, w, pre);
      const s = post.dataSync();
      response[0]![p]! += (s[0] as number) / testSteps;
      response[1]![p]! += (s[1] as number) / testSteps;
      tf.dispose([vt, pre, post]);
      vt = v2;
    }
    vt.dispose();
  }
  const wArr = w.arraySync() as number[][];
  tf.dispose([v, w, total, traces.pre, traces.post, ...rates]);
  return { weights, times, response, finalWeights: wArr };
}
