// A toy stateful layer for testing the core without importing neurons (core must not import upward):
// a leaky integrator with a threshold, y = [v' >= 1], v' = 0.5·v + x·w, reset to 0 where y = 1.
import * as tf from '@spikefn/core/tf';
import { tidyStep, type Layer } from '../src/layer.js';
import { uniform } from '../src/random.js';
import { sameShape } from '../src/validate.js';

export type ToyParams = { readonly w: tf.Tensor };
export type ToyState = { readonly v: tf.Tensor };

export const toy = (features: number): Layer<ToyParams, ToyState> => ({
  kind: 'toy',
  init: (k) => ({ w: uniform(k, [features], 0.5, 1.5) }),
  outputShape: (_, s) => s,
  initialState: (_, s) => ({ v: tf.zeros([...s]) }),
  step: (p, s, x) => {
    sameShape('toy.step', 'x', x, s.v, 'state.v');
    return tidyStep(() => {
      const v = tf.add(tf.mul(s.v, 0.5), tf.mul(x, p.w));
      const y = tf.cast(tf.greaterEqual(v, 1), 'float32');
      return [{ v: tf.mul(v, tf.sub(1, y)) }, y];
    });
  },
});

/** Plain-number reference of the toy layer for one neuron. */
export const toyReference = (w: number, xs: readonly number[]): { ys: number[]; v: number } => {
  let v = 0;
  const ys: number[] = [];
  for (const x of xs) {
    v = Math.fround(Math.fround(v * 0.5) + Math.fround(x * w));
    const y = v >= 1 ? 1 : 0;
    ys.push(y);
    v = v * (1 - y);
  }
  return { ys, v };
};
