/**
 * NIR `CubaLI`, the current-based leaky integrator (`nir/ir/neuron.py`, `CubaLI`; table: "LI; Linear; LI"):
 *
 *   i' = i + (dt/τ_syn)·(−i + w_in·x);   v' = v + (dt/τ_mem)·(v_leak − v + r·i');   output v'
 *
 * (CubaLIF without threshold and reset). Params `tau_syn`, `tau_mem`, `r`, `v_leak`, `w_in` (1 when absent).
 * State `{ i, v }`, starting at 0.
 */
import type * as tf from '@spikefn/core/tf';
import { makeNodeLayer, arrayParam, positiveParam, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';
import { synapse, wInOf } from './cuba-lif.js';
import { leakyEuler, neuronShape, zeroState } from './neuron-common.js';

/** The CubaLI node layer. */
export function cubaLiLayer(
  w: Where,
  node: NirNode,
  dt: number,
): NirNodeLayer<NirParams, { readonly i: tf.Tensor; readonly v: tf.Tensor }> {
  const floats = {
    tau_syn: positiveParam(w, node, 'tau_syn'),
    tau_mem: positiveParam(w, node, 'tau_mem'),
    r: arrayParam(w, node, 'r'),
    v_leak: arrayParam(w, node, 'v_leak'),
    w_in: wInOf(w, node),
  };
  return makeNodeLayer({
    kind: 'nir.CubaLI',
    type: 'CubaLI',
    floats,
    outputShape: (params, inputShape) => neuronShape(w, params, inputShape),
    initialState: (params, inputShape) => zeroState(['i', 'v'], neuronShape(w, params, inputShape)),
    step: (p, state, x) => {
      const i = synapse(state.i, x, dt, p['tau_syn']!, p['w_in']!);
      const v = leakyEuler(state.v, i, dt, p['tau_mem']!, p['r']!, p['v_leak']!);
      return [{ i, v }, v, {}];
    },
  });
}
