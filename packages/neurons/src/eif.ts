/**
 * EIF: the exponential integrate-and-fire neuron (Fourcaud-Trocmé, Hansel, van Vreeswijk & Brunel, "How spike
 * generation mechanisms determine the neuronal response to fluctuating inputs", J. Neuroscience 23(37), 2003), as
 * SpikingJelly 0.0.0.0.8's `EIFNode` / `MultiStepEIFNode` compute it (`clock_driven/neuron.py`, `neuronal_charge`):
 *
 *   charge   h_t = v_{t−1} + (x_t + v_rest − v_{t−1} + Δ_T·exp((v_{t−1} − θ_rh)/Δ_T))/τ
 *   fire     s_t = Θ(h_t − V_th)                   Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t      (vReset a number: hard reset)
 *            v_t = h_t − V_th·s_t                   (vReset = null: soft reset)
 *
 * computed in that order in float32 (divisions by Δ_T and τ, as SpikingJelly). Initial v: V_reset (hard) or 0 (soft).
 *
 * The drift −(v − v_rest) + Δ_T·exp((v − θ_rh)/Δ_T) is smallest at v = θ_rh, where it is Δ_T − (θ_rh − v_rest): the
 * neuron has a resting state only when θ_rh − v_rest ≥ Δ_T. SpikingJelly's defaults (Δ_T = 1, θ_rh = 0.8) have
 * none: with zero input v rises at every step and the neuron fires on its own (every 8 steps; reproduced, and pinned
 * by the parity fixture `defaults_zero_input_multi`). A soft reset can diverge (v → ∞, then NaN), as in SpikingJelly.
 *
 * Defaults as SpikingJelly 0.0.0.0.8: tau = 2, deltaT = 1, thetaRh = 0.8, vRest = 0, vThreshold = 1,
 * **vReset = −0.1**, detachReset = false; surrogate `sigmoid(4)` as every spikefn neuron (pass `sigmoid(1)` for
 * SpikingJelly 0.0.0.0.8's default). Checks as SpikingJelly asserts: τ > 1, Δ_T > 0, and with a hard reset
 * vRest ≥ vReset (and vThreshold > vReset).
 *
 * Params: `{}`. State: `{ v }`. Records: `{ spikes, v, vBeforeReset }`, as IF/LIF. No fused kernel: `sequence` is
 * `scan` of `step`.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { neuron } from './model.js';
import { checkEmptyParams, finiteConfig, fireAt, positiveConfig, resetAt } from './model-common.js';
import { checkTau, resolveBase, type BaseConfig, type NeuronLayer, type NeuronRecord, type NeuronState } from './neuron.js';

/** EIF settings (all optional; see the header for defaults). @category neurons */
export type EifConfig = BaseConfig & {
  /** Membrane time constant τ > 1 (in steps). Default 2. */
  readonly tau?: number;
  /** Δ_T > 0, the sharpness of the exponential spike onset. Default 1. */
  readonly deltaT?: number;
  /** θ_rh, the rheobase threshold (where the exponential takes over). Default 0.8. */
  readonly thetaRh?: number;
  /** v_rest, the potential the leak pulls towards. Default 0. */
  readonly vRest?: number;
};
/** EIF params: none. @category neurons */
export type EifParams = Empty;

/** The EIF neuron layer. @category neurons */
export function eifNode(config: EifConfig = {}): NeuronLayer<EifParams> {
  const fn = 'eifNode';
  const settings = resolveBase(fn, { ...config, vReset: config?.vReset === undefined ? -0.1 : config.vReset });
  const tau = checkTau(fn, 'config.tau', config.tau ?? 2);
  const deltaT = positiveConfig(fn, 'config.deltaT', config.deltaT, 1);
  const thetaRh = finiteConfig(fn, 'config.thetaRh', config.thetaRh, 0.8);
  const vRest = finiteConfig(fn, 'config.vRest', config.vRest, 0);
  if (settings.vReset !== null && !(vRest >= settings.vReset))
    throw new SpikefnArgumentError(fn, 'config.vRest', `a number >= config.vReset (${settings.vReset}) for a hard reset`, String(vRest));
  const v0 = settings.vReset ?? 0;
  const layer = neuron<EifParams, NeuronState, { readonly h: tf.Tensor }, NeuronRecord>({
    kind: 'eif',
    stateKeys: ['v'],
    init: () => empty,
    checkParams: checkEmptyParams,
    initialState: (_p, shape) => ({ v: tf.fill([...shape], v0, 'float32') }),
    charge: (_p, { v }, x) => {
      const onset = tf.mul(tf.exp(tf.div(tf.sub(v, thetaRh), deltaT)), deltaT);
      return { h: tf.add(v, tf.div(tf.add(tf.sub(tf.add(x, vRest), v), onset), tau)) };
    },
    fire: (_p, { h }) => fireAt(settings, h, settings.vThreshold),
    reset: (_p, { h }, s) => ({ v: resetAt(settings, h, s as tf.Tensor, settings.vThreshold) }),
    trace: ({ h }, { v }, spikes) => ({ spikes, v, vBeforeReset: h }),
  });
  return Object.freeze({ ...layer, settings });
}
