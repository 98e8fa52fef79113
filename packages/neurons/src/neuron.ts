/**
 * The pieces IF, LIF and ParametricLIF share: config checks, the three steps of a clock-driven neuron
 * (charge, fire, reset), and their layer: {@link neuron} (model.ts) over the state `{ v }`, with the fused kernels as
 * its optional specialisation. Other neurons (ALIF, CubaLIF, Izhikevich, QIF, EIF, LI) build on {@link neuron}
 * directly; only this family has fused kernels.
 *
 * One time step of every neuron here (SpikingJelly's `BaseNode.forward`):
 *
 *   charge   h_t = f(v_{t−1}, x_t)                         (model-specific; see {@link ChargeForm})
 *   fire     s_t = Θ(h_t − V_th)                           Θ = heaviside, Θ(0) = 1; backward: surrogate'(h_t − V_th)
 *   reset    v_t = h_t·(1 − s_t) + V_reset·s_t             hard reset (vReset a number)
 *            v_t = h_t − V_th·s_t                          soft reset (vReset = null)
 *
 * With `detachReset` the s_t inside the reset equation carries no gradient (the forward is unchanged). v_0 (the
 * initial state) is V_reset for a hard reset and 0 for a soft one. State: `{ v }`, the membrane after reset.
 *
 * Charge forms (k = 1/τ; V_r = V_reset, or 0 for a soft reset), written exactly as computed, one float32 rounding
 * per operation:
 *
 *   'if'               h = v + x
 *   'decay-input'      h = v + (x − (v − V_r))·k           (SpikingJelly decay_input = True)
 *   'no-decay-input'   h = v − (v − V_r)·k + x             (SpikingJelly decay_input = False)
 *
 * SpikingJelly divides by τ where spikefn multiplies by k = 1/τ (float32); the two agree to float32 rounding.
 *
 * Multi-step: `sequence` is the fused kernel (src/fused/) where the backend has one, else a `scan` of `step` (the
 * fused kernel is this family's `fused` specialisation, see model.ts); both give the same spikes and membranes (bit
 * for bit on the cpu and wasm backends) and the same gradients to float32 rounding.
 *
 * Non-finite values: both paths compute the equations above in IEEE-754 float32 operation for operation, so they
 * record the same s, h and v for every input, NaN and ±Infinity included (the bits of a NaN's payload aside):
 *
 *   NaN         Θ(NaN) = 0: never spikes; h and v become NaN and stay NaN
 *   +Infinity   spikes; hard reset (1 − 1)·∞ + V_reset = NaN (SpikingJelly's `(1 - spike) * v + spike * v_reset` in
 *               PyTorch gives the same), so v is NaN from then on; soft reset ∞ − V_th = ∞
 *   −Infinity   never spikes; v = −∞ (an IF neuron keeps it; the LIF charge gives −∞ + ∞·k = NaN at the next step)
 *
 * A NaN input therefore silences a neuron rather than failing: run under `checkNumerics` (`@spikefn/core`) to stop at
 * the first layer and step where such a value appears. (The WebGL inference shader resets with a select and is not
 * covered: GPU shaders do not promise IEEE-754 semantics for non-finite values.)
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { type Key, SpikefnArgumentError, checkFinite as finite, warn } from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import { neuron, type FusedForms, type ModelLayer } from './model.js';
import { isSurrogate, sigmoid, type Surrogate } from './surrogate.js';
import { fusedAvailable, fusedForward, type FusedSettings } from './fused/op.js';
import { lifForwardWebgl, type LifWebglSettings } from './fused/webgl.js';

/** The settings every neuron has (SpikingJelly's `BaseNode` arguments, camelCase). @category neurons */
export type BaseConfig = {
  /** V_th, the firing threshold. Default 1. */
  readonly vThreshold?: number;
  /** V_reset: a number = hard reset to it; `null` = soft reset (subtract V_th). Default 0. */
  readonly vReset?: number | null;
  /** Detach the spike inside the reset equation from the graph. Default false. */
  readonly detachReset?: boolean;
  /** The surrogate spike function. Default `sigmoid(4)`. */
  readonly surrogate?: Surrogate;
};

