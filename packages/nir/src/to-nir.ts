/**
 * `toNir(net, params)`: a network of NIR node layers ({@link fromNir}, {@link nirNetwork}, {@link nirChain}) as a
 * NIR graph, with its params as the node parameters (read back with `dataSync`, in the dtypes the nodes were built
 * with). Node names and edges are kept; an Output node built without a shape gets the one the graph computes for
 * the Input's shape. Write it with {@link writeNir}.
 *
 * @category graphs
 */
import { SpikefnArgumentError, type Shape, type Tree } from '@spikefn/core';
import type { NirGraph, NirNode, NirValue } from './graph.js';
import type { NirNodeLayer } from './node-layer.js';
import { graphShapes, type NirNetwork, type NirNetworkParams } from './network.js';

/** Options of {@link toNir}. @category graphs */
export type ToNirOptions = {
  /** Graph metadata to store (informative only). */
  readonly metadata?: { readonly [name: string]: NirValue };
};

/** A network of NIR node layers as a {@link NirGraph}. @category graphs */
export function toNir(net: NirNetwork, params: NirNetworkParams, options: ToNirOptions = {}): NirGraph {
  const fn = 'toNir';
  if (net === null || typeof net !== 'object' || net.nir === undefined || net.nir.schedule === undefined)
    throw new SpikefnArgumentError(fn, 'net', 'a network of NIR node layers (fromNir, nirNetwork or nirChain)', String(net));
  const { nodes, edges, schedule: plan } = net.nir;
  for (const name of Object.keys(nodes))
    if (params?.[name] === undefined) throw new SpikefnArgumentError(fn, `params.${name}`, `the params of node '${name}'`, 'nothing');
  const inputShape = (nodes[plan.input] as NirNodeLayer).nir.shape;
  const out: Record<string, NirNode> = {};
  let shapes: Record<string, Shape> | undefined;
  for (const [name, layer] of Object.entries(nodes)) {
    let node = layer.nir.toNode(params[name] as Tree);
    if ((layer.nir.type === 'Output' || layer.nir.type === 'Input') && node.params['shape'] === undefined) {
      if (inputShape === undefined) throw new SpikefnArgumentError(fn, `net.nodes.${plan.input}`, 'an Input node with a shape', 'none');
      shapes ??= graphShapes(nodes, plan, params, [1, ...inputShape], fn)[1];
      const s = (shapes[name] as Shape).slice(1);
      node = { ...node, params: { ...node.params, shape: { dtype: 'int64', shape: [s.length], data: s } } };
    }
    out[name] = node;
  }
  const metadata = options.metadata;
  return { nodes: out, edges: edges.map(([s, d]) => [s, d] as const), ...(metadata === undefined ? {} : { metadata }) };
}
