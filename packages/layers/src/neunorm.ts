/**
 * `neuNorm`: SpikingJelly's `layer.NeuNorm`, the neuron normalisation of Wu et al., "Direct Training for Spiking
 * Neural Networks: Faster, Larger, Better", AAAI 2019 (arXiv:1809.05793). It follows spiking neurons after a
 * convolution (`conv → LIF → NeuNorm`) and subtracts a running, channel-pooled activity:
 *
 *   x[t] = k·x[t-1] + (1 - k)/C² · Σ_c s[t][:, c]        (state, [B, 1, H, W], x[-1] = 0)
 *   y[t] = s[t] - w ⊙ x[t]                              (w: [C, H, W], or [1, H, W] when sharedAcrossChannels)
 *
 * `k` is the paper's k_τ2 and `C` its F. **The C² is SpikingJelly's**: it derives v/F from `k + v·F = 1` and then
 * divides the channel *sum* by C again, so under a constant input x settles at `mean_c(s)/C`, not the channel
 * mean; spikefn keeps it to match the library (and its fixtures). `w` is initialised as PyTorch's
 * `kaiming_uniform_(a = √5)` on a `[C|1, H, W]` tensor: `U(-1/√(H·W), 1/√(H·W))`.
 *
 * Input `[B, C, H, W]` (the seed's docs swap height and width; here they mean what they say).
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  kaimingUniform,
  tidyStep,
  type Layer,
  checkDim as dim,
  checkFinite as finite,
  checkPositiveInt as positiveInt,
  checkRank as rank,
  checkSameShape as sameShape,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';

/** Hyper-parameters of {@link neuNorm}. Defaults: `k = 0.9`, `sharedAcrossChannels = false`. @category layers */
export type NeuNormConfig = {
  /** C, the channels of `s: [B, C, H, W]` (the paper's F). */
  readonly inChannels: number;
  /** H, the height of the input. */
  readonly height: number;
  /** W, the width of the input. */
  readonly width: number;
  /** k in [0, 1], the decay of the running activity (the paper's k_τ2). Default 0.9. */
  readonly k?: number;
  /** One `w` for all channels (`[1, H, W]`) instead of one per channel (`[C, H, W]`). Default false. */
  readonly sharedAcrossChannels?: boolean;
};

/** `w: [C, H, W]` (or `[1, H, W]`). @category layers */
export type NeuNormParams = {
  /** `w: [C, H, W]` (`[1, H, W]` when shared), initially `U(-1/√(H·W), 1/√(H·W))`. */
  readonly w: tf.Tensor;
};

/** `x: [B, 1, H, W]`, the channel-pooled running activity. @category layers */
export type NeuNormState = {
  /** x[t-1]: `[B, 1, H, W]`, zeros initially. */
  readonly x: tf.Tensor;
};

/** The two coefficients: `k0 = k`, `k1 = (1 - k)/C²`. @category layers */
export const neuNormCoefficients = (k: number, inChannels: number): readonly [number, number] => [k, (1 - k) / (inChannels * inChannels)];

/** One NeuNorm step on `s: [B, C, H, W]`: `[{x'}, s - w·x']`. Checks nothing. @category layers */
export function neuNormStep(params: NeuNormParams, state: NeuNormState, s: tf.Tensor, k0: number, k1: number): [NeuNormState, tf.Tensor] {
  const x = tf.add(tf.mul(state.x, k0), tf.mul(tf.sum(s, 1, true), k1));
  return [{ x }, tf.sub(s, tf.mul(params.w, x))];
}

/** The NeuNorm layer. @category layers */
export function neuNorm(config: NeuNormConfig): Layer<NeuNormParams, NeuNormState> {
  const fn = 'neuNorm';
  const C = positiveInt(fn, 'inChannels', config.inChannels);
  const H = positiveInt(fn, 'height', config.height);
  const W = positiveInt(fn, 'width', config.width);
  const k = finite(fn, 'k', config.k ?? 0.9);
  if (k < 0 || k > 1) throw new SpikefnArgumentError(fn, 'k', 'a momentum factor in [0, 1]', String(k));
  const shared = config.sharedAcrossChannels ?? false;
  const [k0, k1] = neuNormCoefficients(k, C);
  const check = (name: string, x: tf.Tensor | Shape): void => {
    rank(fn, name, x, 4, '[B, C, H, W]');
    dim(fn, name, x, 1, C, 'inChannels');
    dim(fn, name, x, 2, H, 'height');
    dim(fn, name, x, 3, W, 'width');
  };
  return {
    kind: fn,
    init: (key) => ({ w: kaimingUniform(key, [shared ? 1 : C, H, W], H * W) }),
    initialState: (_, inputShape) => {
      check('inputShape', inputShape);
      return { x: tf.zeros([inputShape[0] as number, 1, H, W]) };
    },
    outputShape: (_, inputShape) => {
      check('inputShape', inputShape);
      return inputShape;
    },
    step: (params, state, s) => {
      check('x', s);
      sameShape(fn, 'x (batch)', [s.shape[0] as number], [state.x.shape[0] as number], 'the batch size of the state from initialState');
      return tidyStep(() => neuNormStep(params, state, s, k0, k1));
    },
  };
}
