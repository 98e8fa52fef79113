/**
 * NIR `Flatten` (`nir/ir/flatten.py`): a row-major reshape merging the axes `start_dim..end_dim` (inclusive; negative
 * counts from the end) of the **per-sample** shape, as `nir`'s own type inference (`calc_flatten_output`) applies
 * them (the fixtures' README, ambiguity 7): `[B, d0, …, d_s, …, d_e, …] → [B, d0, …, d_s·…·d_e, …]`.
 * Params: none; `start_dim`, `end_dim` and `input_type` are kept for export.
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree, type EmptyTree, type Shape } from '@spikefn/core';
import { makeNodeLayer, intsParam, nodeError, sampleShape, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';

/** The flattened one-step shape `[B, …]` of `inputShape = [B, …sample]`. */
export function flattenShape(w: Where, start: number, end: number, inputShape: Shape): Shape {
  const sample = sampleShape(w, 'x', inputShape);
  const r = sample.length;
  const s = start < 0 ? r + start : start;
  const e = end < 0 ? r + end : end;
  if (s < 0 || e >= r || s > e)
    throw nodeError(
      w,
      '',
      `start_dim ${start} and end_dim ${end} within a per-sample shape of rank ${r}`,
      `shape [${inputShape.join(', ')}]`,
    );
  return [inputShape[0] as number, ...sample.slice(0, s), sample.slice(s, e + 1).reduce((a, b) => a * b, 1), ...sample.slice(e + 1)];
}

/** The Flatten node layer. */
export function flattenLayer(w: Where, node: NirNode): NirNodeLayer<NirParams, EmptyTree> {
  const [start] = intsParam(w, node, 'start_dim');
  const [end] = intsParam(w, node, 'end_dim');
  const fixed = Object.fromEntries(Object.entries(node.params).filter(([k]) => ['start_dim', 'end_dim', 'input_type'].includes(k)));
  if (start === undefined || end === undefined) throw nodeError(w, 'start_dim', 'scalar start_dim and end_dim', 'empty datasets');
  return makeNodeLayer({
    kind: 'nir.Flatten',
    type: 'Flatten',
    floats: {},
    fixed,
    outputShape: (_, inputShape) => flattenShape(w, start, end, inputShape),
    initialState: () => emptyTree,
    step: (_, state, x) => [state, tf.reshape(x, [...flattenShape(w, start, end, x.shape)]), {}],
  });
}
