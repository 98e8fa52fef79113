/**
 * NIR `SumPool2d` and `AvgPool2d` (`nir/ir/pooling.py`; NIR's table: `Σ_j x_j` and "SumPooling; Scale"), NCHW:
 *
 *   sum[c, i, j] = Σ_{u < kh, v < kw} x_pad[c, i·sh + u, j·sw + v],   avg = sum / (kh·kw)
 *
 * over the zero-padded input (`padding` zeros on each side), size `⌊(N + 2p − K)/s⌋ + 1`. The padding counts in the
 * average (PyTorch's `count_include_pad=True`; the fixtures' README, ambiguity 8). `stride` defaults to the kernel
 * size. Params: none; `kernel_size`, `stride`, `padding` are kept for export.
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree, type EmptyTree, type Shape } from '@spikefn/core';
import { makeNodeLayer, intsParam, nodeError, sampleShape, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';

function pairOf(w: Where, node: NirNode, name: string, fallback: readonly [number, number] | undefined, min: number): [number, number] {
  if (node.params[name] === undefined && fallback !== undefined) return [fallback[0], fallback[1]];
  const v = intsParam(w, node, name);
  const p = v.length === 1 ? [v[0], v[0]] : v;
  if (p.length !== 2 || p.some((x) => (x as number) < min))
    throw nodeError(w, name, `one integer or a pair, each >= ${min}`, `[${v.join(', ')}]`);
  return [p[0] as number, p[1] as number];
}

/** The SumPool2d (`average = false`) or AvgPool2d node layer. */
export function poolLayer(w: Where, node: NirNode, average: boolean): NirNodeLayer<NirParams, EmptyTree> {
  const type = average ? 'AvgPool2d' : 'SumPool2d';
  const kernel = pairOf(w, node, 'kernel_size', undefined, 1);
  const stride = pairOf(w, node, 'stride', kernel, 1);
  const padding = pairOf(w, node, 'padding', [0, 0], 0);
  const fixed = Object.fromEntries(Object.entries(node.params).filter(([k]) => ['kernel_size', 'stride', 'padding'].includes(k)));
  const shapeOf = (inputShape: Shape): Shape => {
    const sample = sampleShape(w, 'x', inputShape);
    if (sample.length !== 3) throw nodeError(w, '', 'an input [B, C, H, W]', `shape [${inputShape.join(', ')}]`);
    const out = [0, 1].map((i) => Math.floor(((sample[1 + i] as number) + 2 * padding[i]! - kernel[i]!) / stride[i]!) + 1);
    if (out.some((n) => n < 1))
      throw nodeError(w, '', `an input of at least the window [${kernel.join(', ')}] after padding`, `shape [${inputShape.join(', ')}]`);
    return [inputShape[0] as number, sample[0] as number, ...out];
  };
  return makeNodeLayer({
    kind: `nir.${type}`,
    type,
    floats: {},
    fixed,
    outputShape: (_, inputShape) => shapeOf(inputShape),
    initialState: () => emptyTree,
    step: (_, state, x) => {
      shapeOf(x.shape);
      const nhwc = tf.transpose(
        tf.pad(x, [
          [0, 0],
          [0, 0],
          [padding[0], padding[0]],
          [padding[1], padding[1]],
        ]),
        [0, 2, 3, 1],
      ) as tf.Tensor4D;
      const avg = tf.avgPool(nhwc, kernel, stride, 'valid');
      const y = average ? avg : tf.mul(avg, tf.scalar(kernel[0] * kernel[1], 'float32'));
      return [state, tf.transpose(y, [0, 3, 1, 2]), {}];
    },
  });
}
