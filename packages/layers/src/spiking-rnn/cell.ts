/**
 * What SpikingJelly 0.0.0.0.8's spiking RNN cells share (`clock_driven/rnn.py`, `SpikingRNNCellBase`; the cells
 * follow Lotfi Rezaabad & Vishwanath, "Long Short-Term Memory Spiking Networks and Their Applications", ICONS 2020,
 * arXiv:2007.04779): the gates of a PyTorch RNN cell with every sigmoid/tanh replaced by a spike function.
 *
 *   params    W_ih: [G·H, in],  W_hh: [G·H, H],  b_ih, b_hh: [G·H]       (G gates: LSTM 4, GRU 3, vanilla 1)
 *             linear_ih(x) = x·W_ihᵀ + b_ih,   linear_hh(h) = h·W_hhᵀ + b_hh   (`bias: false`: no b_ih, b_hh)
 *   init      every param ~ U(−√k, √k),  k = 1/H                          (`SpikingRNNCellBase.reset_parameters`)
 *   spike     Θ(u): forward Θ(u) = 1 if u ≥ 0 else 0, backward the surrogate's g'(u)   (`spiking = true`, default)
 *             g(u): the surrogate's primitive, differentiable as it stands             (`spiking = false`)
 *
 * The surrogate defaults to `erf(2)` (SpikingJelly's `surrogate.Erf()`). A cell takes one step's input
 * `x: [B, in]`; its state starts at zeros (`hc=None` in SpikingJelly), its output is the new `h: [B, H]`.
 *
 * Keys: `init(key)` draws W_ih, W_hh, b_ih, b_hh from `split(key, 4)` in that order.
 *
 * @category spiking RNN
 */
import * as tf from '@spikefn/core/tf';
import {
  type Ctx,
  isKey,
  type Key,
  type Layer,
  SpikefnArgumentError,
  type Shape,
  showShape,
  split,
  tidyStep,
  uniform,
  checkDim as dim,
  checkPositiveInt as positiveInt,
  checkRank as rank,
  checkSameShape as sameShape,
} from '@spikefn/core';
import { erf, isSurrogate, type Surrogate } from '@spikefn/neurons';

/** SpikingJelly's default spike function of the RNN cells, `surrogate.Erf()` (α = 2). @internal */
export const defaultSurrogate = (): Surrogate => erf(2);

/**
 * The params of one spiking RNN cell (SpikingJelly's `weight_ih()`, `weight_hh()`, `bias_ih()`, `bias_hh()`, i.e.
 * `linear_ih.weight`, `linear_hh.weight`, `linear_ih.bias`, `linear_hh.bias`), gates stacked in SpikingJelly's
 * order (LSTM i, f, g, o; GRU r, z, n).
 *
 * @category spiking RNN
 */
export type SpikingRnnCellParams = {
  /** W_ih: `[G·H, in]`, initially U(−1/√H, 1/√H). */
  readonly weightIh: tf.Tensor;
  /** W_hh: `[G·H, H]`, initially U(−1/√H, 1/√H). */
  readonly weightHh: tf.Tensor;
  /** b_ih: `[G·H]`, initially U(−1/√H, 1/√H); absent when `bias: false`. */
  readonly biasIh?: tf.Tensor;
  /** b_hh: `[G·H]`, initially U(−1/√H, 1/√H); absent when `bias: false`. */
  readonly biasHh?: tf.Tensor;
};

/** The state of a GRU or vanilla spiking RNN cell: the hidden state `h: [B, H]`, zeros initially. @category spiking RNN */
export type SpikingRnnCellState = {
  /** h: `[B, H]`, the hidden state (also the cell's output). */
  readonly h: tf.Tensor;
};

/** The state of a spiking LSTM cell: hidden state `h` and cell state `c`, both `[B, H]`, zeros initially. @category spiking RNN */
export type SpikingLstmCellState = {
  /** h: `[B, H]`, the hidden state (also the cell's output). */
  readonly h: tf.Tensor;
  /** c: `[B, H]`, the cell state. */
  readonly c: tf.Tensor;
};

/** The hyper-parameters every spiking RNN cell has (`SpikingRNNCellBase.__init__`). @category spiking RNN */
export type SpikingRnnCellBaseConfig = {
  /** `input_size`: the features of one step's input `x: [B, in]`. */
  readonly inputSize: number;
  /** `hidden_size`: the features of `h` (and `c`). */
  readonly hiddenSize: number;
  /** Whether the cell has b_ih and b_hh. Default true. */
  readonly bias?: boolean;
  /**
   * SpikingJelly's `surrogate_function.spiking`: `true` (default) fires Θ(u) with the surrogate gradient, `false` uses
   * the surrogate's smooth primitive g(u) forward (an ordinary, non-spiking RNN with g as its activation).
   */
  readonly spiking?: boolean;
};

