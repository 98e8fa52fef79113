/**
 * NIR `Input` and `Output` (NIR's table: "dummies … marking the beginning and end of the graph"): identities that
 * check the per-sample shape they carry (the stored `shape`, without time and batch).
 */
import { emptyTree, type EmptyTree, type Shape } from '@spikefn/core';
import { makeNodeLayer, intsParam, nodeError, sampleShape, type NirNodeLayer, type NirParams, type Where } from '../node-layer.js';
import type { NirNode } from '../graph.js';

function checkShape(w: Where, type: string, shape: Shape | undefined, inputShape: Shape): Shape {
  const sample = sampleShape(w, 'x', inputShape);
  if (shape !== undefined && (sample.length !== shape.length || sample.some((d, i) => d !== shape[i])))
    throw nodeError(
      w,
      '',
      `an ${type} of per-sample shape [${shape.join(', ')}] (input [B, ${shape.join(', ')}])`,
      `shape [${inputShape.join(', ')}]`,
    );
  return inputShape;
}

/** An Input or Output node layer with its per-sample shape (`undefined`: any shape, filled in on export). */
export function ioLayer(w: Where, type: 'Input' | 'Output', shape: Shape | undefined): NirNodeLayer<NirParams, EmptyTree> {
  return makeNodeLayer({
    kind: `nir.${type}`,
    type,
    floats: {},
    ...(shape === undefined ? {} : { fixed: { shape: { dtype: 'int64' as const, shape: [shape.length], data: [...shape] } }, shape }),
    outputShape: (_, inputShape) => checkShape(w, type, shape, inputShape),
    initialState: () => emptyTree,
    step: (_, state, x) => {
      checkShape(w, type, shape, x.shape);
      return [state, x, {}];
    },
  });
}

/** The Input or Output node layer of a stored node (its `shape` dataset). */
export function ioNodeLayer(w: Where, node: NirNode, type: 'Input' | 'Output'): NirNodeLayer<NirParams, EmptyTree> {
  const shape = intsParam(w, node, 'shape');
  if (shape.some((d) => d < 1)) throw nodeError(w, 'shape', 'sizes >= 1', `[${shape.join(', ')}]`);
  const layer = ioLayer(w, type, shape);
  const stored = node.params['shape'];
  // Keep the stored dataset (dtype and rank) for export.
  return stored === undefined ? layer : { ...layer, nir: { ...layer.nir, toNode: () => ({ type, params: { shape: stored } }) } };
}