/** {@link BaseConfig} with every default filled in and checked. @category neurons */
export type BaseSettings = {
  /** V_th, the firing threshold (default 1). */
  readonly vThreshold: number;
  /** V_reset for a hard reset (default 0), or `null` for a soft reset (v − V_th·s). */
  readonly vReset: number | null;
  /** Whether the spike in the reset equation is detached from the graph (default false). */
  readonly detachReset: boolean;
  /** The surrogate spike function (default `sigmoid(4)`). */
  readonly surrogate: Surrogate;
};

/** How an IF / LIF / PLIF neuron charges (see the header): the forms the fused kernels implement. @category neurons */
export type ChargeForm = 'if' | 'decay-input' | 'no-decay-input';

/** A neuron's state: the membrane potential after reset, shaped like one step's input. @category neurons */
export type NeuronState = {
  /** v_t, the membrane after reset: float32, one step's input shape (initially V_reset, or 0 for a soft reset). */
  readonly v: tf.Tensor;
};

/**
 * What a multi-step run records, stacked over time (`[T, ...]` each): the spikes, the membrane **after** reset
 * (SpikingJelly's `v_seq`) and the membrane after charge, **before** reset (`v_before_reset_seq`, h_t).
 *
 * @category neurons
 */
export type NeuronRecord = {
  /** s_t, the 0/1 float32 spikes: `[T, ...]`. */
  readonly spikes: tf.Tensor;
  /** v_t, the membrane after reset (SpikingJelly's `v_seq`): `[T, ...]`. */
  readonly v: tf.Tensor;
  /** h_t, the membrane after charge and before reset (SpikingJelly's `v_before_reset_seq`): `[T, ...]`. */
  readonly vBeforeReset: tf.Tensor;
};

/**
 * An IF / LIF / PLIF neuron layer: the {@link ModelLayer} of {@link neuron} over `{ v }` (so `sequence` is the fused
 * kernel where the backend has one, `sequenceComposed` the `scan` of `step`), with `record` returning
 * {@link NeuronRecord} and the settings.
 *
 * @category neurons
 */
export type NeuronLayer<P extends Tree> = ModelLayer<P, NeuronState, NeuronRecord> & {
  /** Its settings, defaults filled in. */
  readonly settings: BaseSettings;
};

/** Fills in and checks the shared settings; `fn` names the constructor in errors. @category neurons */
export function resolveBase(fn: string, config: BaseConfig): BaseSettings {
  if (config === null || typeof config !== 'object')
    throw new SpikefnArgumentError(fn, 'config', 'a config record (or nothing)', String(config));
  const vThreshold = finite(fn, 'config.vThreshold', config.vThreshold ?? 1);
  const vReset = config.vReset === undefined ? 0 : config.vReset;
  if (vReset !== null) finite(fn, 'config.vReset', vReset);
  // A hard reset to V_reset ≥ V_th puts the membrane at or above the threshold after every spike: with zero input the
  // neuron fires at every step. Compared in float32, as the kernels compare.
  if (vReset !== null && !(Math.fround(vThreshold) > Math.fround(vReset)))
    throw new SpikefnArgumentError(
      fn,
      'config.vThreshold',
      `a number > config.vReset (${vReset}) in float32 for a hard reset (else the neuron fires at every step on zero input)`,
      String(vThreshold),
    );
  if (vReset === null && !(vThreshold > 0))
    warn(
      'soft-reset-threshold',
      fn,
      'config.vThreshold',
      `is ${vThreshold} with a soft reset (vReset: null): a spike subtracts V_th, so a threshold <= 0 never lowers the membrane and the neuron fires at every step once it has fired`,
    );
  const detachReset = config.detachReset ?? false;
  if (typeof detachReset !== 'boolean') throw new SpikefnArgumentError(fn, 'config.detachReset', 'a boolean', String(detachReset));
  const surrogate = config.surrogate ?? sigmoid(4);
  if (!isSurrogate(surrogate))
    throw new SpikefnArgumentError(fn, 'config.surrogate', 'a Surrogate (e.g. sigmoid(4), atan(2))', String(surrogate));
  return Object.freeze({ vThreshold, vReset, detachReset, surrogate });
}

