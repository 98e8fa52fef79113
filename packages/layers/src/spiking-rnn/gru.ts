/**
 * The spiking GRU: SpikingJelly 0.0.0.0.8's `rnn.SpikingGRUCell` and `rnn.SpikingGRU` (the GRU of Cho et al.,
 * "Learning Phrase Representations using RNN Encoder–Decoder", EMNLP 2014, with spiking gates as in
 * arXiv:2007.04779).
 *
 *   [a_r, a_z, a_n] = split_3(x·W_ihᵀ + b_ih),   [b_r, b_z, b_n] = split_3(h·W_hhᵀ + b_hh)
 *   r = Θ₁(a_r + b_r)
 *   z = Θ₁(a_z + b_z)
 *   n = Θ₂(a_n + r ⊙ b_n)
 *   h' = (1 − z) ⊙ n + z ⊙ h                                        (the cell's output)
 *
 * Θ₁ is `surrogate` (default `erf(2)`), Θ₂ is `surrogate2` (default: Θ₁), spiking or not as in cell.ts. With
 * spiking gates and h = 0 initially, h stays in {0, 1}. State `{ h }`, zeros initially.
 *
 * `spikingGru` stacks these cells (stack.ts) over `[T, B, in]`.
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
  type SpikingRnnCellBaseConfig,
  type SpikingRnnCellParams,
  type SpikingRnnCellState,
  spikeFn,
} from './cell.js';
import type { GatedSurrogates } from './lstm.js';
import { resolveStack, type SpikingRnnBaseConfig, type SpikingRnnParams, type SpikingRnnState, stackLayer } from './stack.js';

/** Hyper-parameters of {@link spikingGruCell} (`SpikingGRUCell.__init__`). @category spiking RNN */
export type SpikingGruCellConfig = SpikingRnnCellBaseConfig & GatedSurrogates;

/** Hyper-parameters of {@link spikingGru} (`SpikingGRU.__init__`). @category spiking RNN */
export type SpikingGruConfig = SpikingRnnBaseConfig & GatedSurrogates;

function gruSpec(fn: string, base: CellBase, gates: GatedSurrogates, inputSize: number): CellSpec<SpikingRnnCellState> {
  const s1 = resolveSurrogate(fn, 'surrogate', gates.surrogate, defaultSurrogate()) as Surrogate;
  const s2 = resolveSurrogate(fn, 'surrogate2', gates.surrogate2, s1) as Surrogate;
  const theta1 = spikeFn(s1, base.spiking);
  const theta2 = spikeFn(s2, base.spiking);
  return {
    kind: fn,
    gates: 3,
    inputSize,
    hiddenSize: base.hiddenSize,
    bias: base.bias,
    stateKeys: ['h'],
    compute: (params: SpikingRnnCellParams, state: SpikingRnnCellState, x: tf.Tensor): SpikingRnnCellState => {
      const [ar, az, an] = tf.split(affine(x, params.weightIh, params.biasIh), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [br, bz, bn] = tf.split(affine(state.h, params.weightHh, params.biasHh), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const r = theta1(tf.add(ar, br));
      const z = theta1(tf.add(az, bz));
      const n = theta2(tf.add(an, tf.mul(r, bn)));
      return { h: tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, state.h)) };
    },
  };
}

/**
 * A spiking GRU cell, one step: `x: [B, inputSize]`, state `{ h }` (`[B, hiddenSize]`) →
 * `h' = (1 − z) ⊙ n + z ⊙ h` with spiking gates `r`, `z` and candidate `n = Θ(a_n + r ⊙ b_n)`; returns `[{ h' }, h']`.
 * SpikingJelly 0.0.0.0.8's `rnn.SpikingGRUCell`. Run it over time with `multiStep`.
 *
 * @category spiking RNN
 */
export function spikingGruCell(config: SpikingGruCellConfig): Layer<SpikingRnnCellParams, SpikingRnnCellState> {
  const fn = 'spikingGruCell';
  const base = resolveCellBase(fn, config);
  return cellLayer(gruSpec(fn, base, config, base.inputSize));
}

/**
 * A multi-layer (optionally bidirectional) spiking GRU over a sequence: `xs: [T, B, inputSize]` →
 * `ys: [T, B, D·hiddenSize]`, state `{ h }` of shape `[numLayers·D, B, hiddenSize]` (+ `mask`). SpikingJelly
 * 0.0.0.0.8's `rnn.SpikingGRU`; per layer `h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}` ({@link spikingGruCell}), stacked as
 * described in {@link SpikingRnnBaseConfig}.
 *
 * @category spiking RNN
 */
export function spikingGru(config: SpikingGruConfig): Layer<SpikingRnnParams, SpikingRnnState> {
  const fn = 'spikingGru';
  const st = resolveStack(fn, config);
  gruSpec(fn, st, config, st.inputSize);
  return stackLayer<SpikingRnnCellState, SpikingRnnState>(fn, st, (inputSize) => gruSpec(fn, st, config, inputSize));
}
