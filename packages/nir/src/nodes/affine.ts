/**
 * NIR `Affine` and `Linear` (`nir/ir/linear.py`): `y(t) = W x(t) + b` and `y(t) = W x(t)`, with `W: [out, in]`
 * acting on the last axis (`[B, …, in] → [B, …, out]`), as PyTorch's `nn.Linear` (`linearApply` of
 * `@spikefn/layers`). Stateless. Params `weight` (and `bias` for Affine).
 */
import * as tf from '@spikefn/core/tf';
import { emptyTree, type EmptyTree, type Shape } from '@spikefn/core';
import { linearApply } from '@spikefn/layers';
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

function affineShape(w: Where, params: NirParams, inputShape: Shape): Shape {
  const [out, inF] = params['weight']!.shape as [number, number];
  const sample = sampleShape(w, 'x', inputShape);
  if (sample.length < 1 || sample[sample.length - 1] !== inF)
    throw nodeError(w, '', `an input [B, …, ${inF}] (the weight is [${out}, ${inF}])`, `shape [${inputShape.join(', ')}]`);
  return [...inputShape.slice(0, -1), out];
}

/** The input's shape, once every param is checked to broadcast to it. */
function broadcastShape(w: Where, params: NirParams, inputShape: Shape): Shape {
  const sample = sampleShape(w, 'x', inputShape);
  for (const [name, t] of Object.entries(params)) checkBroadcast(w, name, t.shape, sample);
  return inputShape;
}

/** The Affine (`withBias`) or Linear node layer. */
export function affineLayer(w: Where, node: NirNode, withBias: boolean): NirNodeLayer<NirParams, EmptyTree> {
  const weight = arrayParam(w, node, 'weight');
  if (weight.shape.length !== 2) throw nodeError(w, 'weight', 'a matrix [out, in]', `shape [${weight.shape.join(', ')}]`);
  const floats = withBias ? { weight, bias: arrayParam(w, node, 'bias') } : { weight };
  if (withBias && (floats.bias?.shape.length !== 1 || floats.bias.shape[0] !== weight.shape[0]))
    throw nodeError(w, 'bias', `a vector [${weight.shape[0]}] (out)`, `shape [${floats.bias?.shape.join(', ')}]`);
  const type = withBias ? 'Affine' : 'Linear';
  return makeNodeLayer({
    kind: `nir.${type}`,
    type,
    floats,
    outputShape: (params, inputShape) => affineShape(w, params, inputShape),
    initialState: () => emptyTree,
    step: (p, state, x) => {
      affineShape(w, p, x.shape);
      const y = linearApply(p['bias'] === undefined ? { weight: p['weight']! } : { weight: p['weight']!, bias: p['bias'] }, x);
      return [state, y, {}];
    },
  });
}

/** NIR `Scale` (`nir/ir/linear.py`): `y = s ⊙ x`, `s` per feature. Params `scale`. */
export function scaleLayer(w: Where, node: NirNode): NirNodeLayer<NirParams, EmptyTree> {
  return makeNodeLayer({
    kind: 'nir.Scale',
    type: 'Scale',
    floats: { scale: arrayParam(w, node, 'scale') },
    outputShape: (p, inputShape) => broadcastShape(w, p, inputShape),
    initialState: () => emptyTree,
    step: (p, state, x) => [state, tf.mul(x, p['scale']!), {}],
  });
}

/** NIR `Threshold` (`nir/ir/threshold.py`): `z = 1 if x > θ, else 0` (strict, as its docstring). Params `threshold`. */
export function thresholdLayer(w: Where, node: NirNode): NirNodeLayer<NirParams, EmptyTree> {
  return makeNodeLayer({
    kind: 'nir.Threshold',
    type: 'Threshold',
    floats: { threshold: arrayParam(w, node, 'threshold') },
    outputShape: (p, inputShape) => broadcastShape(w, p, inputShape),
    initialState: () => emptyTree,
    step: (p, state, x) => [state, tf.cast(tf.greater(x, p['threshold']!), 'float32'), {}],
  });
}