/**
 * Checks τ: a finite number > 1 (so 0 < k = 1/τ < 1 and the membrane decays without overshoot) whose decay the float32
 * kernels can represent: k = fround(1/τ) must be neither 1 (τ within 2⁻²⁴ of 1: no leak at all, h = x) nor 0 (τ above
 * about 10⁴⁵: the neuron never charges). When 1 − k rounds to 1 in float32 (τ above about 2²⁴) the leak is invisible
 * at unit membrane scale: a legitimate but suspicious choice, reported through the warning hook (`setWarningHandler`
 * of `@spikefn/core`), not an error. @category neurons
 */
export function checkTau(fn: string, name: string, tau: number): number {
  if (typeof tau !== 'number' || !Number.isFinite(tau) || !(tau > 1)) {
    throw new SpikefnArgumentError(
      fn,
      name,
      'a finite number > 1',
      typeof tau === 'number' ? String(tau) : (JSON.stringify(tau) ?? String(tau)),
    );
  }
  const k = Math.fround(1 / tau);
  if (k === 1 || k === 0)
    throw new SpikefnArgumentError(
      fn,
      name,
      `a τ whose decay 1/τ is strictly between 0 and 1 in float32 (1/τ rounds to ${k}: ${k === 0 ? 'the neuron would never charge' : 'the membrane would not leak'})`,
      String(tau),
    );
  if (Math.fround(1 - k) === 1)
    warn(
      'decay-invisible',
      fn,
      name,
      `is ${tau}: 1 − 1/τ rounds to 1 in float32, so the leak (and, with decayInput, the input scaled by 1/τ) is below float32 resolution at unit membrane scale`,
    );
  return tau;
}

/** Checks a boolean option. @category neurons */
export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new SpikefnArgumentError(fn, name, 'a boolean', String(value));
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// The three steps, on tensors (the composed reference).

/** Charge: h from v, x and the decay k (a float32 scalar tensor; unused by 'if'). @category neurons */
export function charge(form: ChargeForm, v: tf.Tensor, x: tf.Tensor, k: tf.Tensor, vR: number): tf.Tensor {
  // v − 0 is v exactly, so skipping it for V_r = 0 changes no bit.
  const centred = (): tf.Tensor => (vR === 0 ? v : tf.sub(v, vR));
  switch (form) {
    case 'if':
      return tf.add(v, x);
    case 'decay-input':
      return tf.add(v, tf.mul(tf.sub(x, centred()), k));
    case 'no-decay-input':
      return tf.add(tf.sub(v, tf.mul(centred(), k)), x);
  }
}

/** Fire: s = Θ(h − V_th) with the surrogate gradient. @category neurons */
export function fire(settings: BaseSettings, h: tf.Tensor): tf.Tensor {
  return settings.surrogate.spike(tf.sub(h, settings.vThreshold));
}

/** Reset: hard `h·(1 − s) + V_reset·s` or soft `h − V_th·s`, with `s` detached when `detachReset`. @category neurons */
export function reset(settings: BaseSettings, h: tf.Tensor, s: tf.Tensor): tf.Tensor {
  // A detached spike: the same 0/1 values from a comparison, whose gradient is zero.
  const sr = settings.detachReset ? tf.cast(tf.greaterEqual(h, settings.vThreshold), 'float32') : s;
  if (settings.vReset === null) return tf.sub(h, tf.mul(sr, settings.vThreshold));
  return tf.add(tf.mul(tf.sub(1, sr), h), tf.mul(sr, settings.vReset));
}

// ---------------------------------------------------------------------------------------------------------------
// The layer record.

