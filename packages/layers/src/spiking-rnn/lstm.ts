/**
 * The spiking LSTM: SpikingJelly 0.0.0.0.8's `rnn.SpikingLSTMCell` and `rnn.SpikingLSTM` (Lotfi Rezaabad &
 * Vishwanath, "Long Short-Term Memory Spiking Networks and Their Applications", ICONS 2020, arXiv:2007.04779).
 *
 *   [i, f, g, o] = split_4(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)          (pre-activations, H features each)
 *   i = Θ₁(i),  f = Θ₁(f),  g = Θ₂(g),  o = Θ₁(o)
 *   c' = c ⊙ f + i ⊙ g
 *   h' = c' ⊙ o                                                     (the cell's output)
 *
 * Θ₁ is `surrogate` (default `erf(2)`), Θ₂ is `surrogate2` (default: Θ₁): Θ(u) forward with the surrogate's gradient
 * when `spiking` (default), else its primitive g(u) (see cell.ts). With spiking gates, h' and c' count how many
 * g-spikes a unit has kept: c' is an integer, h' is c' or 0. State `{ h, c }`, zeros initially.
 *
 * `spikingLstm` stacks these cells (stack.ts: layers, bidirectional, dropout between layers) over `[T, B, in]`.
 *
 * @category spiking RNN
 */
import * as tf from '@spikefn/core/tf';
import type { Layer } from '@spikefn/core';
import type { Surrogate } from '@spikefn/neurons';
import {
  affine,
  type CellBase,
  type CellSpec,
  cellLayer,
  defaultSurrogate,
  resolveCellBase,
  resolveSurrogate,
  type SpikingLstmCellState,
  type SpikingRnnCellBaseConfig,
  type SpikingRnnCellParams,
  spikeFn,
} from './cell.js';
import { resolveStack, type SpikingLstmState, type SpikingRnnBaseConfig, type SpikingRnnParams, stackLayer } from './stack.js';

/** The surrogates of a spiking LSTM or GRU (SpikingJelly's `surrogate_function1`, `surrogate_function2`). @category spiking RNN */
export type GatedSurrogates = {
  /** `surrogate_function1`: the spike function of every gate but the candidate (LSTM i, f, o; GRU r, z). Default `erf(2)`. */
  readonly surrogate?: Surrogate;
  /** `surrogate_function2`: the candidate's (LSTM g, GRU n). Default: `surrogate`. */
  readonly surrogate2?: Surrogate;
};

/** Hyper-parameters of {@link spikingLstmCell} (`SpikingLSTMCell.__init__`). @category spiking RNN */
export type SpikingLstmCellConfig = SpikingRnnCellBaseConfig & GatedSurrogates;

/** Hyper-parameters of {@link spikingLstm} (`SpikingLSTM.__init__`). @category spiking RNN */
export type SpikingLstmConfig = SpikingRnnBaseConfig & GatedSurrogates;

function lstmSpec(fn: string, base: CellBase, gates: GatedSurrogates, inputSize: number): CellSpec<SpikingLstmCellState> {
  const s1 = resolveSurrogate(fn, 'surrogate', gates.surrogate, defaultSurrogate()) as Surrogate;
  const s2 = resolveSurrogate(fn, 'surrogate2', gates.surrogate2, undefined);
  const theta1 = spikeFn(s1, base.spiking);
  const theta2 = s2 === undefined ? undefined : spikeFn(s2, base.spiking);
  const H = base.hiddenSize;
  return {
    kind: fn,
    gates: 4,
    inputSize,
    hiddenSize: H,
    bias: base.bias,
    stateKeys: ['h', 'c'],
    compute: (params: SpikingRnnCellParams, state: SpikingLstmCellState, x: tf.Tensor): SpikingLstmCellState => {
      const z = tf.add(affine(x, params.weightIh, params.biasIh), affine(state.h, params.weightHh, params.biasHh));
      let i: tf.Tensor;
      let f: tf.Tensor;
      let g: tf.Tensor;
      let o: tf.Tensor;
      if (theta2 === undefined) [i, f, g, o] = tf.split(theta1(z), 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      else {
        const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        [i, f, g, o] = [theta1(zi), theta1(zf), theta2(zg), theta1(zo)];
      }
      const c = tf.add(tf.mul(state.c, f), tf.mul(i, g));
      return { h: tf.mul(c, o), c };
    },
  };
}

/**
 * A spiking LSTM cell, one step: `x: [B, inputSize]`, state `{ h, c }` (`[B, hiddenSize]`) →
 * `c' = c ⊙ f + i ⊙ g`, `h' = c' ⊙ o` with spiking gates `[i, f, g, o] = Θ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)`;
 * returns `[{ h', c' }, h']`. SpikingJelly 0.0.0.0.8's `rnn.SpikingLSTMCell`. Run it over time with `multiStep`.
 *
 * @category spiking RNN
 */
export function spikingLstmCell(config: SpikingLstmCellConfig): Layer<SpikingRnnCellParams, SpikingLstmCellState> {
  const fn = 'spikingLstmCell';
  const base = resolveCellBase(fn, config);
  return cellLayer(lstmSpec(fn, base, config, base.inputSize));
}

/**
 * A multi-layer (optionally bidirectional) spiking LSTM over a sequence: `xs: [T, B, inputSize]` →
 * `ys: [T, B, D·hiddenSize]`, state `{ h, c }` of shape `[numLayers·D, B, hiddenSize]` (+ `mask` with an invariant
 * dropout mask). SpikingJelly 0.0.0.0.8's `rnn.SpikingLSTM`; the cells are {@link spikingLstmCell}'s, stacked as
 * described in {@link SpikingRnnBaseConfig} (`h_t = o_t ⊙ c_t`, `c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t` per layer).
 *
 * @category spiking RNN
 */
export function spikingLstm(config: SpikingLstmConfig): Layer<SpikingRnnParams, SpikingLstmState> {
  const fn = 'spikingLstm';
  const st = resolveStack(fn, config);
  lstmSpec(fn, st, config, st.inputSize); // checks the surrogates once
  return stackLayer<SpikingLstmCellState, SpikingLstmState>(fn, st, (inputSize) => lstmSpec(fn, st, config, inputSize));
}
