/**
 * `@spikefn/nir`: NIR (the Neuromorphic Intermediate Representation, https://neuroir.org) for spikefn. Reads and
 * writes the HDF5 files of the reference `nir` library ({@link readNir}, {@link writeNir}), turns a NIR graph into a
 * spikefn layer ({@link fromNir}: a `sequential` chain, or a graph runner with summed inputs and recurrent edges) and
 * a network of NIR node layers back into a NIR graph ({@link toNir}).
 *
 * The discrete-time reading of NIR's continuous equations (forward Euler at `dt`; integrate → fire → reset; strict
 * threshold; reset to `v_reset`; every state starting at 0) is written out in `docs/nir.md`.
 *
 * @packageDocumentation
 */
export { nirArray, type NirArray, type NirDtype, type NirGraph, type NirNode, type NirValue, type NestedNumbers } from './graph.js';
export { readNir } from './read.js';
export { writeNir, NIR_VERSION, type WriteNirOptions } from './write.js';
export type { NirImportOptions, NirNodeInfo, NirNodeLayer, NirParams } from './node-layer.js';
export { nirNodeLayer, NIR_NODE_TYPES, type NirNodeLayerOptions } from './nir-node-layer.js';
export { schedule, type Schedule, type Incoming } from './schedule.js';
export {
  nirNetwork,
  traceNir,
  type NirNetwork,
  type NirNetworkInfo,
  type NirNetworkParams,
  type NirNetworkSpec,
  type NirGraphState,
  type NirTrace,
} from './network.js';
export { fromNir } from './from-nir.js';
export { toNir, type ToNirOptions } from './to-nir.js';
export { nirChain, type NirChainOptions } from './chain.js';
