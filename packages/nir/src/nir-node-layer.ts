/**
 * `nirNodeLayer(node, { dt })`: one NIR node as a spikefn layer, for the node types NIR defines and spikefn
 * implements ({@link NIR_NODE_TYPES}); any other type is refused with an error naming the node and its type.
 * The equations are NIR's (`docs/source/primitives.md` and the docstrings of `nir/ir/*.py`, neuromorphs/NIR), stepped
 * with forward Euler at `dt` in the order integrate → fire (strict `>`) → reset to `v_reset`, every state from 0
 * (`x` is the step's summed input):
 *
 *   Affine  y = W x + b          Linear  y = W x          Scale  y = s ⊙ x          Threshold  z = x > θ
 *   I       v ← v + dt·r·x; y = v
 *   LI      v ← v + (dt/τ)(v_leak − v + r·x); y = v
 *   IF      v ← v + dt·r·x; z = v > v_threshold; v ← z ? v_reset : v; y = z
 *   LIF     v ← v + (dt/τ)(v_leak − v + r·x); z = v > v_threshold; v ← z ? v_reset : v; y = z
 *   CubaLIF i ← i + (dt/τ_syn)(−i + w_in·x); v ← v + (dt/τ_mem)(v_leak − v + r·i); fire and reset as LIF
 *   CubaLI  the same two updates; y = v
 *   Delay   y[t] = x[t − round(delay/dt)]
 *   Flatten, Conv1d, Conv2d, SumPool2d, AvgPool2d: PyTorch's reshape, cross-correlation and (count-padding) pooling
 *
 * (each written out in its file under `src/nodes/`, and in `docs/nir.md`).
 *
 * @category nodes
 */
import { SpikefnArgumentError, type Tree } from '@spikefn/core';
import type { NirNode } from './graph.js';
import { checkDt, type NirImportOptions, type NirNodeLayer, type NirParams, type Where } from './node-layer.js';
import { affineLayer, scaleLayer, thresholdLayer } from './nodes/affine.js';
import { convLayer } from './nodes/conv.js';
import { cubaLiLayer } from './nodes/cuba-li.js';
import { cubaLifLayer } from './nodes/cuba-lif.js';
import { delayLayer } from './nodes/delay.js';
import { flattenLayer } from './nodes/flatten.js';
import { ifLayer } from './nodes/if.js';
import { integratorLayer } from './nodes/integrator.js';
import { ioNodeLayer } from './nodes/io.js';
import { liLayer } from './nodes/li.js';
import { lifLayer } from './nodes/lif.js';
import { poolLayer } from './nodes/pool.js';

/**
 * The NIR node types spikefn reads, runs and writes (NIR's class names; `I` is the integrator):
 * Input, Output, Affine, Linear, Scale, Threshold, LIF, IF, LI, I, CubaLIF, CubaLI, Flatten, Conv1d, Conv2d,
 * SumPool2d, AvgPool2d, Delay.
 *
 * @category nodes
 */
export const NIR_NODE_TYPES = [
  'Input',
  'Output',
  'Affine',
  'Linear',
  'Scale',
  'Threshold',
  'LIF',
  'IF',
  'LI',
  'I',
  'CubaLIF',
  'CubaLI',
  'Flatten',
  'Conv1d',
  'Conv2d',
  'SumPool2d',
  'AvgPool2d',
  'Delay',
] as const;

/** Options of {@link nirNodeLayer}: `dt` and the node's name (for messages; default `'node'`). @category nodes */
export type NirNodeLayerOptions = NirImportOptions & {
  /** The node's name in its graph, used in error messages. */
  readonly name?: string;
};

/** One NIR node as a {@link NirNodeLayer}. Throws a `SpikefnArgumentError` naming the node and its type for an unsupported type. @category nodes */
export function nirNodeLayer(node: NirNode, options: NirNodeLayerOptions): NirNodeLayer<NirParams, Tree> {
  const fn = 'nirNodeLayer';
  const dt = checkDt(fn, options?.dt);
  const w: Where = { fn, node: options.name ?? 'node' };
  return nodeLayerAt(w, node, dt);
}

/** {@link nirNodeLayer} with the calling function's name in messages. */
export function nodeLayerAt(w: Where, node: NirNode, dt: number): NirNodeLayer<NirParams, Tree> {
  if (node === null || typeof node !== 'object' || typeof node.type !== 'string' || node.params === null || typeof node.params !== 'object')
    throw new SpikefnArgumentError(w.fn, `graph.nodes.${w.node}`, 'a NIR node { type, params }', String(node));
  switch (node.type) {
    case 'Input':
    case 'Output':
      return ioNodeLayer(w, node, node.type);
    case 'Affine':
      return affineLayer(w, node, true);
    case 'Linear':
      return affineLayer(w, node, false);
    case 'Scale':
      return scaleLayer(w, node);
    case 'Threshold':
      return thresholdLayer(w, node);
    case 'LIF':
      return lifLayer(w, node, dt);
    case 'IF':
      return ifLayer(w, node, dt);
    case 'LI':
      return liLayer(w, node, dt);
    case 'I':
      return integratorLayer(w, node, dt);
    case 'CubaLIF':
      return cubaLifLayer(w, node, dt);
    case 'CubaLI':
      return cubaLiLayer(w, node, dt);
    case 'Flatten':
      return flattenLayer(w, node);
    case 'Conv1d':
      return convLayer(w, node, 1);
    case 'Conv2d':
      return convLayer(w, node, 2);
    case 'SumPool2d':
      return poolLayer(w, node, false);
    case 'AvgPool2d':
      return poolLayer(w, node, true);
    case 'Delay':
      return delayLayer(w, node, dt);
    default:
      throw new SpikefnArgumentError(
        w.fn,
        `graph.nodes.${w.node}`,
        `a node of a type spikefn supports (${NIR_NODE_TYPES.join(', ')})`,
        `node '${w.node}' of type '${node.type}'`,
      );
  }
}
