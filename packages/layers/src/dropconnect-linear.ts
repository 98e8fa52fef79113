/**
 * `dropConnectLinear`: SpikingJelly's `layer.DropConnectLinear`, DropConnect (Wan, Zeiler, Zhang, LeCun & Fergus,
 * "Regularization of Neural Networks using DropConnect", ICML 2013): a linear layer whose *connections* are
 * dropped, followed by an activation `a` (ReLU by default, `null` for none).
 *
 *   train:  M ~ Bernoulli(1 - p)^[B, out, in],  m ~ Bernoulli(1 - p)^[B, out]   (one mask per sample)
 *           y[b] = a((W ⊙ M[b])·x[b] + b ⊙ m[b])                               (no 1/(1-p) rescaling)
 *   eval:   μ = (1 - p)·(x·Wᵀ + b),   σ² = p(1 - p)·(x²·(W²)ᵀ + b²)            (Gaussian moment matching)
 *           y = (1/S) Σ_{s<S} a(μ + σ·z_s),  z_s ~ N(0, 1)                     (Algorithm 2 of the paper, S = samplesNum)
 *
 * Masks: with `invariant: false` (default) they are redrawn at every step from the step's key; with
 * `invariant: true` they are drawn from the key given to `initialState` and kept until a new initial state (the
 * batch size is then fixed by `initialState`'s input shape). Where σ = 0 (e.g. `bias: false` and an all-zero input
 * row) the eval output is exactly `a(μ)`; SpikingJelly raises there (torch's Normal needs a positive scale). The
 * eval samples are reparameterised (`μ + σ·z`), so eval is differentiable where σ > 0 (SpikingJelly's `sample()`
 * carries no gradient).
 *
 * Input `[B, in]` → `[B, out]`. Defaults: `bias = true`, `p = 0.5`, `samplesNum = 1024`, `invariant = false`,
 * activation ReLU. Params as {@link linear} (PyTorch's init).
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  checkCtx,
  checkKey,
  fanInUniform,
  kaimingUniform,
  split2,
  type Key,
  tidyStep,
  type Layer,
  bernoulli,
  normal,
  checkDim as dim,
  checkDropProbability as dropProbability,
  checkPositiveInt as positiveInt,
  checkRank as rank,
  checkSameShape as sameShape,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';
import type { LinearParams } from './linear.js';

/** An element-wise activation applied after the (dropped) linear map. @category layers */
export type Activation = (x: tf.Tensor) => tf.Tensor;

/** Hyper-parameters of {@link dropConnectLinear}. @category layers */
export type DropConnectLinearConfig = {
  /** `in`: the input features, `x: [B, in]`. */
  readonly inFeatures: number;
  /** `out`: the output features, `y: [B, out]`. */
  readonly outFeatures: number;
  /** Whether the layer has a bias `b: [out]`. Default true. */
  readonly bias?: boolean;
  /** p, the probability of dropping each connection. Default 0.5. */
  readonly p?: number;
  /** S, the Gaussian samples averaged in eval mode. Default 1024. */
  readonly samplesNum?: number;
  /** Draw the masks once per sequence (from `initialState`'s key) instead of at every step. Default false. */
  readonly invariant?: boolean;
  /** The activation `a` after the linear map; `null` for none. Default ReLU. */
  readonly activation?: Activation | null;
};

/** `weight: [out, in]`, `bias: [out]` (absent when `bias: false`). @category layers */
export type DropConnectLinearParams = LinearParams;

/** Keep-masks (0/1): `maskW: [B, out, in]`, `maskB: [B, out]` (absent without bias). @category layers */
export type DropConnectMasks = {
  /** M: `[B, out, in]`, 1 (keep) with probability `1 - p`. */
  readonly maskW: tf.Tensor;
  /** m: `[B, out]`, 1 (keep) with probability `1 - p`; absent without bias. */
  readonly maskB?: tf.Tensor;
};

/** The masks when `invariant` (fixed per sequence), else `{}` (drawn every step). @category layers */
export type DropConnectLinearState = {
  /** M: `[B, out, in]`, present only when `invariant`. */
  readonly maskW?: tf.Tensor;
  /** m: `[B, out]`, present only when `invariant` and the layer has a bias. */
  readonly maskB?: tf.Tensor;
};

/** Keep-masks for a batch of `batch` samples: 1 with probability `1 - p`. @category layers */
export function dropConnectMasks(
  key: Key,
  p: number,
  batch: number,
  outFeatures: number,
  inFeatures: number,
  bias: boolean,
): DropConnectMasks {
  dropProbability('dropConnectMasks', 'p', p);
  const [kw, kb] = split2(key);
  const maskW = bernoulli(kw, 1 - p, [batch, outFeatures, inFeatures]);
  return bias ? { maskW, maskB: bernoulli(kb, 1 - p, [batch, outFeatures]) } : { maskW };
}

