/**
 * NIR `CubaLIF`, current-based LIF (`nir/ir/neuron.py`, `CubaLIF`; table: "LI; Linear; LIF"):
 *
 *   τ_syn İ = −I + w_in S,   τ_mem v̇ = (v_leak − v) + R I,   z = 1 if v > v_threshold,   v ← v_reset where z = 1
 *
 * with forward Euler at `dt`, the current first and the membrane driven by the new current (so that CubaLIF is
 * exactly the chain LI(τ_syn, r = w_in, v_leak = 0) → LIF; the fixtures' README, ambiguity 3):
 *
 *   i' = i + (dt/τ_syn)·(−i + w_in·x);   v' = v + (dt/τ_mem)·(v_leak − v + r·i');   z = v' > v_threshold;
 *   v = z ? v_reset : v';   output z   (i is not reset)
 *
 * Params `tau_syn`, `tau_mem`, `r`, `v_leak`, `v_threshold`, `v_reset` (0 when absent), `w_in` (1 when absent).
 * State `{ i, v }`, starting at 0.
 */
import * as tf from '@spikefn/core/tf';
import { makeNodeLayer, arrayParam, positiveParam, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirArray, NirNode } from '../graph.js';
import { vResetOf } from './lif.js';
import { fireAndReset, leakyEuler, neuronShape, zeroState } from './neuron-common.js';

/** `w_in` as stored, or ones shaped like `tau_syn` (nir's default `w_in = 1.0`). */
export function wInOf(w: Where, node: NirNode): NirArray {
  const tauSyn = arrayParam(w, node, 'tau_syn');
  return node.params['w_in'] === undefined ? { ...tauSyn, data: tauSyn.data.map(() => 1) } : arrayParam(w, node, 'w_in');
}

/** `i + (dt/τ_syn)·(−i + w_in·x)`: the synaptic current's Euler step. */
export function synapse(i: tf.Tensor, x: tf.Tensor, dt: number, tauSyn: tf.Tensor, wIn: tf.Tensor): tf.Tensor {
  const zero = tf.scalar(0, 'float32');
  return leakyEuler(i, x, dt, tauSyn, wIn, zero);
}

/** The CubaLIF node layer. */
export function cubaLifLayer(
  w: Where,
  node: NirNode,
  dt: number,
): NirNodeLayer<NirParams, { readonly i: tf.Tensor; readonly v: tf.Tensor }> {
  const floats = {
    tau_syn: positiveParam(w, node, 'tau_syn'),
    tau_mem: positiveParam(w, node, 'tau_mem'),
    r: arrayParam(w, node, 'r'),
    v_leak: arrayParam(w, node, 'v_leak'),
    v_threshold: arrayParam(w, node, 'v_threshold'),
    v_reset: vResetOf(w, node),
    w_in: wInOf(w, node),
  };
  return makeNodeLayer({
    kind: 'nir.CubaLIF',
    type: 'CubaLIF',
    floats,
    outputShape: (params, inputShape) => neuronShape(w, params, inputShape),
    initialState: (params, inputShape) => zeroState(['i', 'v'], neuronShape(w, params, inputShape)),
    step: (p, state, x) => {
      const i = synapse(state.i, x, dt, p['tau_syn']!, p['w_in']!);
      const vPre = leakyEuler(state.v, i, dt, p['tau_mem']!, p['r']!, p['v_leak']!);
      const [v, z] = fireAndReset(vPre, p['v_threshold']!, p['v_reset']!);
      return [{ i, v }, z, { v_pre_reset: vPre }];
    },
  });
}
