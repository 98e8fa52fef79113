import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { lifNode, lifRecord, atan } from '@spikefn/neurons';

/** A LIF layer over T = 20 steps of a constant input: its spikes and membrane traces, then the input gradient. */
export function lifTraces() {
  const config = { tau: 4, vReset: 0, surrogate: atan(2) };
  const neuron = lifNode(config);
  const xs = tf.fill([20, 3], 1.5); // [T, N]
  const s0 = neuron.initialState({}, [3], key(0)); // v = V_reset

  // The records: spikes, v after reset (SpikingJelly's v_seq) and v before reset, each [T, N].
  const [sT, rec] = lifRecord(config)({}, s0, xs);

  // The same run, differentiable: BPTT through the fused kernel.
  const dxs = tf.grad((x: tf.Tensor) => tf.sum(neuron.sequence({}, s0, x)[1]))(xs);
  return { xs, s0, sT, rec, dxs };
}
