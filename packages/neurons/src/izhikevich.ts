/**
 * Izhikevich: the simple spiking model of Izhikevich, "Simple model of spiking neurons", IEEE Transactions on Neural
 * Networks 14(6), 2003 (v in mV, time in ms, x the input current I):
 *
 *   dv/dt = 0.04·v² + 5·v + 140 − u + I,   du/dt = a·(b·v − u),   if v ≥ 30 mV: v ← c, u ← u + d
 *
 * stepped with forward Euler at `dt` (both from the previous step's v and u):
 *
 *   charge   h_t = v_{t−1} + dt·(0.04·v_{t−1}² + 5·v_{t−1} + 140 − u_{t−1} + x_t)
 *            g_t = u_{t−1} + dt·a·(b·v_{t−1} − u_{t−1})
 *   fire     s_t = Θ(h_t − v_peak)                   Θ(0) = 1; backward: surrogate'(h_t − v_peak)
 *   reset    v_t = h_t·(1 − s_t) + c·s_t
 *            u_t = g_t + d·s_t
 *
 * (v² is computed as v·v; 0.04·v² + 5·v + 140 in that order.) The paper's own code takes two half steps for v per
 * millisecond "for numerical stability"; here one Euler step of `dt` (default 0.5 ms): a smaller dt is closer to the
 * continuous model. `detachReset` detaches s_t in both reset equations.
 *
 * Defaults: the paper's regular-spiking (RS) cell a = 0.02, b = 0.2, c = −65, d = 8; vPeak = 30; dt = 0.5;
 * surrogate = sigmoid(4) on h − v_peak in mV (a sharp window at this scale; pass a wider one, e.g. `sigmoid(0.1)`, to
 * train). Other cells of the paper's fig. 2: intrinsically bursting (0.02, 0.2, −55, 4), chattering (0.02, 0.2, −50,
 * 2), fast spiking (0.1, 0.2, −65, 2), low-threshold spiking (0.02, 0.25, −65, 2). Checks: every value finite,
 * dt > 0, c < vPeak.
 *
 * Params: `{}`. State: `{ v, u }`, starting at v = c, u = b·c (as the paper's code). Record: `{ output, state: { v, u },
 * charged: { v, u } }` (charged = h_t and g_t, before reset), each `[T, ...]`.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree as empty, type EmptyTree as Empty, SpikefnArgumentError } from '@spikefn/core';
import { checkBoolean } from './neuron.js';
import { neuron, type ModelLayer, type ModelRecord } from './model.js';
import { checkEmptyParams, finiteConfig, positiveConfig } from './model-common.js';
import { isSurrogate, sigmoid, type Surrogate } from './surrogate.js';

/** Izhikevich settings (all optional; see the header for defaults). @category neurons */
export type IzhikevichConfig = {
  /** a, the time scale of u (1/ms). Default 0.02. */
  readonly a?: number;
  /** b, the sensitivity of u to v. Default 0.2. */
  readonly b?: number;
  /** c, the reset potential of v (mV). Default −65. */
  readonly c?: number;
  /** d, the jump of u at a spike. Default 8. */
  readonly d?: number;
  /** v_peak, the spike cut-off (mV), > c. Default 30. */
  readonly vPeak?: number;
  /** The Euler step dt > 0 (ms). Default 0.5. */
  readonly dt?: number;
  /** Detach the spike inside the reset equations from the graph. Default false. */
  readonly detachReset?: boolean;
  /** The surrogate spike function. Default `sigmoid(4)`. */
  readonly surrogate?: Surrogate;
};
/** Izhikevich params: none. @category neurons */
export type IzhikevichParams = Empty;
/** Izhikevich state: the membrane v (mV) and the recovery variable u. @category neurons */
export type IzhikevichState = {
  /** v_t, the membrane after reset (mV). */
  readonly v: tf.Tensor;
  /** u_t, the recovery variable after the spike's jump. */
  readonly u: tf.Tensor;
};
/** The Izhikevich layer: a {@link ModelLayer} with its settings. @category neurons */
export type IzhikevichLayer = ModelLayer<IzhikevichParams, IzhikevichState, ModelRecord<IzhikevichState, IzhikevichState>> & {
  /** a, b, c, d, vPeak, dt, detachReset, surrogate, defaults filled in. */
  readonly settings: Required<IzhikevichConfig>;
};

/** The Izhikevich neuron layer. @category neurons */
export function izhikevichNode(config: IzhikevichConfig = {}): IzhikevichLayer {
  const fn = 'izhikevichNode';
  if (config === null || typeof config !== 'object')
    throw new SpikefnArgumentError(fn, 'config', 'a config record (or nothing)', String(config));
  const a = finiteConfig(fn, 'config.a', config.a, 0.02);
  const b = finiteConfig(fn, 'config.b', config.b, 0.2);
  const c = finiteConfig(fn, 'config.c', config.c, -65);
  const d = finiteConfig(fn, 'config.d', config.d, 8);
  const vPeak = finiteConfig(fn, 'config.vPeak', config.vPeak, 30);
  if (!(Math.fround(vPeak) > Math.fround(c)))
    throw new SpikefnArgumentError(
      fn,
      'config.vPeak',
      `a number > config.c (${c}) in float32 (else the neuron fires at every step)`,
      String(vPeak),
    );
  const dt = positiveConfig(fn, 'config.dt', config.dt, 0.5);
  const detachReset = checkBoolean(fn, 'config.detachReset', config.detachReset ?? false);
  const surrogate = config.surrogate ?? sigmoid(4);
  if (!isSurrogate(surrogate))
    throw new SpikefnArgumentError(fn, 'config.surrogate', 'a Surrogate (e.g. sigmoid(4), atan(2))', String(surrogate));
  const settings = Object.freeze({ a, b, c, d, vPeak, dt, detachReset, surrogate });
  const adt = a * dt;
  const layer = neuron<IzhikevichParams, IzhikevichState, IzhikevichState>({
    kind: 'izhikevich',
    stateKeys: ['v', 'u'],
    init: () => empty,
    checkParams: checkEmptyParams,
    initialState: (_p, shape) => ({ v: tf.fill([...shape], c, 'float32'), u: tf.fill([...shape], b * c, 'float32') }),
    charge: (_p, { v, u }, x) => {
      const dv = tf.add(tf.sub(tf.add(tf.add(tf.mul(tf.mul(v, v), 0.04), tf.mul(v, 5)), 140), u), x);
      return { v: tf.add(v, tf.mul(dv, dt)), u: tf.add(u, tf.mul(tf.sub(tf.mul(v, b), u), adt)) };
    },
    fire: (_p, { v }) => surrogate.spike(tf.sub(v, vPeak)),
    reset: (_p, charged, s) => {
      const sr = detachReset ? tf.cast(tf.greaterEqual(charged.v, vPeak), 'float32') : (s as tf.Tensor);
      return { v: tf.add(tf.mul(tf.sub(1, sr), charged.v), tf.mul(sr, c)), u: tf.add(charged.u, tf.mul(sr, d)) };
    },
  });
  return Object.freeze({ ...layer, settings });
}
