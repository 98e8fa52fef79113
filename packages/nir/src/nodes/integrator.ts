/**
 * NIR `I`, the integrator (`nir/ir/neuron.py`, `I`): `v̇ = R I`, with forward Euler at `dt`:
 *
 *   v' = v + dt·r·x;   output v'
 *
 * Params `r`. State `{ v }`, starting at 0.
 */
import type * as tf from '@spikefn/core/tf';
import { makeNodeLayer, arrayParam, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';
import { integrate } from './if.js';
import { neuronShape, zeroState } from './neuron-common.js';

/** The integrator node layer. */
export function integratorLayer(w: Where, node: NirNode, dt: number): NirNodeLayer<NirParams, { readonly v: tf.Tensor }> {
  return makeNodeLayer({
    kind: 'nir.I',
    type: 'I',
    floats: { r: arrayParam(w, node, 'r') },
    outputShape: (params, inputShape) => neuronShape(w, params, inputShape),
    initialState: (params, inputShape) => zeroState(['v'], neuronShape(w, params, inputShape)),
    step: (p, state, x) => {
      const v = integrate(state.v, x, dt, p['r']!);
      return [{ v }, v, {}];
    },
  });
}
