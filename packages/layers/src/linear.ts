/**
 * `linear`: PyTorch's `nn.Linear`, a stateless affine map on the last axis.
 *
 *   y = x·Wᵀ + b,   x: [*, in] → y: [*, out],   W: [out, in],   b: [out]
 *
 * Init as PyTorch (He et al., "Delving Deep into Rectifiers", ICCV 2015, with a = √5): `W ~ U(-1/√in, 1/√in)`,
 * `b ~ U(-1/√in, 1/√in)`. Leading axes are flattened into one matrix product (no batched broadcast).
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  fanInUniform,
  kaimingUniform,
  split2,
  stateless,
  type Layer,
  checkDim as dim,
  checkMinRank as minRank,
  checkPositiveInt as positiveInt,
} from '@spikefn/core';
import type { EmptyTree as Empty } from '@spikefn/core';

/** Hyper-parameters of {@link linear}. `bias` defaults to `true`. @category layers */
export type LinearConfig = {
  /** `in`: the size of the input's last axis. */
  readonly inFeatures: number;
  /** `out`: the size of the output's last axis. */
  readonly outFeatures: number;
  /** Whether the layer has a bias `b: [out]`. Default true. */
  readonly bias?: boolean;
};

/** `weight: [out, in]`, `bias: [out]` (absent when `bias: false`). @category layers */
export type LinearParams = {
  /** `W: [out, in]`, initially `U(-1/√in, 1/√in)`. */
  readonly weight: tf.Tensor;
  /** `b: [out]`, initially `U(-1/√in, 1/√in)`; absent when `bias: false`. */
  readonly bias?: tf.Tensor;
};

/** `x·Wᵀ + b` on the last axis of `x` (`[*, in] → [*, out]`). Checks nothing: see {@link linear} for the checked layer. @category layers */
export function linearApply(params: LinearParams, x: tf.Tensor): tf.Tensor {
  const [out, inF] = params.weight.shape as [number, number];
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inF]);
  let y = tf.matMul(flat, params.weight, false, true);
  if (params.bias !== undefined) y = tf.add(y, params.bias);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), out]);
}

/** A linear layer `[*, in] → [*, out]` (rank ≥ 1). @category layers */
export function linear(config: LinearConfig): Layer<LinearParams, Empty> {
  const fn = 'linear';
  const inF = positiveInt(fn, 'inFeatures', config.inFeatures);
  const outF = positiveInt(fn, 'outFeatures', config.outFeatures);
  const bias = config.bias ?? true;
  return stateless({
    kind: fn,
    init: (key) => {
      const [kw, kb] = split2(key);
      const weight = kaimingUniform(kw, [outF, inF], inF);
      return bias ? { weight, bias: fanInUniform(kb, [outF], inF) } : { weight };
    },
    outputShape: (_, inputShape) => {
      minRank(fn, 'inputShape', inputShape, 1, '[*, in]');
      dim(fn, 'inputShape', inputShape, -1, inF, 'inFeatures');
      return [...inputShape.slice(0, -1), outF];
    },
    apply: (params, x) => {
      minRank(fn, 'x', x, 1, '[*, in]');
      dim(fn, 'x', x, -1, inF, 'inFeatures');
      return linearApply(params, x);
    },
  });
}