/** A spike function of the pre-activation u: Θ(u) with a surrogate gradient, or the primitive g(u). @internal */
export type SpikeFn = (u: tf.Tensor) => tf.Tensor;

/** A cell's definition: its sizes and the pure step on checked tensors. @internal */
export type CellSpec<S extends SpikingRnnCellState> = {
  readonly kind: string;
  readonly gates: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  /** The state's leaves, in order (`['h']` or `['h', 'c']`). */
  readonly stateKeys: readonly string[];
  /** One step, `(params, state, x) -> state'` (the output is `state'.h`). No checks, no tidy. */
  readonly compute: (params: SpikingRnnCellParams, state: S, x: tf.Tensor) => S;
};

/** The checked common settings. @internal */
export type CellBase = { readonly inputSize: number; readonly hiddenSize: number; readonly bias: boolean; readonly spiking: boolean };

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

/** Checks a config record and its common fields. @internal */
export function resolveCellBase(fn: string, config: SpikingRnnCellBaseConfig): CellBase {
  if (config === null || typeof config !== 'object') throw new SpikefnArgumentError(fn, 'config', 'a config record', String(config));
  const inputSize = positiveInt(fn, 'config.inputSize', config.inputSize);
  const hiddenSize = positiveInt(fn, 'config.hiddenSize', config.hiddenSize);
  const bias = config.bias ?? true;
  if (!isBool(bias)) throw new SpikefnArgumentError(fn, 'config.bias', 'a boolean', String(bias));
  const spiking = config.spiking ?? true;
  if (!isBool(spiking)) throw new SpikefnArgumentError(fn, 'config.spiking', 'a boolean', String(spiking));
  return { inputSize, hiddenSize, bias, spiking };
}

/** The surrogate `s` of `config[name]`, checked, or `dflt` when absent. @internal */
export function resolveSurrogate(fn: string, name: string, s: unknown, dflt: Surrogate | undefined): Surrogate | undefined {
  if (s === undefined) return dflt;
  if (!isSurrogate(s)) throw new SpikefnArgumentError(fn, `config.${name}`, 'a surrogate (e.g. erf(2) from @spikefn/neurons)', String(s));
  return s;
}

/** Θ with the surrogate gradient (`spiking`), or the surrogate's primitive. @internal */
export const spikeFn =
  (s: Surrogate, spiking: boolean): SpikeFn =>
  (u) =>
    spiking ? s.spike(u) : s.primitive(u);

/**
 * `tf.unstack(x)` along axis 0, differentiable for every length: tfjs 4.22's Unpack gradient fails when the axis has
 * length 1 (it hands `stack` a lone tensor), so a length-1 axis is reshaped away instead. @internal
 */
export function unstack0(x: tf.Tensor): tf.Tensor[] {
  return x.shape[0] === 1 ? [tf.reshape(x, x.shape.slice(1))] : tf.unstack(x);
}

