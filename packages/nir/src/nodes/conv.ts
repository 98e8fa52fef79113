/**
 * NIR `Conv1d` and `Conv2d` (`nir/ir/conv.py`; NIR's table: `f ⋆ g`, weight `(C_out, C_in/groups, N_x[, N_y])`):
 * PyTorch's cross-correlation with zero padding, channels first (`[B, C, L]`, `[B, C, H, W]`):
 *
 *   y[o, i] = b[o] + Σ_c Σ_k W[o, c, k] · x_pad[c, s·i + d·k],   size ⌊(N + 2p − d(K − 1) − 1)/s⌋ + 1
 *
 * `padding` is a number (or pair), or the string `'same'` (total `d·(K − 1)`, `⌊·/2⌋` before and the rest after;
 * stride 1 only, as in PyTorch) or `'valid'` (0). Runs on `conv2dApply` of `@spikefn/layers` (a Conv1d is a Conv2d
 * of height 1). Params `weight`, `bias` (zeros when absent); `stride`, `padding`, `dilation`, `groups` and
 * `input_shape` are fixed and kept for export.
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree, type EmptyTree, type Shape } from '@spikefn/core';
import { conv2dApply, conv2dGeometry } from '@spikefn/layers';
import {
  makeNodeLayer,
  arrayParam,
  intsParam,
  nodeError,
  sampleShape,
  type NirNodeLayer,
  type NirParams,
  type Where,
} from '../node-layer.js';
import type { NirNode } from '../graph.js';

type Padding = { readonly before: number[]; readonly after: number[] };

/** Per-axis values of a scalar-or-list parameter, for `dims` spatial axes. */
function perAxis(w: Where, node: NirNode, name: string, dims: number, fallback: number): number[] {
  if (node.params[name] === undefined) return Array(dims).fill(fallback);
  const v = intsParam(w, node, name);
  if (v.length === 1) return Array(dims).fill(v[0]);
  if (v.length !== dims) throw nodeError(w, name, `one integer or ${dims}`, `[${v.join(', ')}]`);
  return v;
}

function paddingOf(w: Where, node: NirNode, dims: number, kernel: number[], stride: number[], dilation: number[]): Padding {
  const p = node.params['padding'];
  if (typeof p === 'string') {
    if (p === 'valid') return { before: Array(dims).fill(0), after: Array(dims).fill(0) };
    if (p !== 'same') throw nodeError(w, 'padding', "an integer, a pair, 'same' or 'valid'", `'${p}'`);
    if (stride.some((s) => s !== 1))
      throw nodeError(w, 'padding', "stride 1 with padding 'same' (as PyTorch)", `stride [${stride.join(', ')}]`);
    const total = kernel.map((k, i) => (dilation[i] as number) * (k - 1));
    return { before: total.map((t) => Math.floor(t / 2)), after: total.map((t) => t - Math.floor(t / 2)) };
  }
  const v = perAxis(w, node, 'padding', dims, 0);
  if (v.some((x) => x < 0)) throw nodeError(w, 'padding', 'integers >= 0', `[${v.join(', ')}]`);
  return { before: v, after: v };
}

const outSize = (n: number, k: number, s: number, before: number, after: number, d: number): number =>
  Math.floor((n + before + after - d * (k - 1) - 1) / s) + 1;

/** The Conv1d (`dims = 1`) or Conv2d (`dims = 2`) node layer. */
export function convLayer(w: Where, node: NirNode, dims: 1 | 2): NirNodeLayer<NirParams, EmptyTree> {
  const type = dims === 1 ? 'Conv1d' : 'Conv2d';
  const weight = arrayParam(w, node, 'weight');
  if (weight.shape.length !== dims + 2)
    throw nodeError(
      w,
      'weight',
      `rank ${dims + 2} [C_out, C_in/groups, ${dims === 1 ? 'K' : 'Kh, Kw'}]`,
      `shape [${weight.shape.join(', ')}]`,
    );
  const [outC, inPerGroup] = weight.shape as [number, number];
  const kernel = weight.shape.slice(2) as number[];
  const bias =
    node.params['bias'] === undefined
      ? { dtype: 'float32' as const, shape: [outC], data: Array(outC).fill(0) }
      : arrayParam(w, node, 'bias');
  if (bias.shape.length !== 1 || bias.shape[0] !== outC)
    throw nodeError(w, 'bias', `a vector [${outC}]`, `shape [${bias.shape.join(', ')}]`);
  const stride = perAxis(w, node, 'stride', dims, 1);
  const dilation = perAxis(w, node, 'dilation', dims, 1);
  const [groups = 1] = node.params['groups'] === undefined ? [1] : intsParam(w, node, 'groups');
  if (stride.some((s) => s < 1) || dilation.some((d) => d < 1) || groups < 1)
    throw nodeError(w, 'stride', 'stride, dilation and groups >= 1', `stride [${stride}], dilation [${dilation}], groups ${groups}`);
  if (outC % groups !== 0) throw nodeError(w, 'groups', `a divisor of C_out (${outC})`, String(groups));
  const pad = paddingOf(w, node, dims, kernel, stride, dilation);
  const inC = inPerGroup * groups;
  const fixed = Object.fromEntries(
    Object.entries(node.params).filter(([k]) => ['stride', 'padding', 'dilation', 'groups', 'input_shape'].includes(k)),
  );
  // As a 2-d convolution: a Conv1d is one of height 1.
  const g = conv2dGeometry(w.fn, {
    stride: dims === 1 ? [1, stride[0] as number] : [stride[0] as number, stride[1] as number],
    dilation: dims === 1 ? [1, dilation[0] as number] : [dilation[0] as number, dilation[1] as number],
    padding: 0,
    groups,
  });

  const shapeOf = (inputShape: Shape): Shape => {
    const sample = sampleShape(w, 'x', inputShape);
    if (sample.length !== dims + 1 || sample[0] !== inC)
      throw nodeError(w, '', `an input [B, ${inC}, ${dims === 1 ? 'L' : 'H, W'}]`, `shape [${inputShape.join(', ')}]`);
    const spatial = sample
      .slice(1)
      .map((n, i) =>
        outSize(n, kernel[i] as number, stride[i] as number, pad.before[i] as number, pad.after[i] as number, dilation[i] as number),
      );
    if (spatial.some((n) => n < 1))
      throw nodeError(w, '', 'an input at least as large as the dilated kernel', `shape [${inputShape.join(', ')}]`);
    return [inputShape[0] as number, outC, ...spatial];
  };

  return makeNodeLayer({
    kind: `nir.${type}`,
    type,
    floats: { weight, bias },
    fixed,
    outputShape: (_, inputShape) => shapeOf(inputShape),
    initialState: () => emptyTree,
    step: (p, state, x) => {
      const out = shapeOf(x.shape);
      const x4 = dims === 1 ? tf.expandDims(x, 2) : x; // [B, C, 1, L] or [B, C, H, W]
      const w4 = dims === 1 ? tf.expandDims(p['weight']!, 2) : p['weight']!;
      const before = dims === 1 ? [0, pad.before[0] as number] : pad.before;
      const after = dims === 1 ? [0, pad.after[0] as number] : pad.after;
      const padded =
        before.some((v) => v > 0) || after.some((v) => v > 0)
          ? tf.pad(x4, [
              [0, 0],
              [0, 0],
              [before[0] as number, after[0] as number],
              [before[1] as number, after[1] as number],
            ])
          : x4;
      const y = conv2dApply({ weight: w4, bias: p['bias']! }, padded, g);
      return [state, tf.reshape(y, [...out]), {}];
    },
  });
}
