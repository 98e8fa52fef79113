import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { neuron, sigmoid } from '@spikefn/neurons';

/**
 * A LIF neuron with an absolute refractory period: after a spike it ignores its input for `refractory` steps.
 * State { v, r }: the membrane and the steps of refractoriness left.
 */
export function refractoryLif(tau = 2, refractory = 2) {
  const surrogate = sigmoid(4);
  return neuron({
    kind: 'refractoryLif',
    stateKeys: ['v', 'r'],
    init: () => ({}),
    initialState: (_params, shape) => ({ v: tf.zeros([...shape]), r: tf.zeros([...shape]) }),
    // charge: h = v + (x − v)/τ where the neuron is open (r = 0), h = v while it is refractory.
    charge: (_params, { v, r }, x) => {
      const open = tf.cast(tf.greaterEqual(0, r), 'float32'); // r ≤ 0 (GreaterEqual is the comparison with a gradient)
      return { h: tf.add(v, tf.mul(open, tf.div(tf.sub(x, v), tau))), open };
    },
    // fire: s = Θ(h − 1) with a surrogate gradient, only where open.
    fire: (_params, { h, open }) => tf.mul(surrogate.spike(tf.sub(h, 1)), open),
    // reset: v = 0 after a spike; r counts down to 0, and a spike sets it to `refractory`.
    reset: (_params, { h }, s, { r }) => {
      const spikes = s as tf.Tensor;
      return { v: tf.mul(h, tf.sub(1, spikes)), r: tf.add(tf.relu(tf.sub(r, 1)), tf.mul(spikes, refractory)) };
    },
  });
}

/** Twelve steps of a strong constant input: the plain LIF would fire at every step, this one every third. */
export function runRefractory() {
  const layer = refractoryLif();
  const xs = tf.fill([12, 1], 3); // [T, N]
  const s0 = layer.initialState({}, [1], key(0)); // { v: 0, r: 0 }
  // A scan of step (this model has no fused kernel) that also records every variable over time, each [T, N]:
  // { output (the spikes), state: { v, r }, charged: { h, open } }.
  const [sT, rec] = layer.record({}, s0, xs);
  const dxs = tf.grad((x: tf.Tensor) => tf.sum(layer.sequence({}, s0, x)[1]))(xs); // BPTT through the scan
  return { xs, s0, sT, rec, dxs };
}
