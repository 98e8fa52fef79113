/**
 * `seqToANN(layer)`: SpikingJelly's `SeqToANNContainer`. `[T, B, ...] -> [T·B, ...]`, one call of the layer,
 * then back to `[T, B, ...]`:  `y_seq = layer(x_seq.reshape(T·B, ...)).reshape(T, B, ...)`.
 * One call means a train-mode BatchNorm normalises over all T·B samples and updates its statistics once.
 *
 * @category combinators
 */
import * as tf from './tf.js';
import { checkCtx, tidyStep, type Layer } from './layer.js';
import { checkedCall } from './numerics-guard.js';
import type { Tree } from './tree.js';
import { minRank, type Shape } from './validate.js';

const merge = (shape: Shape): number[] => [(shape[0] as number) * (shape[1] as number), ...shape.slice(2)];

/** Runs a (usually stateless) layer on all time steps at once by merging T into the batch. @category combinators */
export function seqToANN<P extends Tree, S extends Tree>(layer: Layer<P, S>): Layer<P, S> {
  const fn = `seqToANN(${layer.kind})`;
  return {
    kind: fn,
    init: (key) => layer.init(key),
    outputShape: (params, inputShape) => {
      minRank(fn, 'inputShape', inputShape, 2, '[T, B, ...]');
      const out = layer.outputShape(params, merge(inputShape));
      return [inputShape[0] as number, inputShape[1] as number, ...out.slice(1)];
    },
    initialState: (params, inputShape, key) => {
      minRank(fn, 'inputShape', inputShape, 2, '[T, B, ...]');
      return layer.initialState(params, merge(inputShape), key);
    },
    step: (params, state, xs, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      minRank(fn, 'x', xs, 2, '[T, B, ...]');
      const [T, B] = xs.shape as [number, number];
      return tidyStep(() =>
        checkedCall({ kind: layer.kind }, params, state, xs, true, (p, s0, x) => {
          const [s, y] = layer.step(p, s0, tf.reshape(x, merge(x.shape)), ctx);
          return [s, tf.reshape(y, [T, B, ...y.shape.slice(1)])];
        }),
      );
    },
  };
}
