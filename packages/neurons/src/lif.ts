/**
 * LIF: the leaky integrate-and-fire neuron (Gerstner & Kistler, "Spiking Neuron Models", Cambridge University
 * Press 2002, ch. 4.1; SpikingJelly `LIFNode` / `MultiStepLIFNode`), discretised with time constant τ, k = 1/τ,
 * V_r = V_reset (or 0 for a soft reset):
 *
 *   charge   h_t = v_{t−1} + (x_t − (v_{t−1} − V_r))/τ      decayInput = true  (SpikingJelly's only form in 0.0.0.0.8)
 *            h_t = v_{t−1} − (v_{t−1} − V_r)/τ + x_t        decayInput = false (SpikingJelly ≥ 0.0.0.0.10)
 *   fire     s_t = Θ(h_t − V_th)                            Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t               (vReset a number: hard reset)
 *            v_t = h_t − V_th·s_t                            (vReset = null: soft reset)
 *
 * The division by τ is computed as a multiplication by k = 1/τ rounded to float32 (SpikingJelly divides; the two
 * agree to float32 rounding). Without firing and with V_r = 0, v_0 = 0, decayInput: v_t = Σ_{s≤t} (1 − 1/τ)^{t−s}·x_s/τ.
 *
 * Initial v: V_reset (hard) or 0 (soft). `detachReset` stops the gradient through s_t inside the reset only.
 * Records (`lifRecord`): `v` is v_t after reset (SpikingJelly's `v_seq`), `vBeforeReset` is h_t.
 *
 * Defaults: tau = 2, decayInput = true, vThreshold = 1, vReset = 0, detachReset = false, surrogate = sigmoid(4).
 * `tau` must be a finite number > 1 (as SpikingJelly ≥ 0.0.0.0.10 asserts): then 0 < 1/τ < 1 and a membrane without
 * input relaxes to V_r without overshoot.
 *
 * Params: `{}` (τ is a constant; see plif.ts for a learnable one). State: `{ v }`.
 *
 * @example
 * ```ts
 * import { lifNode } from './lif.js';
 * const neuron = lifNode({ tau: 2 });
 * const [state, spikes] = neuron.sequence({}, neuron.initialState({}, [B, C], key(0)), xs); // xs: [T, B, C]
 * ```
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { checkBoolean, checkTau, neuronLayer, resolveBase, type BaseConfig, type NeuronLayer } from './neuron.js';

/** LIF settings (all optional; see the header for defaults). @category neurons */
export type LifConfig = BaseConfig & {
  /** Membrane time constant τ > 1 (in steps). Default 2. */
  readonly tau?: number;
  /** Whether the input is scaled by 1/τ too. Default true. */
  readonly decayInput?: boolean;
};
/** LIF params: none. @category neurons */
export type LifParams = Empty;

/** The LIF neuron layer. @category neurons */
export function lifNode(config: LifConfig = {}): NeuronLayer<LifParams> {
  const settings = resolveBase('lifNode', config);
  const tau = checkTau('lifNode', 'config.tau', config.tau ?? 2);
  const decayInput = checkBoolean('lifNode', 'config.decayInput', config.decayInput ?? true);
  const k = Math.fround(1 / tau);
  return neuronLayer<LifParams>({
    kind: 'lif',
    settings,
    form: decayInput ? 'decay-input' : 'no-decay-input',
    init: () => empty,
    checkParams: (fn, params) => {
      if (params === null || typeof params !== 'object')
        throw new SpikefnArgumentError(fn, 'params', 'the empty record {}', String(params));
    },
    decay: () => tf.scalar(k, 'float32'),
    learnableDecay: false,
    constantDecay: k,
  });
}

/** `lifNode(config).record`: a multi-step run that returns `[state', { spikes, v, vBeforeReset }]`. @category neurons */
export const lifRecord = (config: LifConfig = {}) => lifNode(config).record;
