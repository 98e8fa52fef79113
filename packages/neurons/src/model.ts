/**
 * The open neuron model: a neuron is a record of pure functions over a state record of any keys, and
 * {@link neuron} builds its layer (step, multi-step `sequence`, `record`, and their composed reference forms).
 *
 * One time step, for every model (SpikingJelly's `BaseNode.forward`, generalised to several state variables):
 *
 *   charge   H_t = charge(P, S_{t−1}, x_t)          the charged variables (e.g. { h } for LIF, { h, a } for ALIF)
 *   fire     s_t = fire(P, H_t)                     spikes, with a surrogate gradient (absent for a readout such as LI)
 *   reset    S_t = reset(P, H_t, s_t, S_{t−1})      the next state
 *   output   y_t = output(P, H_t, S_t, s_t)         default s_t (LI outputs its membrane)
 *
 * Multi-step: `sequenceComposed` is `scan` of `step`, the reference. `sequence` is the model's optional fused
 * specialisation (`fused.sequence`, e.g. the IF/LIF/PLIF kernels) where it is available, else the same `scan`; a
 * model without one simply has none. `record` stacks, over T, what `trace(H_t, S_t, y_t)` returns at each step
 * (default: `{ output: y_t, state: S_t, charged: H_t }`, every state variable after reset and every charged variable
 * before it, each `[T, ...]`).
 *
 * Every state variable is a float32 tensor shaped like one step's input; `stateKeys` names them, and every call
 * checks them (present, live, float32, the input's shape).
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import {
  tidyStep,
  type Ctx,
  type Layer,
  key as makeKey,
  type Key,
  scan,
  SpikefnArgumentError,
  checkMinRank as minRank,
  checkCtx,
  checkSameShape as sameShape,
  showShape,
  checkShape as validShape,
  type Shape,
  type Tree,
} from '@spikefn/core';

/** A neuron's state (or charged variables): named float32 tensors, each shaped like one step's input. @category neurons */
export type StateRecord = { readonly [name: string]: tf.Tensor };

/**
 * What `record` stacks over time when a model gives no `trace`: the output, every state variable after reset and
 * every charged variable (before reset), each `[T, ...]`.
 *
 * @category neurons
 */
export type ModelRecord<S extends StateRecord, H extends StateRecord> = {
  /** y_t over time: the spikes (or the model's output, e.g. LI's membrane). */
  readonly output: tf.Tensor;
  /** S_t over time, after reset. */
  readonly state: S;
  /** H_t over time, after charge and before reset. */
  readonly charged: H;
};

/**
 * An optional fused specialisation of a model's multi-step forms. Each returns `undefined` where it does not apply
 * (e.g. no kernel on the current backend), and the layer then runs `scan` of `step`. It must equal that scan: the
 * same spikes and states, the same gradients to float32 rounding. Its inputs are already checked.
 *
 * @category neurons
 */
export type FusedForms<P extends Tree, S extends StateRecord, R extends Tree> = {
  /** The fused multi-step run, `[S_T, y [T, ...]]`, or `undefined` to fall back to the scan. */
  sequence(params: P, state: S, xs: tf.Tensor): readonly [S, tf.Tensor] | undefined;
  /** The fused record, `[S_T, R stacked over T]`, or `undefined` to fall back to the scan. */
  record?(params: P, state: S, xs: tf.Tensor): readonly [S, R] | undefined;
};

/**
 * A neuron model: pure functions over params `P`, a state record `S` and the charged variables `H`. `R` is what
 * `record` stacks per step; when it is not {@link ModelRecord}, give `trace`.
 *
 * @category neurons
 */
export type NeuronDynamics<P extends Tree, S extends StateRecord, H extends StateRecord, R extends Tree = ModelRecord<S, H>> = {
  /** A short name (`'alif'`, `'izhikevich'`), used in error messages as `${kind}.step`. */
  readonly kind: string;
  /** The names of the state variables (the keys of `S`). */
  readonly stateKeys: readonly (keyof S & string)[];
  /** The learnable params, drawn from `key` (`{}` for none). */
  init(key: Key): P;
  /** Throws a {@link SpikefnArgumentError} naming `fn` unless `params` are this model's params. Default: accepts any. */
  checkParams?(fn: string, params: P): void;
  /** S_0 for inputs of one step's shape. */
  initialState(params: P, inputShape: Shape): S;
  /** H_t from S_{t−1} and x_t. */
  charge(params: P, state: S, x: tf.Tensor): H;
  /** s_t from H_t (0/1 float32, with a surrogate gradient). Absent: the model never spikes (a readout). */
  fire?(params: P, charged: H): tf.Tensor;
  /** S_t from H_t, s_t (`undefined` when the model has no `fire`) and, where it needs it, S_{t−1}. */
  reset(params: P, charged: H, spikes: tf.Tensor | undefined, previous: S): S;
  /** y_t. Default: s_t; required when the model has no `fire`. */
  output?(params: P, charged: H, next: S, spikes: tf.Tensor | undefined): tf.Tensor;
  /** What `record` keeps of one step. Default: `{ output: y_t, state: S_t, charged: H_t }`. */
  trace?(charged: H, next: S, output: tf.Tensor): R;
  /** An optional fused specialisation of `sequence` / `record`. */
  readonly fused?: FusedForms<P, S, R>;
};

