/**
 * `batchNorm1d` / `batchNorm2d`: PyTorch's `nn.BatchNorm1d` / `nn.BatchNorm2d` (Ioffe & Szegedy, "Batch
 * Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift", ICML 2015), with the
 * running statistics as explicit **state**.
 *
 *   train:  μ_B = mean(x),  σ²_B = mean((x - μ_B)²)  over every axis but the channel axis 1 (n values each)
 *           y = (x - μ_B) / √(σ²_B + ε) · γ + β
 *           mean' = (1 - m)·mean + m·μ_B,   var' = (1 - m)·var + m·σ²_B·n/(n - 1)   (the UNBIASED variance)
 *   eval:   y = (x - mean) / √(var + ε) · γ + β,   state unchanged
 *
 * Params `{ weight: γ [C], bias: β [C] }` start at 1 and 0; state `{ runningMean [C], runningVar [C] }` starts at 0
 * and 1 (PyTorch's defaults). `ε = 1e-5`, momentum `m = 0.1` by default. PyTorch's `num_batches_tracked` is not
 * kept: it only matters for `momentum = None`, which is not supported.
 *
 * Because the running statistics are state, `initialState` gives **fresh** statistics: a training loop that resets
 * its neurons between sequences carries the BatchNorm part of the state over (or it starts from mean 0, var 1
 * again). In a `multiStep` container a train-mode BatchNorm sees T mini-batches (T updates); in `seqToANN` one
 * batch of T·B samples (one update), as SpikingJelly's containers.
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import type { Ctx, Layer } from '@spikefn/core';
import { BATCH_NORM_FORWARD, hasKernel } from '@spikefn/kernels';
import {
  checkCtx,
  tidyStep,
  checkDim as dim,
  checkFinite as finite,
  checkPositive as positive,
  checkPositiveInt as positiveInt,
  checkRank as rank,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';

/** Hyper-parameters of a BatchNorm. Defaults: `eps = 1e-5`, `momentum = 0.1`. @category layers */
export type BatchNormConfig = {
  /** C, the number of channels (axis 1 of `x: [N, C, ...]`). */
  readonly numFeatures: number;
  /** ε > 0, added to the variance for stability. Default `1e-5`. */
  readonly eps?: number;
  /** m in [0, 1], the weight of the batch statistic in the running-statistics update. Default `0.1`. */
  readonly momentum?: number;
};

/** Affine params: `weight` (γ) and `bias` (β), both `[C]`. @category layers */
export type BatchNormParams = {
  /** γ: `[C]`, initially 1. */
  readonly weight: tf.Tensor;
  /** β: `[C]`, initially 0. */
  readonly bias: tf.Tensor;
};

/** Running statistics: `runningMean`, `runningVar`, both `[C]`. @category layers */
export type BatchNormState = {
  /** The running mean: `[C]`, initially 0. */
  readonly runningMean: tf.Tensor;
  /** The running (unbiased) variance: `[C]`, initially 1. */
  readonly runningVar: tf.Tensor;
};

/** Resolved BatchNorm settings. @category layers */
export type BatchNormSettings = { readonly numFeatures: number; readonly eps: number; readonly momentum: number };

/** Checks a {@link BatchNormConfig} and fills the defaults. @category layers */
export function batchNormSettings(fn: string, config: BatchNormConfig): BatchNormSettings {
  const numFeatures = positiveInt(fn, 'numFeatures', config.numFeatures);
  const eps = positive(fn, 'eps', config.eps ?? 1e-5);
  const momentum = finite(fn, 'momentum', config.momentum ?? 0.1);
  if (momentum < 0 || momentum > 1) throw new SpikefnArgumentError(fn, 'momentum', 'a number in [0, 1]', String(momentum));
  return { numFeatures, eps, momentum };
}

/** γ = 1, β = 0. @category layers */
export const batchNormParams = (numFeatures: number): BatchNormParams => ({
  weight: tf.ones([numFeatures]),
  bias: tf.zeros([numFeatures]),
});

/** mean = 0, var = 1. @category layers */
export const batchNormInitialState = (numFeatures: number): BatchNormState => ({
  runningMean: tf.zeros([numFeatures]),
  runningVar: tf.ones([numFeatures]),
});

