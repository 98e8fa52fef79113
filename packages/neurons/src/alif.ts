/**
 * ALIF: the adaptive leaky integrate-and-fire neuron of LSNNs (Bellec, Salaj, Subramoney, Legenstein & Maass, "Long
 * short-term memory and learning-to-learn in networks of spiking neurons", NeurIPS 2018): a LIF neuron whose threshold
 * rises by a jump after each of its spikes and decays back with its own, slower time constant τ_a.
 *
 * With k = 1/τ (float32), ρ = exp(−1/τ_a) (float32), V_r = V_reset (or 0 for a soft reset), b_0 = V_th:
 *
 *   charge   h_t = v_{t−1} + (x_t − (v_{t−1} − V_r))·k          (LIF's decay-input charge)
 *            A_t = b_0 + β·b_{t−1}                            the adaptive threshold
 *   fire     s_t = Θ(h_t − A_t)                               Θ(0) = 1; backward: surrogate'(h_t − A_t)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t                 (vReset a number: hard reset)
 *            v_t = h_t − A_t·s_t                              (vReset = null: soft reset, subtract the threshold)
 *   adapt    b_t = ρ·b_{t−1} + (1 − ρ)·s_t                     the threshold's jump (1 − ρ)·β per spike, then decay
 *
 * This is the paper's discrete-time model (its eq. for A_j(t) = b⁰_j + β_j·b_j(t), b_j(t + δt) = ρ_j·b_j(t) +
 * (1 − ρ_j)·z_j(t), ρ_j = exp(−δt/τ_a)) with δt = 1 step; its membrane α·v + (1 − α)·R·I is LIF's charge with
 * k = 1 − α (choose τ = 1/(1 − α)). The paper's soft reset subtracts the threshold, as `vReset: null` does here.
 * `detachReset` detaches s_t in the reset of v only; the adaptation b_t keeps its gradient (BPTT through b is what
 * gives LSNNs their memory). With β = 0 the neuron is `lifNode` with the same τ and V_th.
 *
 * Defaults: tau = 20, tauA = 200 (steps; with δt = 1 ms, of the order the paper uses: τ_m = 20 ms, τ_a of hundreds of
 * ms), beta = 1.8, vThreshold (b_0) = 1, vReset = 0, detachReset = false, surrogate = sigmoid(4) (the paper's
 * pseudo-derivative is piecewise linear, max(0, 1 − abs(h − A)/A)·0.3; pass the surrogate you want). Checks: τ > 1, τ_a > 0 with
 * 0 < ρ < 1 in float32, β ≥ 0 finite.
 *
 * Params: `{}`. State: `{ v, b }` (v starts at V_r, b at 0). Record (`record`): `{ output, state: { v, b },
 * charged: { h, threshold } }`, each `[T, ...]`, where `threshold` is A_t.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { neuron, type ModelLayer, type ModelRecord } from './model.js';
import { checkEmptyParams, finiteConfig, fireAt, positiveConfig, resetAt } from './model-common.js';
import { checkTau, resolveBase, type BaseConfig, type BaseSettings } from './neuron.js';

/** ALIF settings (all optional; see the header for defaults). @category neurons */
export type AlifConfig = BaseConfig & {
  /** Membrane time constant τ > 1 (steps). Default 20. */
  readonly tau?: number;
  /** Adaptation time constant τ_a > 0 (steps): ρ = exp(−1/τ_a). Default 200. */
  readonly tauA?: number;
  /** β ≥ 0, how much the threshold rises per unit of b. Default 1.8. */
  readonly beta?: number;
};
/** ALIF params: none. @category neurons */
export type AlifParams = Empty;
/** ALIF state: the membrane v after reset and the threshold adaptation b. @category neurons */
export type AlifState = {
  /** v_t, the membrane after reset. */
  readonly v: tf.Tensor;
  /** b_t, the adaptation variable (the threshold is b_0 + β·b). */
  readonly b: tf.Tensor;
};
/** ALIF charged variables: h_t (before reset) and the threshold A_t it was compared with. @category neurons */
export type AlifCharged = {
  /** h_t, the membrane after charge, before reset. */
  readonly h: tf.Tensor;
  /** A_t = b_0 + β·b_{t−1}. */
  readonly threshold: tf.Tensor;
};
/** The ALIF layer: a {@link ModelLayer} with its settings. @category neurons */
export type AlifLayer = ModelLayer<AlifParams, AlifState, ModelRecord<AlifState, AlifCharged>> & {
  /** The shared neuron settings (V_th is b_0). */
  readonly settings: BaseSettings;
  /** τ, τ_a and β as given (defaults filled in). */
  readonly adaptation: {
    /** τ, the membrane time constant (steps). */
    readonly tau: number;
    /** τ_a, the adaptation time constant (steps). */
    readonly tauA: number;
    /** β, the threshold's rise per unit of b. */
    readonly beta: number;
  };
};

/** The ALIF (LSNN) neuron layer. @category neurons */
export function alifNode(config: AlifConfig = {}): AlifLayer {
  const fn = 'alifNode';
  const settings = resolveBase(fn, config);
  const tau = checkTau(fn, 'config.tau', config.tau ?? 20);
  const tauA = positiveConfig(fn, 'config.tauA', config.tauA, 200);
  const beta = finiteConfig(fn, 'config.beta', config.beta, 1.8);
  if (!(beta >= 0)) throw new SpikefnArgumentError(fn, 'config.beta', 'a finite number >= 0', String(beta));
  const k = Math.fround(1 / tau);
  const rho = Math.fround(Math.exp(-1 / tauA));
  if (!(rho > 0 && rho < 1))
    throw new SpikefnArgumentError(
      fn,
      'config.tauA',
      `a τ_a whose ρ = exp(−1/τ_a) is strictly between 0 and 1 in float32 (got ρ = ${rho})`,
      String(tauA),
    );
  const vR = settings.vReset ?? 0;
  const layer = neuron<AlifParams, AlifState, AlifCharged>({
    kind: 'alif',
    stateKeys: ['v', 'b'],
    init: () => empty,
    checkParams: checkEmptyParams,
    initialState: (_p, shape) => ({ v: tf.fill([...shape], vR, 'float32'), b: tf.zeros([...shape], 'float32') }),
    charge: (_p, { v, b }, x) => ({
      h: tf.add(v, tf.mul(tf.sub(x, vR === 0 ? v : tf.sub(v, vR)), k)),
      threshold: tf.add(tf.mul(b, beta), settings.vThreshold),
    }),
    fire: (_p, { h, threshold }) => fireAt(settings, h, threshold),
    reset: (_p, { h, threshold }, s, { b }) => {
      const spikes = s as tf.Tensor;
      return { v: resetAt(settings, h, spikes, threshold), b: tf.add(tf.mul(b, rho), tf.mul(spikes, Math.fround(1 - rho))) };
    },
  });
  return Object.freeze({ ...layer, settings, adaptation: Object.freeze({ tau, tauA, beta }) });
}