/**
 * The layer of a model: a {@link Layer} over `S`, plus multi-step `sequence` and `record` forms and their composed
 * references (`scan` of `step`).
 *
 * @category neurons
 */
export type ModelLayer<P extends Tree, S extends StateRecord, R extends Tree> = Layer<P, S> & {
  /** Multi-step: `xs = [T, ...]` → `[S_T, y [T, ...]]`; the fused form where the model has one, else the scan. */
  sequence(params: P, state: S, xs: tf.Tensor, ctx?: Ctx): readonly [S, tf.Tensor];
  /** Like `sequence`, returning each step's trace stacked over T (see {@link NeuronDynamics}). Differentiable. */
  record(params: P, state: S, xs: tf.Tensor, ctx?: Ctx): readonly [S, R];
  /** `sequence` through `scan` of `step` (the reference). */
  sequenceComposed(params: P, state: S, xs: tf.Tensor, ctx?: Ctx): readonly [S, tf.Tensor];
  /** `record` through `scan`. */
  recordComposed(params: P, state: S, xs: tf.Tensor, ctx?: Ctx): readonly [S, R];
};

const defaultCtx: Ctx = { training: false, key: makeKey(0) };

/** Throws unless `x` is a float32 tensor. @category neurons */
export function checkFloatInput(fn: string, name: string, x: tf.Tensor): void {
  if (!(x instanceof tf.Tensor)) throw new SpikefnArgumentError(fn, name, 'a tensor', String(x));
  if (x.dtype !== 'float32') throw new SpikefnArgumentError(fn, name, 'dtype float32', x.dtype);
}

/**
 * Builds the layer of a neuron model. `scan` of `step` is the reference `sequence`; `dynamics.fused`, where given
 * and applicable, replaces it.
 *
 * @example
 * ```ts
 * const leaky = neuron({
 *   kind: 'leaky', stateKeys: ['v'], init: () => ({}),
 *   initialState: (_p, shape) => ({ v: tf.zeros([...shape]) }),
 *   charge: (_p, { v }, x) => ({ h: tf.add(tf.mul(v, 0.9), x) }),
 *   fire: (_p, { h }) => sigmoid(4).spike(tf.sub(h, 1)),
 *   reset: (_p, { h }, s) => ({ v: tf.mul(h, tf.sub(1, s)) }),
 * });
 * ```
 *
 * @category neurons
 */
