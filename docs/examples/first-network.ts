import { key, split, type Key, bernoulli, sequential, seqToANN, multiStep } from '@spikefn/core';
import { linear } from '@spikefn/layers';
import { lifNode } from '@spikefn/neurons';

export const T = 6; // time steps
export const B = 4; // batch

/** A two-layer spiking network over [T, B, 16] input spikes, run twice from the same initial state. */
export function firstNetwork() {
  const [kInit, kData, kRun] = split(key(42), 3) as [Key, Key, Key];
  const net = sequential({
    fc1: seqToANN(linear({ inFeatures: 16, outFeatures: 8 })), // all T·B samples in one matmul
    lif1: multiStep(lifNode({ tau: 2 })), //                           the LIF carries v over T
    fc2: seqToANN(linear({ inFeatures: 8, outFeatures: 2 })),
    lif2: multiStep(lifNode({ tau: 2 })),
  });
  const params = net.init(kInit);
  const xs = bernoulli(kData, 0.5, [T, B, 16]);
  const ctx = { training: false, key: kRun };

  const s0 = net.initialState(params, xs.shape, kRun); // { fc1: {}, lif1: { v }, fc2: {}, lif2: { v } }
  const [s1, spikes] = net.step(params, s0, xs, ctx);
  // "reset()" is using the initial state again: same input, same key, same spikes.
  const [s2, again] = net.step(params, s0, xs, ctx);
  return { params, xs, s0, s1, spikes, s2, again };
}
