/**
 * `fromNir(graph, { dt })`: a NIR graph as one spikefn layer ({@link NirNetwork}): every node becomes its
 * {@link NirNodeLayer} (an unsupported type is refused with an error naming the node and its type) and the graph runs
 * as a `sequential` chain where it is a chain, on the graph runner otherwise (summed inputs, recurrent edges delayed by
 * one step). `init(key)` returns the file's parameters as float32 tensors (the key is not used).
 *
 * @example
 * ```ts
 * const graph = await readNir(bytes);
 * const net = fromNir(graph, { dt: 1e-3 });
 * const params = net.init(key(0));
 * const [, ys] = runSequence(net, params, net.initialState(params, xs.shape.slice(1), key(0)), xs, evalCtx(key(0)));
 * ```
 *
 * @category graphs
 */
import { SpikefnArgumentError } from '@spikefn/core';
import type { NirGraph } from './graph.js';
import { checkDt, type NirImportOptions, type NirNodeLayer } from './node-layer.js';
import { nodeLayerAt } from './nir-node-layer.js';
import { nirNetwork, type NirNetwork } from './network.js';

/** A NIR graph as a spikefn layer. @category graphs */
export function fromNir(graph: NirGraph, options: NirImportOptions): NirNetwork {
  const fn = 'fromNir';
  const dt = checkDt(fn, options?.dt);
  if (graph === null || typeof graph !== 'object' || graph.nodes === null || typeof graph.nodes !== 'object' || !Array.isArray(graph.edges))
    throw new SpikefnArgumentError(fn, 'graph', 'a NIR graph { nodes, edges } (from readNir)', String(graph));
  const nodes: Record<string, NirNodeLayer> = {};
  for (const [name, node] of Object.entries(graph.nodes)) {
    if (node?.type === 'NIRGraph')
      throw new SpikefnArgumentError(
        fn,
        `graph.nodes.${name}`,
        'a primitive node (nested NIR graphs are not supported: flatten the subgraph into the graph)',
        `node '${name}' of type 'NIRGraph'`,
      );
    nodes[name] = nodeLayerAt({ fn, node: name }, node, dt);
  }
  return nirNetwork({ nodes, edges: graph.edges });
}
