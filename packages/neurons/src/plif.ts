/**
 * ParametricLIF: the LIF neuron with a learnable membrane time constant (Fang, Yu, Chen, Huang, Masquelier &
 * Tian, "Incorporating Learnable Membrane Time Constant to Enhance Learning of Spiking Neural Networks", ICCV 2021;
 * SpikingJelly `ParametricLIFNode` / `MultiStepParametricLIFNode`).
 *
 *   1/τ = k = sigmoid(w),   w initialised to −log(τ₀ − 1) so that k starts at 1/τ₀
 *   charge   h_t = v_{t−1} + (x_t − (v_{t−1} − V_r))·k      decayInput = true
 *            h_t = v_{t−1} − (v_{t−1} − V_r)·k + x_t        decayInput = false
 *   fire     s_t = Θ(h_t − V_th)                            Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t               (vReset a number: hard reset)
 *            v_t = h_t − V_th·s_t                            (vReset = null: soft reset)
 *
 * V_r = V_reset, or 0 for a soft reset. Gradients reach w through k (BPTT over every step and neuron). One w is
 * shared by the whole layer, as in SpikingJelly.
 *
 * Initial v: V_reset (hard) or 0 (soft). Records (`plifRecord`): `v` after reset, `vBeforeReset` = h_t.
 *
 * Defaults: tau (τ₀) = 2, decayInput = true, vThreshold = 1, vReset = 0, detachReset = false, surrogate = sigmoid(4).
 * `tau` must be a finite number > 1 (SpikingJelly asserts `init_tau > 1`).
 *
 * Params: `{ w }`, a float32 scalar. State: `{ v }`.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import type { Key } from '@spikefn/core';
import { SpikefnArgumentError } from '@spikefn/core';
import { checkBoolean, checkTau, neuronLayer, resolveBase, type BaseConfig, type NeuronLayer } from './neuron.js';

/** PLIF settings (all optional; see the header for defaults). @category neurons */
export type PlifConfig = BaseConfig & {
  /** The initial membrane time constant τ₀ > 1. Default 2. */
  readonly tau?: number;
  /** Whether the input is scaled by k too. Default true. */
  readonly decayInput?: boolean;
};
/** PLIF params: the scalar w with 1/τ = sigmoid(w). @category neurons */
export type PlifParams = {
  /** The learnable float32 scalar (shape `[]`) w, with k = 1/τ = sigmoid(w); initially −log(τ₀ − 1) (see {@link plifWeight}). */
  readonly w: tf.Tensor;
};

/** w for an initial τ₀: −log(τ₀ − 1). @category neurons */
export const plifWeight = (tau: number): number => -Math.log(checkTau('plifWeight', 'tau', tau) - 1);

/** The ParametricLIF neuron layer. @category neurons */
export function plifNode(config: PlifConfig = {}): NeuronLayer<PlifParams> {
  const settings = resolveBase('plifNode', config);
  const tau = checkTau('plifNode', 'config.tau', config.tau ?? 2);
  const decayInput = checkBoolean('plifNode', 'config.decayInput', config.decayInput ?? true);
  const w0 = -Math.log(tau - 1);
  return neuronLayer<PlifParams>({
    kind: 'plif',
    settings,
    form: decayInput ? 'decay-input' : 'no-decay-input',
    init: (_key: Key) => ({ w: tf.scalar(w0, 'float32') }),
    checkParams: (fn, params) => {
      const w = (params as Partial<PlifParams> | null)?.w;
      if (!(w instanceof tf.Tensor)) throw new SpikefnArgumentError(fn, 'params.w', 'a scalar tensor', String(w));
      if (w.rank !== 0 || w.dtype !== 'float32')
        throw new SpikefnArgumentError(fn, 'params.w', 'a float32 scalar (shape [])', `${w.dtype} shape [${w.shape.join(', ')}]`);
    },
    decay: (params) => tf.sigmoid(params.w),
    learnableDecay: true,
  });
}

/** `plifNode(config).record`: a multi-step run that returns `[state', { spikes, v, vBeforeReset }]`. @category neurons */
export const plifRecord = (config: PlifConfig = {}) => plifNode(config).record;