/** `x·Wᵀ + b` for `x: [B, in]` (PyTorch's `F.linear`). @internal */
export function affine(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor {
  const y = tf.matMul(x, w, false, true);
  return b === undefined ? y : tf.add(y, b);
}

/** `init` of a cell: W_ih, W_hh, b_ih, b_hh ~ U(−1/√H, 1/√H) from `split(key, 4)`. @internal */
export function initCell(fn: string, key: Key, gates: number, inputSize: number, hiddenSize: number, bias: boolean): SpikingRnnCellParams {
  if (!isKey(key)) throw new SpikefnArgumentError(fn, 'key', 'a key made by key(seed)', String(key));
  const [kWih, kWhh, kBih, kBhh] = split(key, 4);
  const b = Math.sqrt(1 / hiddenSize);
  const weightIh = uniform(kWih, [gates * hiddenSize, inputSize], -b, b);
  const weightHh = uniform(kWhh, [gates * hiddenSize, hiddenSize], -b, b);
  if (!bias) return { weightIh, weightHh };
  return { weightIh, weightHh, biasIh: uniform(kBih, [gates * hiddenSize], -b, b), biasHh: uniform(kBhh, [gates * hiddenSize], -b, b) };
}

const isTensor = (t: unknown): t is tf.Tensor => t instanceof tf.Tensor;

/** Throws unless `params` are the params of a cell of this spec (`name` prefixes the argument, e.g. `params.cells.1`). @internal */
export function checkCellParams(fn: string, name: string, spec: CellSpec<SpikingRnnCellState>, params: SpikingRnnCellParams): void {
  if (params === null || typeof params !== 'object')
    throw new SpikefnArgumentError(fn, name, 'cell params { weightIh, weightHh, biasIh?, biasHh? }', String(params));
  const G = spec.gates * spec.hiddenSize;
  const want: Array<[keyof SpikingRnnCellParams, Shape]> = [
    ['weightIh', [G, spec.inputSize]],
    ['weightHh', [G, spec.hiddenSize]],
  ];
  if (spec.bias) want.push(['biasIh', [G]], ['biasHh', [G]]);
  for (const [k, shape] of want) {
    const t = params[k];
    if (!isTensor(t)) throw new SpikefnArgumentError(fn, `${name}.${k}`, `a tensor of shape ${showShape(shape)}`, String(t));
    sameShape(fn, `${name}.${k}`, t, shape, `${spec.gates} gate(s) × hiddenSize ${spec.hiddenSize}`);
  }
  if (!spec.bias)
    for (const k of ['biasIh', 'biasHh'] as const)
      if (params[k] !== undefined) throw new SpikefnArgumentError(fn, `${name}.${k}`, 'no bias (the layer has bias: false)', 'a tensor');
}

/** Throws unless each state leaf is a live float32 tensor of `shape`. @internal */
export function checkStateLeaves(fn: string, name: string, state: unknown, keys: readonly string[], shape: Shape, what: string): void {
  if (state === null || typeof state !== 'object')
    throw new SpikefnArgumentError(fn, name, `a state { ${keys.join(', ')} } (from initialState)`, String(state));
  for (const k of keys) {
    const t = (state as Record<string, unknown>)[k];
    if (!isTensor(t)) throw new SpikefnArgumentError(fn, `${name}.${k}`, `a tensor of shape ${showShape(shape)}`, String(t));
    if (t.isDisposed) throw new SpikefnArgumentError(fn, `${name}.${k}`, 'a live tensor', 'a disposed tensor (a stale state?)');
    sameShape(fn, `${name}.${k}`, t, shape, what);
  }
}

/** Throws unless `x` is a float32 tensor. @internal */
export function checkFloatInput(fn: string, name: string, x: unknown): tf.Tensor {
  if (!isTensor(x)) throw new SpikefnArgumentError(fn, name, 'a tensor', String(x));
  if (x.dtype !== 'float32') throw new SpikefnArgumentError(fn, name, 'dtype float32', x.dtype);
  return x;
}

/** Throws unless `ctx` is a context `{ training: boolean, key }`. @internal */
export function checkContext(fn: string, ctx: unknown): Ctx {
  if (ctx === null || typeof ctx !== 'object')
    throw new SpikefnArgumentError(fn, 'ctx', 'a context { training: boolean, key } (evalCtx(key) or trainCtx(key))', String(ctx));
  const c = ctx as { training?: unknown; key?: unknown };
  if (!isBool(c.training)) throw new SpikefnArgumentError(fn, 'ctx.training', 'a boolean', String(c.training));
  if (!isKey(c.key)) throw new SpikefnArgumentError(fn, 'ctx.key', 'a key made by key(seed)', String(c.key));
  return ctx as Ctx;
}

/** The layer of one cell: `step(params, state, x: [B, in], ctx) -> [state', h': [B, H]]`. @internal */
export function cellLayer<S extends SpikingRnnCellState>(spec: CellSpec<S>): Layer<SpikingRnnCellParams, S> {
  const fn = spec.kind;
  const H = spec.hiddenSize;
  const checkShape = (f: string, name: string, shape: Shape): number => {
    rank(f, name, shape, 2, '[B, inputSize]');
    dim(f, name, shape, 1, spec.inputSize, 'inputSize');
    return shape[0] as number;
  };
  return {
    kind: fn,
    init: (key) => initCell(`${fn}.init`, key, spec.gates, spec.inputSize, H, spec.bias),
    outputShape: (_, inputShape) => [checkShape(`${fn}.outputShape`, 'inputShape', inputShape), H],
    initialState: (_, inputShape) => {
      const B = checkShape(`${fn}.initialState`, 'inputShape', inputShape);
      return Object.fromEntries(spec.stateKeys.map((k) => [k, tf.zeros([B, H])])) as unknown as S;
    },
    step: (params, state, x, ctx) => {
      const f = `${fn}.step`;
      checkContext(f, ctx);
      checkCellParams(f, 'params', spec as unknown as CellSpec<SpikingRnnCellState>, params);
      checkFloatInput(f, 'x', x);
      const B = checkShape(f, 'x', x.shape);
      checkStateLeaves(f, 'state', state, spec.stateKeys, [B, H], `[B, hiddenSize] with the batch of x`);
      return tidyStep(() => {
        const next = spec.compute(params, state, x);
        return [next, tf.clone(next.h)];
      });
    },
  };
}
