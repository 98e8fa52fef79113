import * as tf from '@spikefn/core/tf';
import { key, trainCtx, multiStep, sequential } from '@spikefn/core';
import { dropout, synapseFilter } from '@spikefn/layers';

export const T = 6;
export const B = 2;

/** Spikes → a per-sequence dropout mask → a low-pass synapse, run over T steps. */
export function seedLayers() {
  const net = multiStep(sequential({ drop: dropout(0.5), syn: synapseFilter({ tau: 4 }) }));
  const params = net.init(key(0));
  const xs = tf.tidy(() => tf.cast(tf.greater(tf.sin(tf.reshape(tf.range(0, T * B * 8), [T, B, 8])), 0.3), 'float32'));
  const s0 = net.initialState(params, [T, B, 8], key(1)); // the mask comes from key(1)
  const [s1, currents] = net.step(params, s0, xs, trainCtx(key(2)));
  const again = net.initialState(params, [T, B, 8], key(1)); // same key: same mask
  const other = net.initialState(params, [T, B, 8], key(3)); // another sequence: another mask
  return { params, xs, s0, s1, currents, again, other };
}
