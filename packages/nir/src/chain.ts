/**
 * `nirChain(layers, { inputShape })`: NIR node layers in order as a network, Input → layers… → Output, ready for
 * {@link toNir}. The Input node (`'input'`) carries `inputShape`; the Output node's (`'output'`) shape is computed
 * on export.
 *
 * @example
 * ```ts
 * const dt = 1e-3;
 * const net = nirChain({
 *   fc: nirNodeLayer({ type: 'Affine', params: { weight: nirArray([[1, 2]]), bias: nirArray([0.5]) } }, { dt }),
 *   lif: nirNodeLayer({ type: 'LIF', params: { tau: nirArray([0.01]), r: nirArray([1]), v_leak: nirArray([0]), v_threshold: nirArray([1]), v_reset: nirArray([0]) } }, { dt }),
 * }, { inputShape: [2] });
 * const bytes = await writeNir(toNir(net, net.init(key(0))));
 * ```
 *
 * @category graphs
 */
import { SpikefnArgumentError, type Shape } from '@spikefn/core';
import type { NirNodeLayer } from './node-layer.js';
import { ioLayer } from './nodes/io.js';
import { nirNetwork, type NirNetwork } from './network.js';

/** Options of {@link nirChain}. @category graphs */
export type NirChainOptions = {
  /** The per-sample input shape (without time and batch), e.g. `[784]` or `[2, 34, 34]`. */
  readonly inputShape: Shape;
};

/** NIR node layers in order, between an Input and an Output node. @category graphs */
export function nirChain(layers: { readonly [name: string]: NirNodeLayer }, options: NirChainOptions): NirNetwork {
  const fn = 'nirChain';
  const shape = options?.inputShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new SpikefnArgumentError(fn, 'options.inputShape', 'a per-sample shape of integers >= 1, e.g. [784]', JSON.stringify(shape));
  const names = Object.keys(layers);
  if (names.length === 0) throw new SpikefnArgumentError(fn, 'layers', 'at least one node layer', 'none');
  for (const reserved of ['input', 'output'])
    if (reserved in layers)
      throw new SpikefnArgumentError(fn, `layers.${reserved}`, "names other than 'input' and 'output' (the chain adds them)", reserved);
  const nodes = {
    input: ioLayer({ fn, node: 'input' }, 'Input', shape),
    ...layers,
    output: ioLayer({ fn, node: 'output' }, 'Output', undefined),
  };
  const order = ['input', ...names, 'output'];
  const edges = order.slice(1).map((n, i) => [order[i] as string, n] as const);
  return nirNetwork({ nodes, edges });
}