/**
 * One BatchNorm call on `x: [N, C, ...]` (channel axis 1). Returns `[state', y]`; in eval mode `state' = state`.
 * Checks nothing about shapes. In train mode on float32 inputs, where the backend has `@spikefn/kernels`' fused
 * BatchNorm kernels (`cpu`, `wasm`), the statistics, the output and the gradient are one kernel each way (same values
 * to float32 rounding; the running statistics get no gradient, like PyTorch's buffers); `fused: false` forces the
 * composed ops (`tf.moments` and broadcasting arithmetic, differentiated by tfjs), the reference.
 *
 * @category layers
 */
export function batchNormApply(
  s: BatchNormSettings,
  params: BatchNormParams,
  state: BatchNormState,
  x: tf.Tensor,
  training: boolean,
  fused = true,
): [BatchNormState, tf.Tensor] {
  const C = s.numFeatures;
  const bshape = [1, C, ...x.shape.slice(2).map(() => 1)];
  const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  if (!training) {
    const scale = tf.div(params.weight, tf.sqrt(tf.add(state.runningVar, s.eps)));
    const shift = tf.sub(params.bias, tf.mul(state.runningMean, scale));
    return [state, tf.add(tf.mul(x, tf.reshape(scale, bshape)), tf.reshape(shift, bshape))];
  }
  const n = x.size / C;
  let y: tf.Tensor;
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (
    fused &&
    x.dtype === 'float32' &&
    params.weight.dtype === 'float32' &&
    params.bias.dtype === 'float32' &&
    hasKernel(BATCH_NORM_FORWARD)
  ) {
    // One forward kernel (statistics and output) and one backward kernel (@spikefn/kernels, batch-norm.ts).
    [y, mean, variance] = tf
      .engine()
      .runKernel(BATCH_NORM_FORWARD, { x, gamma: params.weight, beta: params.bias }, { eps: s.eps }) as tf.Tensor[] as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
  } else {
    ({ mean, variance } = tf.moments(x, axes, true));
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, s.eps)));
    y = tf.add(tf.mul(xhat, tf.reshape(params.weight, bshape)), tf.reshape(params.bias, bshape));
  }
  const m = s.momentum;
  const runningMean = tf.add(tf.mul(state.runningMean, 1 - m), tf.mul(tf.reshape(mean, [C]), m));
  const runningVar = tf.add(tf.mul(state.runningVar, 1 - m), tf.mul(tf.reshape(variance, [C]), (m * n) / (n - 1)));
  return [{ runningMean, runningVar }, y];
}

function checkInput(fn: string, name: string, x: tf.Tensor | Shape, ranks: readonly number[], meaning: string, C: number): void {
  rank(fn, name, x, ranks, meaning);
  dim(fn, name, x, 1, C, 'numFeatures');
}

function batchNorm(fn: string, ranks: readonly number[], meaning: string, config: BatchNormConfig): Layer<BatchNormParams, BatchNormState> {
  const s = batchNormSettings(fn, config);
  const C = s.numFeatures;
  return {
    kind: fn,
    init: () => batchNormParams(C),
    initialState: (_, inputShape) => {
      checkInput(fn, 'inputShape', inputShape, ranks, meaning, C);
      return batchNormInitialState(C);
    },
    outputShape: (_, inputShape) => {
      checkInput(fn, 'inputShape', inputShape, ranks, meaning, C);
      return inputShape;
    },
    step: (params, state, x, ctx: Ctx) => {
      checkCtx(`${fn}.step`, ctx);
      checkInput(fn, 'x', x, ranks, meaning, C);
      if (ctx.training && x.size / C < 2)
        throw new SpikefnArgumentError(
          fn,
          'x',
          'more than one value per channel in train mode (batch statistics)',
          `shape [${x.shape.join(', ')}]`,
        );
      return tidyStep(() => batchNormApply(s, params, state, x, ctx.training));
    },
  };
}

/** BatchNorm over `[N, C]` or `[N, C, L]`. @category layers */
export const batchNorm1d = (config: BatchNormConfig): Layer<BatchNormParams, BatchNormState> =>
  batchNorm('batchNorm1d', [2, 3], '[N, C] or [N, C, L]', config);

/** BatchNorm over `[N, C, H, W]`. @category layers */
export const batchNorm2d = (config: BatchNormConfig): Layer<BatchNormParams, BatchNormState> =>
  batchNorm('batchNorm2d', [4], '[N, C, H, W]', config);
