/**
 * NIR `LIF` (`nir/ir/neuron.py`, `LIF`; NIR's primitive table: "LI; Threshold", reset to `v_reset`):
 *
 *   τ v̇ = (v_leak − v) + R I,   z = 1 if v > v_threshold,   v ← v_reset where z = 1
 *
 * discretised with forward Euler at `dt`, in the order integrate → fire → reset:
 *
 *   v' = v + (dt/τ)·(v_leak − v + r·x);   z = v' > v_threshold;   v = z ? v_reset : v';   output z
 *
 * Params (per neuron, broadcast to the input): `tau`, `r`, `v_leak`, `v_threshold`, `v_reset` (a file without
 * `v_reset` reads as `v_reset = 0`, as `nir`'s reader does). State `{ v }`, starting at 0.
 */
import type * as tf from '@spikefn/core/tf';
import { makeNodeLayer, arrayParam, positiveParam, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';
import { fireAndReset, leakyEuler, neuronShape, zeroState } from './neuron-common.js';

/** `v_reset` as stored, or zeros shaped like `v_threshold` (nir's reader: `np.zeros_like(v_threshold)`). */
export function vResetOf(w: Where, node: NirNode) {
  const vth = arrayParam(w, node, 'v_threshold');
  return node.params['v_reset'] === undefined ? { ...vth, data: vth.data.map(() => 0) } : arrayParam(w, node, 'v_reset');
}

/** The LIF node layer. */
export function lifLayer(w: Where, node: NirNode, dt: number): NirNodeLayer<NirParams, { readonly v: tf.Tensor }> {
  const floats = {
    tau: positiveParam(w, node, 'tau'),
    r: arrayParam(w, node, 'r'),
    v_leak: arrayParam(w, node, 'v_leak'),
    v_threshold: arrayParam(w, node, 'v_threshold'),
    v_reset: vResetOf(w, node),
  };
  return makeNodeLayer({
    kind: 'nir.LIF',
    type: 'LIF',
    floats,
    outputShape: (params, inputShape) => neuronShape(w, params, inputShape),
    initialState: (params, inputShape) => zeroState(['v'], neuronShape(w, params, inputShape)),
    step: (p, state, x) => {
      const vPre = leakyEuler(state.v, x, dt, p['tau']!, p['r']!, p['v_leak']!);
      const [v, z] = fireAndReset(vPre, p['v_threshold']!, p['v_reset']!);
      return [{ v }, z, { v_pre_reset: vPre }];
    },
  });
}
