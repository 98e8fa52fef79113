/**
 * `convBatchNorm2d`: SpikingJelly's `layer.ConvBatchNorm2d`, a bias-free `Conv2d` followed by `BatchNorm2d` in one
 * layer, with the helpers that fold the BatchNorm into the convolution (Jacob et al., "Quantization and Training
 * of Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018, §3.2 "batch normalization
 * folding"; SpikingJelly's `functional.fused_conv2d_*_of_convbn2d`, used for ANN→SNN conversion):
 *
 *   y = BN(conv(x, W))                               (train: batch statistics; eval: running statistics)
 *   fusedWeight = W · γ/√(var + ε)                   (per output channel, over [in/groups, kh, kw])
 *   fusedBias   = β - mean · γ/√(var + ε)
 *   eval:  y = conv(x, fusedWeight) + fusedBias       ({@link fuse} returns that plain convolution with bias)
 *
 *   scaleFusedWeight(k, b):  W ← W·k + b            (k, b may be null = skipped)
 *   scaleFusedBias(k, b):    β ← β·k, mean ← mean·k, then β ← β + b   ⇒ fusedBias ← k·fusedBias + b exactly
 *
 * **Semantics follow SpikingJelly's code, not its docstring.** The docstring says `scale_fused_weight(k, b)` makes
 * the *fused* weight `weight·k + b`; the code adds `b` to the raw convolution weight, so the fused weight becomes
 * `k·fusedWeight + b·γ/√(var + ε)` (equal only when γ/√(var + ε) = 1, as for a fresh BatchNorm). `scaleFusedBias`
 * also rescales the running mean (which matters if the layer is trained afterwards). The helpers are pure: they
 * return new `[params, state]` and never modify their arguments.
 *
 * Params `{ conv: { weight }, bn: { weight, bias } }`; state `{ bn: { runningMean, runningVar } }` (see
 * `batch-norm.ts`). Input `[N, in, H, W]` → `[N, out, OH, OW]`. Defaults as PyTorch: `eps = 1e-5`, `momentum = 0.1`.
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import { checkCtx, kaimingUniform, tidyStep, type Layer, checkFinite as finite, SpikefnArgumentError } from '@spikefn/core';
import {
  batchNormApply,
  batchNormInitialState,
  batchNormParams,
  batchNormSettings,
  type BatchNormParams,
  type BatchNormSettings,
  type BatchNormState,
} from './batch-norm.js';
import {
  checkConvInput,
  conv2dNchw,
  conv2dOutputShape,
  conv2dSizes,
  type Conv2dConfig,
  type Conv2dParams,
  type Conv2dSizes,
} from './conv2d.js';

/** The convolution's settings (no bias) plus BatchNorm's `eps` and `momentum`. @category layers */
export type ConvBatchNorm2dConfig = Omit<Conv2dConfig, 'bias'> & {
  /** BatchNorm's ε. Default `1e-5`. */
  readonly eps?: number;
  /** BatchNorm's momentum, in [0, 1]. Default `0.1`. */
  readonly momentum?: number;
};

/** `conv.weight: [out, in/groups, kh, kw]`; `bn.weight`, `bn.bias`: `[out]`. @category layers */
export type ConvBatchNorm2dParams = {
  /** The bias-free convolution. */
  readonly conv: {
    /** `W: [out, in/groups, kh, kw]`, initially `U(-1/√fan_in, 1/√fan_in)`. */
    readonly weight: tf.Tensor;
  };
  /** The BatchNorm's γ and β, `[out]` each. */
  readonly bn: BatchNormParams;
};

/** The BatchNorm running statistics. @category layers */
export type ConvBatchNorm2dState = {
  /** `runningMean` and `runningVar`, `[out]` each. */
  readonly bn: BatchNormState;
};

type Resolved = Conv2dSizes & { readonly bn: BatchNormSettings };

function resolve(fn: string, config: ConvBatchNorm2dConfig): Resolved {
  const sizes = conv2dSizes(fn, config);
  const bnConfig =
    config.momentum === undefined
      ? { numFeatures: sizes.outC, eps: config.eps ?? 1e-5 }
      : { numFeatures: sizes.outC, eps: config.eps ?? 1e-5, momentum: config.momentum };
  return { ...sizes, bn: batchNormSettings(fn, bnConfig) };
}

/** γ/√(var + ε) per output channel. */
const bnScale = (eps: number, params: ConvBatchNorm2dParams, state: ConvBatchNorm2dState): tf.Tensor =>
  tf.div(params.bn.weight, tf.sqrt(tf.add(state.bn.runningVar, eps)));

/** The fused convolution weight `W·γ/√(var + ε)`, `[out, in/groups, kh, kw]`. @category layers */
export function fusedWeight(config: ConvBatchNorm2dConfig, params: ConvBatchNorm2dParams, state: ConvBatchNorm2dState): tf.Tensor {
  const r = resolve('fusedWeight', config);
  return tf.tidy(() => tf.mul(params.conv.weight, tf.reshape(bnScale(r.bn.eps, params, state), [-1, 1, 1, 1])));
}

/** The fused bias `β - mean·γ/√(var + ε)`, `[out]`. @category layers */
export function fusedBias(config: ConvBatchNorm2dConfig, params: ConvBatchNorm2dParams, state: ConvBatchNorm2dState): tf.Tensor {
  const r = resolve('fusedBias', config);
  return tf.tidy(() => tf.sub(params.bn.bias, tf.mul(state.bn.runningMean, bnScale(r.bn.eps, params, state))));
}

