/**
 * `axat`: SpikingJelly's `layer.AXAT`, a learnable two-sided linear map on the last two axes (the general form of
 * which the block {@link dct} is a fixed special case):
 *
 *   Y = A·X·Aᵀ,   X: [*, in, in] → Y: [*, out, out],   A: [out, in]
 *
 * `A` is initialised as PyTorch's `kaiming_uniform_(a = √5)`: `U(-1/√in, 1/√in)`. With `A = I` the layer is the
 * identity. Stateless; computed as two plain matrix products over all matrices of the batch (tfjs's batched
 * product does not differentiate through broadcasting, so nothing is broadcast).
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  kaimingUniform,
  stateless,
  type Layer,
  checkDim as dim,
  checkMinRank as minRank,
  checkPositiveInt as positiveInt,
  type Shape,
} from '@spikefn/core';
import type { EmptyTree as Empty } from '@spikefn/core';

/** Hyper-parameters of {@link axat}. @category layers */
export type AxatConfig = {
  /** `in`: the size of both input matrix axes, `x: [*, in, in]`. */
  readonly inFeatures: number;
  /** `out`: the size of both output matrix axes, `y: [*, out, out]`. */
  readonly outFeatures: number;
};

/** `A: [out, in]`. @category layers */
export type AxatParams = {
  /** `A: [out, in]`, initially `U(-1/√in, 1/√in)`. */
  readonly A: tf.Tensor;
};

/** `A·X·Aᵀ` over the last two axes of `x: [*, in, in]`. Checks nothing. @category layers */
export function axatApply(params: AxatParams, x: tf.Tensor): tf.Tensor {
  const [out, inF] = params.A.shape as [number, number];
  const m = x.size / (inF * inF);
  // Z_b = X_b·Aᵀ on rows; then Y_bᵀ = Z_bᵀ·Aᵀ, i.e. Y_b = A·X_b·Aᵀ.
  const z = tf.reshape(tf.matMul(tf.reshape(x, [m * inF, inF]), params.A, false, true), [m, inF, out]);
  const yt = tf.matMul(tf.reshape(tf.transpose(z, [0, 2, 1]), [m * out, inF]), params.A, false, true);
  return tf.reshape(tf.transpose(tf.reshape(yt, [m, out, out]), [0, 2, 1]), [...x.shape.slice(0, -2), out, out]);
}

/** The AXAT layer. @category layers */
export function axat(config: AxatConfig): Layer<AxatParams, Empty> {
  const fn = 'axat';
  const inF = positiveInt(fn, 'inFeatures', config.inFeatures);
  const outF = positiveInt(fn, 'outFeatures', config.outFeatures);
  const check = (name: string, x: tf.Tensor | Shape): void => {
    minRank(fn, name, x, 2, '[*, in, in]');
    dim(fn, name, x, -2, inF, 'inFeatures');
    dim(fn, name, x, -1, inF, 'inFeatures');
  };
  return stateless({
    kind: fn,
    init: (key) => ({ A: kaimingUniform(key, [outF, inF], inF) }),
    outputShape: (_, inputShape) => {
      check('inputShape', inputShape);
      return [...inputShape.slice(0, -2), outF, outF];
    },
    apply: (params, x) => {
      check('x', x);
      return axatApply(params, x);
    },
  });
}
