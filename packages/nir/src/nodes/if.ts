/**
 * NIR `IF` (`nir/ir/neuron.py`, `IF`; table: "Integrator; Threshold", reset to `v_reset`):
 *
 *   v̇ = R I,   z = 1 if v > v_threshold,   v ← v_reset where z = 1
 *
 * with forward Euler at `dt`: `v' = v + dt·r·x; z = v' > v_threshold; v = z ? v_reset : v'`; output z.
 * Params `r`, `v_threshold`, `v_reset` (0 when absent). State `{ v }`, starting at 0.
 */
import * as tf from '@spikefn/core/tf';
import { makeNodeLayer, arrayParam, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';
import { vResetOf } from './lif.js';
import { fireAndReset, neuronShape, zeroState } from './neuron-common.js';

/** `v + dt·r·x`: forward Euler of `v̇ = R I`. */
export const integrate = (v: tf.Tensor, x: tf.Tensor, dt: number, r: tf.Tensor): tf.Tensor =>
  tf.add(v, tf.mul(tf.mul(tf.scalar(dt, 'float32'), r), x));

/** The IF node layer. */
export function ifLayer(w: Where, node: NirNode, dt: number): NirNodeLayer<NirParams, { readonly v: tf.Tensor }> {
  const floats = { r: arrayParam(w, node, 'r'), v_threshold: arrayParam(w, node, 'v_threshold'), v_reset: vResetOf(w, node) };
  return makeNodeLayer({
    kind: 'nir.IF',
    type: 'IF',
    floats,
    outputShape: (params, inputShape) => neuronShape(w, params, inputShape),
    initialState: (params, inputShape) => zeroState(['v'], neuronShape(w, params, inputShape)),
    step: (p, state, x) => {
      const vPre = integrate(state.v, x, dt, p['r']!);
      const [v, z] = fireAndReset(vPre, p['v_threshold']!, p['v_reset']!);
      return [{ v }, z, { v_pre_reset: vPre }];
    },
  });
}
