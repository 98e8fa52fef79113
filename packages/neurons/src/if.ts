/**
 * IF: the integrate-and-fire neuron (Gerstner & Kistler, "Spiking Neuron Models", Cambridge University Press
 * 2002, ch. 4; SpikingJelly `IFNode` / `MultiStepIFNode`).
 *
 *   charge   h_t = v_{t−1} + x_t
 *   fire     s_t = Θ(h_t − V_th)                 Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t    (vReset a number: hard reset)
 *            v_t = h_t − V_th·s_t                 (vReset = null: soft reset)
 *
 * Initial v: V_reset (hard) or 0 (soft), from `initialState`. `detachReset` stops the gradient through s_t inside
 * the reset only. Records (`ifRecord`): `v` is v_t after reset (SpikingJelly's `v_seq`), `vBeforeReset` is h_t.
 *
 * Defaults: vThreshold = 1, vReset = 0, detachReset = false, surrogate = sigmoid(4).
 *
 * Params: `{}`. State: `{ v }`, shaped like one step's input.
 *
 * @example
 * ```ts
 * import { ifNode } from './if.js';
 * const node = ifNode({ vReset: null });
 * const state = node.initialState({}, [32, 100], key(0));
 * const [next, spikes] = node.sequence({}, state, xs); // xs: [T, 32, 100]
 * ```
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { neuronLayer, resolveBase, type BaseConfig, type NeuronLayer } from './neuron.js';

/** IF settings (all optional; see the header for defaults). @category neurons */
export type IfConfig = BaseConfig;
/** IF params: none. @category neurons */
export type IfParams = Empty;

/** The IF neuron layer. @category neurons */
export function ifNode(config: IfConfig = {}): NeuronLayer<IfParams> {
  const settings = resolveBase('ifNode', config);
  return neuronLayer<IfParams>({
    kind: 'if',
    settings,
    form: 'if',
    init: () => empty,
    checkParams: (fn, params) => {
      if (params === null || typeof params !== 'object')
        throw new SpikefnArgumentError(fn, 'params', 'the empty record {}', String(params));
    },
    decay: () => tf.scalar(0, 'float32'),
    learnableDecay: false,
  });
}

/** `ifNode(config).record`: a multi-step run that returns `[state', { spikes, v, vBeforeReset }]`. @category neurons */
export const ifRecord = (config: IfConfig = {}) => ifNode(config).record;
