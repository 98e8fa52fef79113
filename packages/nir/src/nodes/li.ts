/**
 * NIR `LI`, the leaky integrator (`nir/ir/neuron.py`, `LI`): `τ v̇ = (v_leak − v) + R I`, with forward Euler at `dt`:
 *
 *   v' = v + (dt/τ)·(v_leak − v + r·x);   output v'
 *
 * Params `tau`, `r`, `v_leak`. State `{ v }`, starting at 0.
 */
import type * as tf from '@spikefn/core/tf';
import { makeNodeLayer, arrayParam, positiveParam, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';
import { leakyEuler, neuronShape, zeroState } from './neuron-common.js';

/** The LI node layer. */
export function liLayer(w: Where, node: NirNode, dt: number): NirNodeLayer<NirParams, { readonly v: tf.Tensor }> {
  const floats = { tau: positiveParam(w, node, 'tau'), r: arrayParam(w, node, 'r'), v_leak: arrayParam(w, node, 'v_leak') };
  return makeNodeLayer({
    kind: 'nir.LI',
    type: 'LI',
    floats,
    outputShape: (params, inputShape) => neuronShape(w, params, inputShape),
    initialState: (params, inputShape) => zeroState(['v'], neuronShape(w, params, inputShape)),
    step: (p, state, x) => {
      const v = leakyEuler(state.v, x, dt, p['tau']!, p['r']!, p['v_leak']!);
      return [{ v }, v, {}];
    },
  });
}
