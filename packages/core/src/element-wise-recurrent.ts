/**
 * `elementWiseRecurrent(layer, f)`: SpikingJelly's `ElementWiseRecurrentContainer`.
 *
 *   y[-1] = 0,   y[t] = layer(f(y[t-1], x[t]))
 *
 * **Argument order follows SpikingJelly's code, previous output first**: `f(yPrev, x)`. Its docstring says
 * `f(x[t], y[t-1])`; the code (and the fixtures) call `f(y[t-1], x[t])`. The layer must keep the input's shape.
 * State: `{ y, inner }`, `y` the last output (zeros of the input's shape initially).
 *
 * @category combinators
 */
import * as tf from './tf.js';
import { checkCtx, tidyStep, type Layer } from './layer.js';
import { checkedStep } from './numerics-guard.js';
import type { Tree } from './tree.js';
import { sameShape, SpikefnArgumentError, validShape } from './validate.js';

/** An element-wise function of the previous output and the current input. @category combinators */
export type ElementWise = (yPrev: tf.Tensor, x: tf.Tensor) => tf.Tensor;

/** State of {@link elementWiseRecurrent}: the previous output and the inner layer's state. @category combinators */
export type ElementWiseRecurrentState<S extends Tree> = {
  /** The previous output y[t-1], of the input's shape (zeros before the first step). */
  readonly y: tf.Tensor;
  /** The wrapped layer's state. */
  readonly inner: S;
};

/** Feeds `f(y[t-1], x[t])` to `layer`. @category combinators */
export function elementWiseRecurrent<P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
  f: ElementWise,
): Layer<P, ElementWiseRecurrentState<S>> {
  const fn = `elementWiseRecurrent(${layer.kind})`;
  if (typeof f !== 'function') throw new SpikefnArgumentError('elementWiseRecurrent', 'f', 'a function (yPrev, x) => tensor', String(f));
  return {
    kind: fn,
    init: (key) => layer.init(key),
    outputShape: (params, inputShape) => {
      const out = layer.outputShape(params, inputShape);
      sameShape(fn, 'layer output shape', out, inputShape, 'the input shape: the recurrence adds y[t-1] to x[t]');
      return out;
    },
    initialState: (params, inputShape, key) => {
      validShape(fn, 'inputShape', inputShape);
      // In a tf.tidy: an inner initialState that throws leaves no zeros behind.
      return tf.tidy(
        () => ({ y: tf.zeros([...inputShape]), inner: layer.initialState(params, inputShape, key) }) as unknown as tf.TensorContainer,
      ) as unknown as ElementWiseRecurrentState<S>;
    },
    step: (params, state, x, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      sameShape(fn, 'x', x, state.y, 'the shape of the state from initialState');
      return tidyStep(() => {
        const [inner, y] = checkedStep(undefined, layer, params, state.inner, f(state.y, x), ctx);
        sameShape(fn, 'layer output', y, x, 'the input shape');
        return [{ y, inner }, y];
      });
    },
  };
}
