/**
 * `flatten`: PyTorch's `nn.Flatten(start_dim = 1, end_dim = -1)`: axes `startDim..endDim` merged into one,
 *
 *   [d0, …, d_s, …, d_e, …] → [d0, …, d_s·…·d_e, …]
 *
 * Stateless; a reshape (no copy).
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  stateless,
  type Layer,
  emptyTree as empty,
  type EmptyTree as Empty,
  checkMinRank as minRank,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';

/** Axes to merge; defaults `startDim = 1`, `endDim = -1` (negative counts from the end). @category layers */
export type FlattenConfig = {
  /** The first axis merged. Default 1. */
  readonly startDim?: number;
  /** The last axis merged (inclusive; −1 is the last axis). Default −1. */
  readonly endDim?: number;
};

/** The flattened shape, checked. @category layers */
export function flattenShape(fn: string, name: string, shape: Shape, startDim: number, endDim: number): number[] {
  minRank(fn, name, shape, 1);
  const r = shape.length;
  const s = startDim < 0 ? r + startDim : startDim;
  const e = endDim < 0 ? r + endDim : endDim;
  if (s < 0 || s >= r) throw new SpikefnArgumentError(fn, 'startDim', `an axis of a rank-${r} input`, String(startDim));
  if (e < s || e >= r) throw new SpikefnArgumentError(fn, 'endDim', `an axis of a rank-${r} input at or after startDim`, String(endDim));
  return [...shape.slice(0, s), shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...shape.slice(e + 1)];
}

/** A flatten layer. @category layers */
export function flatten(config: FlattenConfig = {}): Layer<Empty, Empty> {
  const fn = 'flatten';
  const startDim = config.startDim ?? 1;
  const endDim = config.endDim ?? -1;
  for (const [name, v] of [
    ['startDim', startDim],
    ['endDim', endDim],
  ] as const) {
    if (!Number.isInteger(v)) throw new SpikefnArgumentError(fn, name, 'an integer axis', String(v));
  }
  return stateless({
    kind: fn,
    init: () => empty,
    outputShape: (_, inputShape) => flattenShape(fn, 'inputShape', inputShape, startDim, endDim),
    apply: (_, x) => tf.reshape(x, flattenShape(fn, 'x', x.shape, startDim, endDim)),
  });
}