/** The train-mode output given the masks: `a((W ⊙ M[b])·x[b] + b ⊙ m[b])`. Checks nothing. @category layers */
export function dropConnectApply(params: LinearParams, masks: DropConnectMasks, x: tf.Tensor, activation: Activation | null): tf.Tensor {
  return tf.tidy(() => {
    // y[b, o] = Σ_i M[b, o, i]·W[o, i]·x[b, i]
    let y = tf.sum(tf.mul(tf.mul(masks.maskW, params.weight), tf.expandDims(x, 1)), -1);
    if (params.bias !== undefined && masks.maskB !== undefined) y = tf.add(y, tf.mul(params.bias, masks.maskB));
    return activation === null ? y : activation(y);
  });
}

/** The eval-mode Gaussian moments `{ mu, sigma2 }` of the pre-activation, `[B, out]`. Checks nothing. @category layers */
export function dropConnectMoments(
  params: LinearParams,
  x: tf.Tensor,
  p: number,
): {
  /** μ = (1 - p)·(x·Wᵀ + b): `[B, out]`. */
  readonly mu: tf.Tensor;
  /** σ² = p(1 - p)·(x²·(W²)ᵀ + b²): `[B, out]`. */
  readonly sigma2: tf.Tensor;
} {
  return tf.tidy(() => {
    let lin = tf.matMul(x, params.weight, false, true);
    let sq = tf.matMul(tf.square(x), tf.square(params.weight), false, true);
    if (params.bias !== undefined) {
      lin = tf.add(lin, params.bias);
      sq = tf.add(sq, tf.square(params.bias));
    }
    return { mu: tf.mul(lin, 1 - p), sigma2: tf.mul(sq, p * (1 - p)) };
  });
}

/** The eval-mode output: the mean of `a(μ + σ·z)` over `samplesNum` standard normal draws from `key`. Checks nothing. @category layers */
export function dropConnectInfer(
  params: LinearParams,
  x: tf.Tensor,
  p: number,
  samplesNum: number,
  activation: Activation | null,
  key: Key,
): tf.Tensor {
  return tf.tidy(() => {
    const { mu, sigma2 } = dropConnectMoments(params, x, p);
    // σ = √σ² where σ² > 0, else exactly 0 (and no 0·∞ in the gradient).
    // (tf.step, not a comparison: comparisons have no gradient in tfjs; step's is zero.)
    const positive = tf.step(sigma2);
    const sigma = tf.mul(tf.sqrt(tf.add(tf.mul(sigma2, positive), tf.sub(1, positive))), positive);
    const z = normal(key, [samplesNum, ...mu.shape]);
    const samples = tf.add(mu, tf.mul(sigma, z));
    return tf.mean(activation === null ? samples : activation(samples), 0);
  });
}

/** The DropConnect linear layer `[B, in] → [B, out]`. @category layers */
export function dropConnectLinear(config: DropConnectLinearConfig): Layer<DropConnectLinearParams, DropConnectLinearState> {
  const fn = 'dropConnectLinear';
  const inF = positiveInt(fn, 'inFeatures', config.inFeatures);
  const outF = positiveInt(fn, 'outFeatures', config.outFeatures);
  const bias = config.bias ?? true;
  const p = dropProbability(fn, 'p', config.p ?? 0.5);
  const samplesNum = positiveInt(fn, 'samplesNum', config.samplesNum ?? 1024);
  const invariant = config.invariant ?? false;
  const activation = config.activation === undefined ? tf.relu : config.activation;
  if (activation !== null && typeof activation !== 'function')
    throw new SpikefnArgumentError(fn, 'activation', 'a function of a tensor, or null', String(activation));
  const check = (name: string, x: tf.Tensor | Shape): void => {
    rank(fn, name, x, 2, '[B, in]');
    dim(fn, name, x, 1, inF, 'inFeatures');
  };
  return {
    kind: fn,
    init: (key) => {
      const [kw, kb] = split2(key);
      const weight = kaimingUniform(kw, [outF, inF], inF);
      return bias ? { weight, bias: fanInUniform(kb, [outF], inF) } : { weight };
    },
    initialState: (_, inputShape, key) => {
      check('inputShape', inputShape);
      checkKey(`${fn}.initialState`, key);
      return invariant ? dropConnectMasks(key, p, inputShape[0] as number, outF, inF, bias) : {};
    },
    outputShape: (_, inputShape) => {
      check('inputShape', inputShape);
      return [inputShape[0] as number, outF];
    },
    step: (params, state, x, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      check('x', x);
      if (!ctx.training) return tidyStep(() => [state, dropConnectInfer(params, x, p, samplesNum, activation, ctx.key)]);
      if (!invariant)
        return tidyStep(() => [
          state,
          dropConnectApply(params, dropConnectMasks(ctx.key, p, x.shape[0] as number, outF, inF, bias), x, activation),
        ]);
      if (state.maskW === undefined || (bias && state.maskB === undefined)) {
        throw new SpikefnArgumentError(fn, 'state', 'the masks from initialState (invariant: true)', 'a state without masks');
      }
      sameShape(
        fn,
        'x (batch)',
        [x.shape[0] as number],
        [state.maskW.shape[0] as number],
        'the batch size of the masks from initialState (invariant: true)',
      );
      const masks: DropConnectMasks = state.maskB === undefined ? { maskW: state.maskW } : { maskW: state.maskW, maskB: state.maskB };
      return tidyStep(() => [state, dropConnectApply(params, masks, x, activation)]);
    },
  };
}
