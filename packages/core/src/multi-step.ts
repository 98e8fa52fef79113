/**
 * `multiStep(layer)`: SpikingJelly's `MultiStepContainer`. The wrapped layer takes `x_seq = [T, B, ...]` and
 * returns `y_seq[t] = layer(x_seq[t])` for t in order, its state carried across steps (so a train-mode BatchNorm
 * sees T mini-batches). It runs through {@link runSequence}: a layer's fused `sequence` form when present,
 * else `scan` of its step; with `options.checkpointEvery`, a checkpointed `scan` of its step.
 *
 * @category combinators
 */
import { checkCtx, type Layer } from './layer.js';
import { checkRunSequenceOptions, runSequence, type RunSequenceOptions } from './scan.js';
import type { Tree } from './tree.js';
import { minRank } from './validate.js';

/**
 * Lifts a single-step layer to `[T, ...]` input and output. State shapes are those of one step. `options` as
 * {@link runSequence}'s (`checkpointEvery`: bounded-memory BPTT through a checkpointed scan of `step`). @category combinators
 */
export function multiStep<P extends Tree, S extends Tree>(layer: Layer<P, S>, options: RunSequenceOptions = {}): Layer<P, S> {
  const fn = `multiStep(${layer.kind})`;
  checkRunSequenceOptions(fn, options);
  return {
    kind: fn,
    init: (key) => layer.init(key),
    outputShape: (params, inputShape) => {
      minRank(fn, 'inputShape', inputShape, 2, '[T, B, ...]');
      return [inputShape[0] as number, ...layer.outputShape(params, inputShape.slice(1))];
    },
    initialState: (params, inputShape, key) => {
      minRank(fn, 'inputShape', inputShape, 2, '[T, B, ...]');
      return layer.initialState(params, inputShape.slice(1), key);
    },
    step: (params, state, xs, ctx) => {
      checkCtx(`${fn}.step`, ctx);
      minRank(fn, 'x', xs, 2, '[T, B, ...]');
      return runSequence(layer, params, state, xs, ctx, options);
    },
  };
}
