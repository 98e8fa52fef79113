/**
 * CubaLIF: the current-based leaky integrate-and-fire neuron as NIR defines it (Pedersen et al., "Neuromorphic
 * intermediate representation: A unified instruction set for interoperable brain-inspired computing", Nature
 * Communications 15, 2024; NIR's `CubaLIF`: τ_syn·di/dt = −i + w_in·x, τ_mem·dv/dt = (v_leak − v) + r·i), stepped
 * with forward Euler at `dt` in the order of `fixtures/nir/README.md` (the current first, the membrane driven by the
 * new current, so CubaLIF is exactly NIR's chain "LI; Linear; LIF"). With k_s = dt/τ_syn and k_m = dt/τ_mem (float32):
 *
 *   charge   i_t = i_{t−1} + k_s·(w_in·x_t − i_{t−1})              the synaptic current (never reset)
 *            h_t = v_{t−1} + k_m·(v_leak − v_{t−1} + r·i_t)
 *   fire     s_t = Θ(h_t − V_th)                                   Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t                      (vReset a number: hard reset, NIR ≥ 1.0.6)
 *            v_t = h_t − V_th·s_t                                  (vReset = null: soft reset, NIR before 1.0.6)
 *
 * Equal to NIR's node (and to `@spikefn/nir`'s CubaLIF) except at h_t = V_th exactly, where NIR's `v > v_threshold`
 * does not fire and Θ(0) = 1 does; and NIR stores per-neuron arrays where these settings are scalars. Both states
 * start at 0, as in NIR (also with a hard reset to V_reset ≠ 0).
 *
 * Defaults: tauSyn = 5, tauMem = 10, dt = 1 (time constants in the unit of dt, each ≥ dt), r = 1, vLeak = 0, wIn = 1,
 * vThreshold = 1, vReset = 0, detachReset = false, surrogate = sigmoid(4).
 *
 * Params: `{}`. State: `{ i, v }`. Record: `{ output, state: { i, v }, charged: { i, h } }`, each `[T, ...]`.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty } from '@spikefn/core';
import { neuron, type ModelLayer, type ModelRecord } from './model.js';
import { checkEmptyParams, eulerFactor, finiteConfig, fireAt, positiveConfig, resetAt } from './model-common.js';
import { resolveBase, type BaseConfig, type BaseSettings } from './neuron.js';

/** CubaLIF settings (all optional; see the header for defaults). @category neurons */
export type CubaLifConfig = BaseConfig & {
  /** τ_syn ≥ dt, the synaptic current's time constant. Default 5. */
  readonly tauSyn?: number;
  /** τ_mem ≥ dt, the membrane time constant. Default 10. */
  readonly tauMem?: number;
  /** The Euler step dt > 0 (same unit as the time constants). Default 1. */
  readonly dt?: number;
  /** r, the membrane's resistance to the current. Default 1. */
  readonly r?: number;
  /** v_leak, the potential the membrane leaks towards. Default 0. */
  readonly vLeak?: number;
  /** w_in, the input weight of the current. Default 1. */
  readonly wIn?: number;
};
/** CubaLIF params: none. @category neurons */
export type CubaLifParams = Empty;
/** CubaLIF state: the synaptic current i and the membrane v after reset. @category neurons */
export type CubaLifState = {
  /** i_t, the synaptic current. */
  readonly i: tf.Tensor;
  /** v_t, the membrane after reset. */
  readonly v: tf.Tensor;
};
/** CubaLIF charged variables: the new current i_t and the membrane h_t before reset. @category neurons */
export type CubaLifCharged = {
  /** i_t. */
  readonly i: tf.Tensor;
  /** h_t, the membrane after charge, before reset (NIR's `v_pre_reset`). */
  readonly h: tf.Tensor;
};
/** The CubaLIF layer: a {@link ModelLayer} with its settings. @category neurons */
export type CubaLifLayer = ModelLayer<CubaLifParams, CubaLifState, ModelRecord<CubaLifState, CubaLifCharged>> & {
  /** The shared neuron settings. */
  readonly settings: BaseSettings;
};

/** The current of CubaLIF / CubaLI: i + k_s·(w_in·x − i). */
export const synapticCurrent = (i: tf.Tensor, x: tf.Tensor, kSyn: number, wIn: number): tf.Tensor =>
  tf.add(i, tf.mul(tf.sub(tf.mul(x, wIn), i), kSyn));

/** NIR's leaky Euler step of a membrane: v + k·(v_leak − v + r·x). */
export const leakyStep = (v: tf.Tensor, x: tf.Tensor, k: number, r: number, vLeak: number): tf.Tensor =>
  tf.add(v, tf.mul(tf.add(tf.sub(vLeak, v), tf.mul(x, r)), k));

/** The CubaLIF neuron layer. @category neurons */
export function cubaLifNode(config: CubaLifConfig = {}): CubaLifLayer {
  const fn = 'cubaLifNode';
  const settings = resolveBase(fn, config);
  const dt = positiveConfig(fn, 'config.dt', config.dt, 1);
  const kSyn = eulerFactor(fn, 'config.tauSyn', positiveConfig(fn, 'config.tauSyn', config.tauSyn, 5), dt);
  const kMem = eulerFactor(fn, 'config.tauMem', positiveConfig(fn, 'config.tauMem', config.tauMem, 10), dt);
  const r = finiteConfig(fn, 'config.r', config.r, 1);
  const vLeak = finiteConfig(fn, 'config.vLeak', config.vLeak, 0);
  const wIn = finiteConfig(fn, 'config.wIn', config.wIn, 1);
  const layer = neuron<CubaLifParams, CubaLifState, CubaLifCharged>({
    kind: 'cubaLif',
    stateKeys: ['i', 'v'],
    init: () => empty,
    checkParams: checkEmptyParams,
    initialState: (_p, shape) => ({ i: tf.zeros([...shape], 'float32'), v: tf.zeros([...shape], 'float32') }),
    charge: (_p, state, x) => {
      const i = synapticCurrent(state.i, x, kSyn, wIn);
      return { i, h: leakyStep(state.v, i, kMem, r, vLeak) };
    },
    fire: (_p, { h }) => fireAt(settings, h, settings.vThreshold),
    reset: (_p, { i, h }, s) => ({ i, v: resetAt(settings, h, s as tf.Tensor, settings.vThreshold) }),
  });
  return Object.freeze({ ...layer, settings });
}
