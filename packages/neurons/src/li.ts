/**
 * LI: the leaky integrator, a non-spiking readout whose output is its membrane (NIR's `LI`, Pedersen et al.,
 * "Neuromorphic intermediate representation", Nature Communications 15, 2024: τ·dv/dt = (v_leak − v) + r·x), stepped
 * with forward Euler at `dt` as `fixtures/nir/README.md` does, with k = dt/τ (float32):
 *
 *   charge   v_t = v_{t−1} + k·(v_leak − v_{t−1} + r·x_t)
 *   output   y_t = v_t                               (no threshold, no spikes, no reset)
 *
 * Equal to NIR's LI node (and `@spikefn/nir`'s) with scalar parameters; v starts at 0, as in NIR. With v_0 = 0 and
 * v_leak = 0 the output is linear in the input: v_t = Σ_{s≤t} (1 − k)^{t−s}·k·r·x_s. A typical use is the readout of
 * a spiking network trained on the membrane at the last step or its maximum over time.
 *
 * Defaults: tau = 10, dt = 1 (τ ≥ dt), r = 1, vLeak = 0.
 *
 * Params: `{}`. State: `{ v }`. Record: `{ v }` (the membrane over time, `[T, ...]`, which is also the output).
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { leakyStep } from './cuba-lif.js';
import { neuron, type ModelLayer } from './model.js';
import { checkEmptyParams, eulerFactor, finiteConfig, positiveConfig } from './model-common.js';

/** LI settings (all optional; see the header for defaults). @category neurons */
export type LiConfig = {
  /** τ ≥ dt, the membrane time constant. Default 10. */
  readonly tau?: number;
  /** The Euler step dt > 0. Default 1. */
  readonly dt?: number;
  /** r, the input resistance. Default 1. */
  readonly r?: number;
  /** v_leak, the potential the membrane leaks towards. Default 0. */
  readonly vLeak?: number;
};
/** LI params: none. @category neurons */
export type LiParams = Empty;
/** LI state: the membrane v. @category neurons */
export type LiState = {
  /** v_t, the membrane (also the output). */
  readonly v: tf.Tensor;
};
/** The LI layer: a {@link ModelLayer} whose `step` outputs the membrane. @category neurons */
export type LiLayer = ModelLayer<LiParams, LiState, LiState>;

/** The LI (leaky integrator) readout layer. @category neurons */
export function liNode(config: LiConfig = {}): LiLayer {
  const fn = 'liNode';
  if (config === null || typeof config !== 'object')
    throw new SpikefnArgumentError(fn, 'config', 'a config record (or nothing)', String(config));
  const dt = positiveConfig(fn, 'config.dt', config.dt, 1);
  const k = eulerFactor(fn, 'config.tau', positiveConfig(fn, 'config.tau', config.tau, 10), dt);
  const r = finiteConfig(fn, 'config.r', config.r, 1);
  const vLeak = finiteConfig(fn, 'config.vLeak', config.vLeak, 0);
  return neuron<LiParams, LiState, LiState, LiState>({
    kind: 'li',
    stateKeys: ['v'],
    init: () => empty,
    checkParams: checkEmptyParams,
    initialState: (_p, shape) => ({ v: tf.zeros([...shape], 'float32') }),
    charge: (_p, { v }, x) => ({ v: leakyStep(v, x, k, r, vLeak) }),
    reset: (_p, charged) => charged,
    output: (_p, { v }) => v,
    trace: (_h, next) => next,
  });
}
