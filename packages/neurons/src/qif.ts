/**
 * QIF: the quadratic integrate-and-fire neuron (Latham, Richmond, Nelson & Nirenberg, "Intrinsic dynamics in neuronal
 * networks. I. Theory", J. Neurophysiology 83(2), 2000; Ermentrout & Kopell 1986), as SpikingJelly 0.0.0.0.8's
 * `QIFNode` computes it (`clock_driven/neuron.py`, `neuronal_charge`):
 *
 *   charge   h_t = v_{t−1} + (x_t + a0·(v_{t−1} − v_rest)·(v_{t−1} − v_c))/τ
 *   fire     s_t = Θ(h_t − V_th)                   Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t      (vReset a number: hard reset)
 *            v_t = h_t − V_th·s_t                   (vReset = null: soft reset)
 *
 * computed in that order in float32 (a division by τ, as SpikingJelly). Initial v: V_reset (hard; **not** v_rest, as
 * in SpikingJelly) or 0 (soft). Below threshold the drift a0·(v − v_rest)·(v − v_c) has a stable fixed point at
 * v_rest and an unstable one at v_c (for v_rest < v_c): above v_c the membrane runs away to a spike.
 *
 * Defaults as SpikingJelly 0.0.0.0.8: tau = 2, vC = 0.8, a0 = 1, vRest = 0, vThreshold = 1, **vReset = −0.1**,
 * detachReset = false; surrogate `sigmoid(4)` as every spikefn neuron (SpikingJelly 0.0.0.0.8's `Sigmoid()` has α = 1:
 * pass `sigmoid(1)` for its numbers). Checks as SpikingJelly asserts: τ > 1, a0 > 0, and with a hard reset
 * vRest ≥ vReset (and vThreshold > vReset).
 *
 * A soft reset can diverge: it subtracts only V_th while the quadratic term keeps growing, so a large constant input
 * drives v to +∞ and then NaN (∞ − ∞), in SpikingJelly too (`fixtures/spikingjelly-more/README.md`, surprise 3).
 *
 * Params: `{}`. State: `{ v }`. Records: `{ spikes, v, vBeforeReset }`, as IF/LIF. There is no fused kernel: `sequence`
 * is `scan` of `step`.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { neuron } from './model.js';
import { checkEmptyParams, finiteConfig, fireAt, positiveConfig, resetAt } from './model-common.js';
import { checkTau, resolveBase, type BaseConfig, type NeuronLayer, type NeuronRecord, type NeuronState } from './neuron.js';

/** QIF settings (all optional; see the header for defaults). @category neurons */
export type QifConfig = BaseConfig & {
  /** Membrane time constant τ > 1 (in steps). Default 2. */
  readonly tau?: number;
  /** v_c, the critical voltage (the unstable fixed point). Default 0.8. */
  readonly vC?: number;
  /** a0 > 0, the sharpness of the quadratic drift. Default 1. */
  readonly a0?: number;
  /** v_rest, the resting potential (the stable fixed point). Default 0. */
  readonly vRest?: number;
};
/** QIF params: none. @category neurons */
export type QifParams = Empty;

/** The QIF neuron layer. @category neurons */
export function qifNode(config: QifConfig = {}): NeuronLayer<QifParams> {
  const fn = 'qifNode';
  const settings = resolveBase(fn, { ...config, vReset: config?.vReset === undefined ? -0.1 : config.vReset });
  const tau = checkTau(fn, 'config.tau', config.tau ?? 2);
  const vC = finiteConfig(fn, 'config.vC', config.vC, 0.8);
  const a0 = positiveConfig(fn, 'config.a0', config.a0, 1);
  const vRest = finiteConfig(fn, 'config.vRest', config.vRest, 0);
  if (settings.vReset !== null && !(vRest >= settings.vReset))
    throw new SpikefnArgumentError(fn, 'config.vRest', `a number >= config.vReset (${settings.vReset}) for a hard reset`, String(vRest));
  const v0 = settings.vReset ?? 0;
  const layer = neuron<QifParams, NeuronState, { readonly h: tf.Tensor }, NeuronRecord>({
    kind: 'qif',
    stateKeys: ['v'],
    init: () => empty,
    checkParams: checkEmptyParams,
    initialState: (_p, shape) => ({ v: tf.fill([...shape], v0, 'float32') }),
    charge: (_p, { v }, x) => ({ h: tf.add(v, tf.div(tf.add(x, tf.mul(tf.mul(tf.sub(v, vRest), tf.sub(v, vC)), a0)), tau)) }),
    fire: (_p, { h }) => fireAt(settings, h, settings.vThreshold),
    reset: (_p, { h }, s) => ({ v: resetAt(settings, h, s as tf.Tensor, settings.vThreshold) }),
    trace: ({ h }, { v }, spikes) => ({ spikes, v, vBeforeReset: h }),
  });
  return Object.freeze({ ...layer, settings });
}