export function neuron<P extends Tree, S extends StateRecord, H extends StateRecord, R extends Tree = ModelRecord<S, H>>(
  dynamics: NeuronDynamics<P, S, H, R>,
): ModelLayer<P, S, R> {
  if (dynamics === null || typeof dynamics !== 'object')
    throw new SpikefnArgumentError('neuron', 'dynamics', 'a record of neuron functions', String(dynamics));
  const { kind, stateKeys } = dynamics;
  if (typeof kind !== 'string' || kind === '')
    throw new SpikefnArgumentError('neuron', 'dynamics.kind', 'a non-empty string', String(kind));
  if (!Array.isArray(stateKeys) || stateKeys.length === 0 || stateKeys.some((k) => typeof k !== 'string'))
    throw new SpikefnArgumentError('neuron', 'dynamics.stateKeys', 'a non-empty array of state variable names', String(stateKeys));
  for (const f of ['init', 'initialState', 'charge', 'reset'] as const)
    if (typeof dynamics[f] !== 'function') throw new SpikefnArgumentError('neuron', `dynamics.${f}`, 'a function', String(dynamics[f]));
  if (dynamics.fire === undefined && dynamics.output === undefined)
    throw new SpikefnArgumentError('neuron', 'dynamics.output', 'a function (a model without fire must say what it outputs)', 'undefined');
  const stateShape = `{ ${stateKeys.join(', ')}: Tensor }`;

  const checkParams = (fn: string, params: P): void => dynamics.checkParams?.(fn, params);
  /** Checks the state record; returns the shape every variable has. */
  const checkState = (fn: string, state: S): Shape => {
    if (state === null || typeof state !== 'object' || !stateKeys.every((k) => state[k] instanceof tf.Tensor))
      throw new SpikefnArgumentError(fn, 'state', `a neuron state ${stateShape}`, String(state));
    let shape: Shape | undefined;
    for (const k of stateKeys) {
      const t = state[k] as tf.Tensor;
      if (t.isDisposed) throw new SpikefnArgumentError(fn, `state.${k}`, 'a live tensor', 'a disposed tensor (a stale state?)');
      if (t.dtype !== 'float32') throw new SpikefnArgumentError(fn, `state.${k}`, 'dtype float32', t.dtype);
      if (shape === undefined) shape = t.shape;
      else sameShape(fn, `state.${k}`, t, shape, `the shape of state.${stateKeys[0]} ${showShape(shape)}`);
    }
    return shape as Shape;
  };
  const checkSeq = (fn: string, params: P, state: S, xs: tf.Tensor, ctx: Ctx): void => {
    checkCtx(fn, ctx);
    checkParams(fn, params);
    const shape = checkState(fn, state);
    checkFloatInput(fn, 'xs', xs);
    minRank(fn, 'xs', xs, 1, 'a leading time axis [T, ...]');
    if ((xs.shape[0] as number) < 1) throw new SpikefnArgumentError(fn, 'xs', 'a time axis of length >= 1', `shape ${showShape(xs.shape)}`);
    sameShape(fn, 'xs (without its time axis)', xs.shape.slice(1), shape, `the state's shape ${showShape(shape)}`);
  };

  /** One step without checks: [S_t, y_t, H_t]. */
  const stepTensors = (params: P, state: S, x: tf.Tensor): [S, tf.Tensor, H] => {
    const h = dynamics.charge(params, state, x);
    const s = dynamics.fire?.(params, h);
    const next = dynamics.reset(params, h, s, state);
    const y = dynamics.output !== undefined ? dynamics.output(params, h, next, s) : (s as tf.Tensor);
    return [next, y, h];
  };
  const traceOf = (h: H, next: S, y: tf.Tensor): R =>
    dynamics.trace !== undefined ? dynamics.trace(h, next, y) : ({ output: y, state: next, charged: h } as unknown as R);

  const step = (params: P, state: S, x: tf.Tensor): [S, tf.Tensor] => {
    const fn = `${kind}.step`;
    checkParams(fn, params);
    const shape = checkState(fn, state);
    checkFloatInput(fn, 'x', x);
    sameShape(fn, 'x', x, shape, `the state's shape ${showShape(shape)}`);
    return tidyStep(() => {
      const [next, y] = stepTensors(params, state, x);
      return [next, y];
    });
  };

  const sequenceComposed = (params: P, state: S, xs: tf.Tensor, ctx: Ctx = defaultCtx): [S, tf.Tensor] => {
    checkSeq(`${kind}.sequence`, params, state, xs, ctx);
    return scan<S, tf.Tensor>((s, x) => step(params, s, x), state, xs, ctx.key);
  };

  const recordComposed = (params: P, state: S, xs: tf.Tensor, ctx: Ctx = defaultCtx): [S, R] => {
    checkSeq(`${kind}.record`, params, state, xs, ctx);
    return scan<S, R>(
      (s, x) =>
        tf.tidy(() => {
          const [next, y, h] = stepTensors(params, s, x);
          return [next, traceOf(h, next, y)] as unknown as tf.TensorContainer;
        }) as unknown as [S, R],
      state,
      xs,
      ctx.key,
    );
  };

  const sequence = (params: P, state: S, xs: tf.Tensor, ctx: Ctx = defaultCtx): readonly [S, tf.Tensor] => {
    if (dynamics.fused === undefined) return sequenceComposed(params, state, xs, ctx);
    checkSeq(`${kind}.sequence`, params, state, xs, ctx);
    return dynamics.fused.sequence(params, state, xs) ?? sequenceComposed(params, state, xs, ctx);
  };

  const record = (params: P, state: S, xs: tf.Tensor, ctx: Ctx = defaultCtx): readonly [S, R] => {
    if (dynamics.fused?.record === undefined) return recordComposed(params, state, xs, ctx);
    checkSeq(`${kind}.record`, params, state, xs, ctx);
    return dynamics.fused.record(params, state, xs) ?? recordComposed(params, state, xs, ctx);
  };

  return Object.freeze({
    kind,
    init: (key: Key) => dynamics.init(key),
    initialState: (params: P, inputShape: Shape): S => {
      validShape(`${kind}.initialState`, 'inputShape', inputShape);
      return dynamics.initialState(params, inputShape);
    },
    outputShape: (_params: P, inputShape: Shape): Shape => inputShape,
    step: (params: P, state: S, x: tf.Tensor) => step(params, state, x),
    sequence,
    record,
    sequenceComposed,
    recordComposed,
  });
}
