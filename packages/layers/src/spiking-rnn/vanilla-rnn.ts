/**
 * The spiking vanilla RNN: SpikingJelly 0.0.0.0.8's `rnn.SpikingVanillaRNNCell` and `rnn.SpikingVanillaRNN` (an
 * Elman RNN whose tanh is a spike function):
 *
 *   h' = Θ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)                          (the cell's output)
 *
 * Θ is `surrogate` (default `erf(2)`), spiking or not as in cell.ts; spiking, h is always 0/1. State `{ h }`, zeros
 * initially. `spikingVanillaRnn` stacks these cells (stack.ts) over `[T, B, in]`.
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
import { resolveStack, type SpikingRnnBaseConfig, type SpikingRnnParams, type SpikingRnnState, stackLayer } from './stack.js';

/** The surrogate of a vanilla spiking RNN (SpikingJelly's `surrogate_function`). @category spiking RNN */
export type VanillaSurrogate = {
  /** `surrogate_function`: the spike function of h. Default `erf(2)`. */
  readonly surrogate?: Surrogate;
};

/** Hyper-parameters of {@link spikingVanillaRnnCell} (`SpikingVanillaRNNCell.__init__`). @category spiking RNN */
export type SpikingVanillaRnnCellConfig = SpikingRnnCellBaseConfig & VanillaSurrogate;

/** Hyper-parameters of {@link spikingVanillaRnn} (`SpikingVanillaRNN.__init__`). @category spiking RNN */
export type SpikingVanillaRnnConfig = SpikingRnnBaseConfig & VanillaSurrogate;

function vanillaSpec(fn: string, base: CellBase, config: VanillaSurrogate, inputSize: number): CellSpec<SpikingRnnCellState> {
  const theta = spikeFn(resolveSurrogate(fn, 'surrogate', config.surrogate, defaultSurrogate()) as Surrogate, base.spiking);
  return {
    kind: fn,
    gates: 1,
    inputSize,
    hiddenSize: base.hiddenSize,
    bias: base.bias,
    stateKeys: ['h'],
    compute: (params: SpikingRnnCellParams, state: SpikingRnnCellState, x: tf.Tensor): SpikingRnnCellState => ({
      h: theta(tf.add(affine(x, params.weightIh, params.biasIh), affine(state.h, params.weightHh, params.biasHh))),
    }),
  };
}

/**
 * A spiking vanilla RNN cell, one step: `x: [B, inputSize]`, state `{ h }` (`[B, hiddenSize]`) →
 * `h' = Θ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)`; returns `[{ h' }, h']`. SpikingJelly 0.0.0.0.8's
 * `rnn.SpikingVanillaRNNCell`. Run it over time with `multiStep`.
 *
 * @category spiking RNN
 */
export function spikingVanillaRnnCell(config: SpikingVanillaRnnCellConfig): Layer<SpikingRnnCellParams, SpikingRnnCellState> {
  const fn = 'spikingVanillaRnnCell';
  const base = resolveCellBase(fn, config);
  return cellLayer(vanillaSpec(fn, base, config, base.inputSize));
}

/**
 * A multi-layer (optionally bidirectional) spiking vanilla RNN over a sequence: `xs: [T, B, inputSize]` →
 * `ys: [T, B, D·hiddenSize]`, state `{ h }` of shape `[numLayers·D, B, hiddenSize]` (+ `mask`). SpikingJelly
 * 0.0.0.0.8's `rnn.SpikingVanillaRNN`; per layer `h_t = Θ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)`
 * ({@link spikingVanillaRnnCell}), stacked as described in {@link SpikingRnnBaseConfig}.
 *
 * @category spiking RNN
 */
export function spikingVanillaRnn(config: SpikingVanillaRnnConfig): Layer<SpikingRnnParams, SpikingRnnState> {
  const fn = 'spikingVanillaRnn';
  const st = resolveStack(fn, config);
  vanillaSpec(fn, st, config, st.inputSize);
  return stackLayer<SpikingRnnCellState, SpikingRnnState>(fn, st, (inputSize) => vanillaSpec(fn, st, config, inputSize));
}
