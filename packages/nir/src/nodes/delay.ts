/**
 * NIR `Delay` (`nir/ir/delay.py`): `y(t) = x(t − τ)`, per element, in steps `d = round(delay/dt)`:
 *
 *   y[t] = x[t − d]  (0 for t < d; d = 0 is the identity)
 *
 * State `{ buffer }`: the last `D = max d` inputs, newest first (`buffer[k] = x[t − 1 − k]`), starting at zeros
 * (`{}` when every delay is 0). Params: none; `delay` is fixed (it sets the buffer's length) and kept for export.
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree, type Shape, type Tree } from '@spikefn/core';
import {
  makeNodeLayer,
  arrayParam,
  checkBroadcast,
  nodeError,
  sampleShape,
  type NirNodeLayer,
  type NirParams,
  type Where,
} from '../node-layer.js';
import type { NirNode } from '../graph.js';

/** The Delay node layer. */
export function delayLayer(w: Where, node: NirNode, dt: number): NirNodeLayer<NirParams, Tree> {
  const delay = arrayParam(w, node, 'delay');
  if (delay.data.some((d) => d < 0)) throw nodeError(w, 'delay', 'delays >= 0', `[${delay.data.join(', ')}]`);
  const steps = delay.data.map((d) => Math.round(d / dt));
  const depth = Math.max(0, ...steps);
  const shapeOf = (inputShape: Shape): Shape => {
    checkBroadcast(w, 'delay', delay.shape, sampleShape(w, 'x', inputShape));
    return inputShape;
  };
  // mask[k] selects the elements delayed by k steps: [D + 1, 1, …, 1, ...delay.shape], of the history's rank.
  const mask = (rank: number): tf.Tensor => {
    const m = new Float32Array((depth + 1) * steps.length);
    steps.forEach((d, j) => {
      m[d * steps.length + j] = 1;
    });
    return tf.tensor(m, [depth + 1, ...Array(rank - 1 - delay.shape.length).fill(1), ...delay.shape]);
  };
  return makeNodeLayer<Tree>({
    kind: 'nir.Delay',
    type: 'Delay',
    floats: {},
    fixed: { delay },
    outputShape: (_, inputShape) => shapeOf(inputShape),
    initialState: (_, inputShape) => (depth === 0 ? emptyTree : { buffer: tf.zeros([depth, ...shapeOf(inputShape)]) }),
    step: (_, state, x) => {
      if (depth === 0) return [state, tf.add(x, 0), {}];
      const buffer = (state as { buffer: tf.Tensor }).buffer;
      const history = tf.concat([tf.expandDims(x, 0), buffer], 0); // [D + 1, B, ...]
      const y = tf.sum(tf.mul(history, mask(history.rank)), 0);
      return [{ buffer: tf.slice(history, 0, depth) }, y, {}];
    },
  });
}
