/**
 * `linearRecurrent(layer, inFeatures, outFeatures, bias)`: SpikingJelly's `LinearRecurrentContainer`.
 *
 *   y[-1] = 0,   i[t] = [x[t], y[t-1]] · Wᵀ + b,   y[t] = layer(i[t])
 *
 * with `W: [in, in + out]`, `b: [in]` (a `Linear(in + out, in)` initialised like PyTorch's), `x[t]: [N, *, in]`,
 * `y[t]: [N, *, out]`. State: `{ y, inner }`.
 *
 * @category combinators
 */
import * as tf from './tf.js';
import { fanInUniform, kaimingUniform } from './init.js';
import { split, type Key } from './key.js';
import { checkCtx, tidyStep, type Layer } from './layer.js';
import { checkedStep } from './numerics-guard.js';
import type { Tree } from './tree.js';
import { dim, minRank, positiveInt, sameShape } from './validate.js';

/** The recurrent connection's params and the inner layer's. @category combinators */
export type LinearRecurrentParams<P extends Tree> = {
  /** The recurrent `Linear(in + out, in)`. */
  readonly rc: {
    /** `W: [in, in + out]`, initially `U(-1/√(in + out), 1/√(in + out))`. */
    readonly weight: tf.Tensor;
    /** `b: [in]`, uniform in ±1/√(in + out); absent when built with `bias = false`. */
    readonly bias?: tf.Tensor;
  };
  /** The wrapped layer's params. */
  readonly inner: P;
};
/** The previous output and the inner layer's state. @category combinators */
export type LinearRecurrentState<S extends Tree> = {
  /** The previous output y[t-1]: `[N, *, out]`, zeros before the first step. */
  readonly y: tf.Tensor;
  /** The wrapped layer's state. */
  readonly inner: S;
};

/** Wraps `layer` (`[.., in] -> [.., out]`) with a learnable linear recurrence. @category combinators */
export function linearRecurrent<P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
  inFeatures: number,
  outFeatures: number,
  bias = true,
): Layer<LinearRecurrentParams<P>, LinearRecurrentState<S>> {
  const fn = `linearRecurrent(${layer.kind})`;
  positiveInt('linearRecurrent', 'inFeatures', inFeatures);
  positiveInt('linearRecurrent', 'outFeatures', outFeatures);
  const fanIn = inFeatures + outFeatures;
  const yShape = (inputShape: readonly number[]): number[] => [...inputShape.slice(0, -1), outFeatures];
  return {
    kind: fn,
    init: (key) => {
      const [kw, kb, ki] = split(key, 3) as [Key, Key, Key];
      // In a tf.tidy: an inner init that throws leaves no weights behind.
      return tf.tidy(() => {
        const weight = kaimingUniform(kw, [inFeatures, fanIn], fanIn);
        const rc = bias ? { weight, bias: fanInUniform(kb, [inFeatures], fanIn) } : { weight };
        return { rc, inner: layer.init(ki) } as unknown as tf.TensorContainer;
      }) as unknown as LinearRecurrentParams<P>;
    },
    outputShape: (params, inputShape) => {
      minRank(fn, 'inputShape', inputShape, 2, '[N, *, in]');
      dim(fn, 'inputShape', inputShape, -1, inFeatures, 'in_features');
      return layer.outputShape(params.inner, inputShape);
    },
    initialState: (params, inputShape, key) => {
      minRank(fn, 'inputShape', inputShape, 2, '[N, *, in]');
      dim(fn, 'inputShape', inputShape, -1, inFeatures, 'in_features');
      return tf.tidy(
        () =>
          ({ y: tf.zeros(yShape(inputShape)), inner: layer.initialState(params.inner, inputShape, key) }) as unknown as tf.TensorContainer,
      ) as unknown as LinearRecurrentState<S>;
    },
    step: (params, state, x, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      dim(fn, 'x', x, -1, inFeatures, 'in_features');
      sameShape(
        fn,
        'x (all but the last axis)',
        x.shape.slice(0, -1),
        state.y.shape.slice(0, -1),
        'the batch shape of the state from initialState',
      );
      return tidyStep(() => {
        const cat = tf.concat([x, state.y], -1);
        const flat = tf.reshape(cat, [-1, fanIn]);
        let i = tf.matMul(flat, params.rc.weight, false, true);
        if (params.rc.bias !== undefined) i = tf.add(i, params.rc.bias);
        const [inner, y] = checkedStep(undefined, layer, params.inner, state.inner, tf.reshape(i, x.shape), ctx);
        sameShape(fn, 'layer output', y, state.y, `[.., ${outFeatures}] (out_features)`);
        return [{ y, inner }, y];
      });
    },
  };
}
