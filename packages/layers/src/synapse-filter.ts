/**
 * `synapseFilter`: SpikingJelly's `layer.SynapseFilter`, a first-order low-pass synapse: between spikes the
 * current decays, `τ·dI/dt = -I`; a spike adds 1. Discretised (Diehl & Cook, "Unsupervised learning of digit
 * recognition using spike-timing-dependent plasticity", Front. Comput. Neurosci. 2015; Fang et al., "Exploiting
 * Neuron and Synapse Filter Dynamics in Spatial Temporal Learning of Deep Spiking Neural Network", IJCAI 2020):
 *
 *   I[t] = I[t-1] - (1 - S[t])·I[t-1]·r + S[t],   y[t] = I[t],   I[-1] = 0
 *
 * with `r = 1/τ` (fixed), or `r = sigmoid(w)` with `w` learnable and initialised to `-log(τ - 1)` (so r starts at
 * exactly 1/τ). A spike (S = 1) adds 1 and suppresses that step's decay; real-valued S is allowed. Without input
 * the current decays geometrically: `I[t+n] = (1 - r)ⁿ·I[t]`. Requires `τ > 1`. Defaults: `τ = 100`, not learnable.
 *
 * State `{ i }` has the input's shape (any rank). Params: `{ w }` (a scalar) when learnable, else `{}`.
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  tidyStep,
  type Layer,
  checkFinite as finite,
  checkSameShape as sameShape,
  SpikefnArgumentError,
  checkShape as validShape,
} from '@spikefn/core';

/** Hyper-parameters of {@link synapseFilter}. Defaults: `tau = 100`, `learnable = false`. @category layers */
export type SynapseFilterConfig = {
  /** τ > 1, the time constant of the current's decay (r = 1/τ). Default 100. */
  readonly tau?: number;
  /** Learn the decay as `r = sigmoid(w)`, w initialised to `-log(τ - 1)`. Default false. */
  readonly learnable?: boolean;
};

/** `{ w }` (scalar, `r = sigmoid(w)`) when learnable, else `{}`. @category layers */
export type SynapseFilterParams = {
  /** The scalar w with `r = sigmoid(w)`; present only when `learnable`. */
  readonly w?: tf.Tensor;
};

/** The synaptic current `i`, shaped as the input. @category layers */
export type SynapseFilterState = {
  /** I[t-1], the synaptic current: the input's shape, zeros initially. */
  readonly i: tf.Tensor;
};

/** One step: `I' = I - (1 - S)·I·r + S` with `r` a number or a scalar tensor. Checks nothing. @category layers */
export function synapseFilterStep(state: SynapseFilterState, s: tf.Tensor, r: number | tf.Tensor): [SynapseFilterState, tf.Tensor] {
  const i = tf.add(tf.sub(state.i, tf.mul(tf.mul(tf.sub(1, s), state.i), r)), s);
  return [{ i }, i];
}

/** The synapse filter layer. @category layers */
export function synapseFilter(config: SynapseFilterConfig = {}): Layer<SynapseFilterParams, SynapseFilterState> {
  const fn = 'synapseFilter';
  const tau = finite(fn, 'tau', config.tau ?? 100);
  if (!(tau > 1)) throw new SpikefnArgumentError(fn, 'tau', 'a time constant > 1', String(tau));
  const learnable = config.learnable ?? false;
  return {
    kind: fn,
    init: () => (learnable ? { w: tf.scalar(-Math.log(tau - 1)) } : {}),
    initialState: (_, inputShape) => ({ i: tf.zeros([...(inputShape.length === 0 ? [] : validShape(fn, 'inputShape', inputShape))]) }),
    outputShape: (_, inputShape) => inputShape,
    step: (params, state, s) => {
      sameShape(fn, 'x', s, state.i, 'the shape of the state from initialState');
      if (learnable && params.w === undefined) throw new SpikefnArgumentError(fn, 'params.w', 'a scalar tensor (learnable: true)', 'none');
      return tidyStep(() => synapseFilterStep(state, s, learnable ? tf.sigmoid(params.w as tf.Tensor) : 1 / tau));
    },
  };
}