/** The plain convolution (with bias) equal to the eval-mode layer: its config and params, for `conv2d(config)`. @category layers */
export function fuse(
  config: ConvBatchNorm2dConfig,
  params: ConvBatchNorm2dParams,
  state: ConvBatchNorm2dState,
): {
  /** The convolution's config with `bias: true` (without `eps` and `momentum`). */
  readonly config: Conv2dConfig;
  /** `weight` = {@link fusedWeight}, `bias` = {@link fusedBias}. */
  readonly params: Conv2dParams;
} {
  const { eps: _eps, momentum: _momentum, ...conv } = config;
  return {
    config: { ...conv, bias: true },
    params: { weight: fusedWeight(config, params, state), bias: fusedBias(config, params, state) },
  };
}

const optionalNumber = (fn: string, name: string, v: number | null | undefined): number | null =>
  v === null || v === undefined ? null : finite(fn, name, v);

/**
 * SpikingJelly's `scale_fused_weight(k, b)`: `conv.weight ← conv.weight·k + b` (either may be `null`). The fused
 * weight becomes `k·fusedWeight + b·γ/√(var + ε)` (not `+ b` as SpikingJelly's docstring says). Returns new
 * `[params, state]` (state unchanged).
 *
 * @category layers
 */
export function scaleFusedWeight(
  params: ConvBatchNorm2dParams,
  state: ConvBatchNorm2dState,
  k: number | null = null,
  b: number | null = null,
): [ConvBatchNorm2dParams, ConvBatchNorm2dState] {
  const kk = optionalNumber('scaleFusedWeight', 'k', k);
  const bb = optionalNumber('scaleFusedWeight', 'b', b);
  const weight = tf.tidy(() => {
    let w = params.conv.weight;
    if (kk !== null) w = tf.mul(w, kk);
    if (bb !== null) w = tf.add(w, bb);
    return w === params.conv.weight ? tf.clone(w) : w;
  });
  return [{ conv: { weight }, bn: params.bn }, state];
}

/**
 * SpikingJelly's `scale_fused_bias(k, b)`: `β ← β·k` and `mean ← mean·k` (if k), then `β ← β + b` (if b), so the
 * fused bias becomes `k·fusedBias + b`. Returns new `[params, state]`.
 *
 * @category layers
 */
export function scaleFusedBias(
  params: ConvBatchNorm2dParams,
  state: ConvBatchNorm2dState,
  k: number | null = null,
  b: number | null = null,
): [ConvBatchNorm2dParams, ConvBatchNorm2dState] {
  const kk = optionalNumber('scaleFusedBias', 'k', k);
  const bb = optionalNumber('scaleFusedBias', 'b', b);
  return tf.tidy(() => {
    let bias = params.bn.bias;
    let mean = state.bn.runningMean;
    if (kk !== null) {
      bias = tf.mul(bias, kk);
      mean = tf.mul(mean, kk);
    }
    if (bb !== null) bias = tf.add(bias, bb);
    return [
      { conv: params.conv, bn: { weight: params.bn.weight, bias } },
      { bn: { runningMean: mean, runningVar: state.bn.runningVar } },
    ] as unknown as tf.TensorContainer;
  }) as unknown as [ConvBatchNorm2dParams, ConvBatchNorm2dState];
}

/** The conv + BatchNorm layer, NCHW. @category layers */
export function convBatchNorm2d(config: ConvBatchNorm2dConfig): Layer<ConvBatchNorm2dParams, ConvBatchNorm2dState> {
  const fn = 'convBatchNorm2d';
  const r = resolve(fn, config);
  const fanIn = (r.inC / r.g.groups) * r.kernel[0] * r.kernel[1];
  return {
    kind: fn,
    init: (key) => ({
      conv: { weight: kaimingUniform(key, [r.outC, r.inC / r.g.groups, r.kernel[0], r.kernel[1]], fanIn) },
      bn: batchNormParams(r.outC),
    }),
    initialState: (_, inputShape) => {
      checkConvInput(fn, 'inputShape', inputShape, r.inC, r.kernel, r.g);
      return { bn: batchNormInitialState(r.outC) };
    },
    outputShape: (params, inputShape) => {
      checkConvInput(fn, 'inputShape', inputShape, r.inC, r.kernel, r.g);
      return conv2dOutputShape(inputShape, params.conv.weight.shape, r.g);
    },
    step: (params, state, x, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      checkConvInput(fn, 'x', x, r.inC, r.kernel, r.g);
      const [n, , oh, ow] = conv2dOutputShape(x.shape, params.conv.weight.shape, r.g) as [number, number, number, number];
      if (ctx.training && n * oh * ow < 2)
        throw new SpikefnArgumentError(
          fn,
          'x',
          'more than one value per channel after the convolution in train mode (batch statistics)',
          `shape [${x.shape.join(', ')}]`,
        );
      return tidyStep(() => {
        const [bn, y] = batchNormApply(r.bn, params.bn, state.bn, conv2dNchw(x, params.conv.weight, r.g), ctx.training);
        return [{ bn }, y];
      });
    },
  };
}
