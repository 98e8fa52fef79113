/**
 * SpikingJelly's `layer.Dropout`, `Dropout2d`, `MultiStepDropout` and `MultiStepDropout2d`: dropout whose mask is
 * drawn **once per sequence** and kept over every time step (Lee et al., "Enabling Spike-based Backpropagation for
 * Training Deep Neural Network Architectures", Frontiers in Neuroscience 2020, arXiv:1903.06379: redrawing per
 * step would average the dropout out over the time window).
 *
 *   mask = m / (1 - p),  m ~ Bernoulli(1 - p)          (values 0 or 1/(1-p); drawn in initialState)
 *   train: y[t] = x[t] ⊙ mask   for every t            eval: y[t] = x[t]
 *
 * `dropout(p = 0.5)` draws one decision per element of the input `[*]`; `dropout2d(p = 0.2)` one per (sample,
 * channel) of `[N, C, H, W]`, the mask `[N, C, 1, 1]` broadcast over the spatial axes (whole channels drop).
 * `multiStepDropout(p = 0.5)` / `multiStepDropout2d(p = 0.5)` take `[T, ...]` in one call; their mask comes from
 * the shape of `x_seq[0]` and one multiplication covers all T steps.
 *
 * **Where the mask comes from**: the key given to `initialState` (SpikingJelly draws it at the first forward call
 * from the global RNG). A new sequence is a new initial state: same key, same mask; another key, another mask.
 * The mask is drawn in either mode (initialState does not know the mode); eval ignores it. `p` must lie in `[0, 1)`.
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import type { Key } from '@spikefn/core';
import {
  checkCtx,
  checkKey,
  tidyStep,
  type Layer,
  multiStep,
  bernoulli,
  emptyTree as empty,
  type EmptyTree as Empty,
  checkDropProbability as dropProbability,
  checkMinRank as minRank,
  checkRank as rank,
  checkSameShape as sameShape,
  type Shape,
} from '@spikefn/core';

/** The mask, fixed for a sequence: the input's shape (`dropout`) or `[N, C, 1, 1]` (`dropout2d`). @category layers */
export type DropoutState = {
  /** Entries 0 (probability p) or 1/(1-p); drawn by `initialState` from its key (see {@link dropoutMask}). */
  readonly mask: tf.Tensor;
};

/** A dropout mask of `shape` from `key`: entries `0` (probability p) or `1/(1-p)`. @category layers */
export function dropoutMask(key: Key, p: number, shape: Shape): tf.Tensor {
  checkKey('dropoutMask', key);
  dropProbability('dropoutMask', 'p', p);
  return tf.tidy(() => tf.mul(bernoulli(key, 1 - p, shape), 1 / (1 - p)));
}

type Variant = {
  readonly kind: string;
  /** Checks an input shape (one step) and returns the mask shape. */
  readonly maskShape: (name: string, shape: Shape) => Shape;
};

function fixedMaskDropout(v: Variant, p: number): Layer<Empty, DropoutState> {
  const fn = v.kind;
  dropProbability(fn, 'p', p);
  const checkMask = (name: string, stepShape: Shape, state: DropoutState): void =>
    sameShape(
      fn,
      `${name} mask shape`,
      v.maskShape(name, stepShape),
      state.mask.shape,
      'the mask of the state from initialState (same batch and feature sizes)',
    );
  return {
    kind: fn,
    init: () => empty,
    initialState: (_, inputShape, key) => {
      checkKey(`${fn}.initialState`, key);
      return { mask: dropoutMask(key, p, v.maskShape('inputShape', inputShape)) };
    },
    outputShape: (_, inputShape) => {
      v.maskShape('inputShape', inputShape);
      return inputShape;
    },
    step: (_, state, x, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      checkMask('x', x.shape, state);
      return tidyStep(() => [state, ctx.training ? tf.mul(x, state.mask) : tf.clone(x)]);
    },
    sequence: (_, state, xs, ctx) => {
      checkCtx(`${fn}.sequence`, ctx);
      minRank(fn, 'xs', xs, 1, '[T, ...]');
      checkMask('xs[0]', xs.shape.slice(1), state);
      return tidyStep(() => [state, ctx.training ? tf.mul(xs, state.mask) : tf.clone(xs)]);
    },
  };
}

const elementwise: Variant = { kind: 'dropout', maskShape: (_, shape) => shape };
const channelwise: Variant = {
  kind: 'dropout2d',
  maskShape: (name, shape) => {
    rank('dropout2d', name, shape, 4, '[N, C, H, W]');
    return [shape[0] as number, shape[1] as number, 1, 1];
  },
};

/** Element-wise dropout with a per-sequence mask. @category layers */
export const dropout = (p = 0.5): Layer<Empty, DropoutState> => fixedMaskDropout(elementwise, p);

/** Channel-wise dropout of `[N, C, H, W]` with a per-sequence mask `[N, C, 1, 1]`. @category layers */
export const dropout2d = (p = 0.2): Layer<Empty, DropoutState> => fixedMaskDropout(channelwise, p);

/** {@link dropout} over `[T, ...]` in one call; the mask has the shape of `x_seq[0]`. @category layers */
export const multiStepDropout = (p = 0.5): Layer<Empty, DropoutState> => multiStep(dropout(p));

/** {@link dropout2d} over `[T, N, C, H, W]` in one call; the mask is `[N, C, 1, 1]`. Default `p = 0.5` as SpikingJelly. @category layers */
export const multiStepDropout2d = (p = 0.5): Layer<Empty, DropoutState> => multiStep(dropout2d(p));