/** What a neuron model contributes; {@link neuronLayer} builds the rest. @category neurons */
export type NeuronModel<P extends Tree> = {
  /** `'if'`, `'lif'`, `'plif'`. */
  readonly kind: string;
  readonly settings: BaseSettings;
  readonly form: ChargeForm;
  init(key: Key): P;
  /** Throws unless `params` are this model's params. */
  checkParams(fn: string, params: P): void;
  /** k = 1/τ as a float32 scalar tensor (a constant for LIF, sigmoid(w) for PLIF, unused 0 for IF). */
  decay(params: P): tf.Tensor;
  /** Whether k depends on params (PLIF), so the fused backward must return dL/dk. */
  readonly learnableDecay: boolean;
  /** k as a plain number when it is a constant (LIF), for the WebGL inference shader. */
  readonly constantDecay?: number;
};

const f32 = Math.fround;

/** The fused-kernel settings of a model (plain values, float32-rounded as the composed path sees them). */
const fusedSettings = (m: NeuronModel<Tree>): FusedSettings => ({
  form: m.form,
  vThreshold: f32(m.settings.vThreshold),
  vReset: f32(m.settings.vReset ?? 0),
  hard: m.settings.vReset !== null,
  detachReset: m.settings.detachReset,
  surrogate: m.settings.surrogate,
  learnableDecay: m.learnableDecay,
});

/**
 * Builds the layer of an IF / LIF / PLIF model: its charge, fire and reset as {@link NeuronDynamics} for
 * {@link neuron}, with the fused multi-step kernels (and the WebGL inference shader for a constant-τ LIF) as the
 * model's fused specialisation.
 *
 * @category neurons
 */
export function neuronLayer<P extends Tree>(model: NeuronModel<P>): NeuronLayer<P> {
  const { kind, settings, form } = model;
  const vR = settings.vReset ?? 0;
  const fused = fusedSettings(model as NeuronModel<Tree>);
  // The WebGL shader (fused/webgl.ts) covers the decay-input LIF with a constant τ, forward only.
  const webgl: LifWebglSettings | undefined =
    model.constantDecay !== undefined && form === 'decay-input'
      ? { k: model.constantDecay, vThreshold: fused.vThreshold, vReset: settings.vReset === null ? null : fused.vReset }
      : undefined;

  // The fused kernels: `undefined` (so the scan runs) where the backend has none.
  const fusedForms: FusedForms<P, NeuronState, NeuronRecord> = {
    sequence: (params, state, xs) => {
      if (webgl !== undefined && tf.getBackend() === 'webgl' && !tf.engine().isTapeOn()) {
        const out = lifForwardWebgl(xs, state.v, webgl);
        return [{ v: out.v }, out.spikes];
      }
      if (!fusedAvailable()) return undefined;
      return tf.tidy(() => {
        const out = fusedForward(fused, xs, state.v, model.decay(params), false);
        return [{ v: out.v }, out.spikes] as unknown as tf.TensorContainer;
      }) as unknown as [NeuronState, tf.Tensor];
    },
    record: (params, state, xs) => {
      if (!fusedAvailable()) return undefined;
      return tf.tidy(() => {
        const out = fusedForward(fused, xs, state.v, model.decay(params), true);
        const rec: NeuronRecord = { spikes: out.spikes, v: out.vSeq as tf.Tensor, vBeforeReset: out.h as tf.Tensor };
        return [{ v: out.v }, rec] as unknown as tf.TensorContainer;
      }) as unknown as [NeuronState, NeuronRecord];
    },
  };

  const layer = neuron<P, NeuronState, { readonly h: tf.Tensor }, NeuronRecord>({
    kind,
    stateKeys: ['v'],
    init: (key: Key) => model.init(key),
    checkParams: (fn, params) => model.checkParams(fn, params),
    initialState: (_params, inputShape) => ({ v: tf.fill([...inputShape], vR, 'float32') }),
    charge: (params, { v }, x) => ({ h: charge(form, v, x, model.decay(params), vR) }),
    fire: (_params, { h }) => fire(settings, h),
    reset: (_params, { h }, s) => ({ v: reset(settings, h, s as tf.Tensor) }),
    trace: ({ h }, { v }, spikes) => ({ spikes, v, vBeforeReset: h }),
    fused: fusedForms,
  });
  return Object.freeze({ ...layer, settings });
}
