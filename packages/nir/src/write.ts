/**
 * `writeNir(graph)`: a {@link NirGraph} as the bytes of a NIR file, with the group, dataset and dtype layout that the
 * reference `nir` library's `nir.write` produces (`nir/serialization.py`, `write`, with its default
 * `compression="gzip"`):
 *
 * - `version`: a variable-length UTF-8 string; `node/type` = `"NIRGraph"`; `node/edges`: `[E, 2]` strings;
 * - `node/nodes/NAME/type` and one dataset per parameter; a `metadata` group only where there is metadata;
 * - numeric arrays (rank ≥ 1) are chunked (one chunk) and deflate-compressed at level 4, as h5py does for numpy
 *   arrays under `compression="gzip"`; scalars, strings and the tuples `nir` keeps as Python tuples (the `stride`,
 *   `padding`, `dilation` and `input_shape` of Conv1d/Conv2d) are stored uncompressed, as h5py stores them.
 *
 * @category files
 */
import { SpikefnArgumentError } from '@spikefn/core';
import { isNirArray, sizeOf, type NirArray, type NirGraph, type NirValue } from './graph.js';
import { hdf5, scratchPath } from './hdf5.js';

/**
 * The `version` written when the graph has none: the reference library version whose file layout `writeNir`
 * follows (`neuromorphs/NIR` at `v1.0.7-9-g7232ada`, as setuptools-scm names it).
 *
 * @category files
 */
export const NIR_VERSION = '1.0.8.dev9+g7232ada';

/** Options of {@link writeNir}. @category files */
export type WriteNirOptions = {
  /** The `version` string to store; default: the graph's own `version`, else {@link NIR_VERSION}. */
  readonly version?: string;
};

type H5 = Awaited<ReturnType<typeof hdf5>>['lib'];
type Group = InstanceType<H5['Group']>;

/**
 * Whether `writeNir` compresses a numeric dataset that does not say: as `nir.write` does with h5py, numpy arrays of
 * rank ≥ 1 (and no zero size) are compressed; scalars and the parameters `nir` holds as tuples are not.
 */
export function compressedByDefault(nodeType: string | undefined, name: string, shape: readonly number[]): boolean {
  return shape.length > 0 && shape.every((d) => d > 0) && !(nodeType !== undefined && (TUPLES[nodeType] ?? []).includes(name));
}

/** Parameters that `nir` holds as Python tuples (h5py writes them without compression). */
const TUPLES: Readonly<Record<string, readonly string[]>> = {
  Conv1d: ['stride', 'padding', 'dilation', 'input_shape'],
  Conv2d: ['stride', 'padding', 'dilation', 'input_shape'],
};

const H5_DTYPE = { float32: '<f', float64: '<d', int64: '<q', int32: '<i' } as const;

/** Writes a {@link NirGraph} as the bytes of a NIR (HDF5) file. @category files */
export async function writeNir(graph: NirGraph, options: WriteNirOptions = {}): Promise<Uint8Array> {
  const { lib, fs } = await hdf5();
  const path = scratchPath('write');
  const file = new lib.File(path, 'w');
  let closed = false;
  try {
    file.create_dataset({ name: 'version', data: options.version ?? graph.version ?? NIR_VERSION });
    writeGraph(file.create_group('node'), graph, 'node');
    file.close();
    closed = true;
    return fs.readFile(path).slice();
  } finally {
    if (!closed) file.close();
    fs.unlink(path);
  }
}

function writeGraph(group: Group, graph: NirGraph, where: string): void {
  if (graph === null || typeof graph !== 'object' || typeof graph.nodes !== 'object' || !Array.isArray(graph.edges))
    throw new SpikefnArgumentError('writeNir', where, 'a NIR graph { nodes, edges }', String(graph));
  group.create_dataset({ name: 'type', data: 'NIRGraph' });
  const flat: string[] = [];
  for (const [i, edge] of graph.edges.entries()) {
    const [src, dst] = edge;
    for (const name of [src, dst])
      if (typeof name !== 'string' || !(name in graph.nodes))
        throw new SpikefnArgumentError('writeNir', `${where}.edges[${i}]`, 'names of nodes of the graph', JSON.stringify(edge));
    flat.push(src, dst);
  }
  group.create_dataset({ name: 'edges', data: flat, shape: [graph.edges.length, 2] });
  writeMetadata(group, graph.metadata, `${where}.metadata`);
  const nodes = group.create_group('nodes');
  for (const [name, node] of Object.entries(graph.nodes)) {
    if (name.includes('/') || name === '.' || name === '')
      throw new SpikefnArgumentError('writeNir', `${where}.nodes`, "node names without '/' (HDF5 paths)", `'${name}'`);
    const g = nodes.create_group(name);
    if (node.type === 'NIRGraph') {
      if (node.graph === undefined)
        throw new SpikefnArgumentError('writeNir', `${where}.nodes.${name}.graph`, 'the subgraph of a NIRGraph node', 'none');
      writeGraph(g, node.graph, `${where}.nodes.${name}`);
      continue;
    }
    g.create_dataset({ name: 'type', data: node.type });
    for (const [key, value] of Object.entries(node.params)) {
      if (key === 'type' || key === 'metadata')
        throw new SpikefnArgumentError('writeNir', `${where}.nodes.${name}.params`, "no parameter named 'type' or 'metadata'", key);
      writeValue(g, key, value, node.type, `${where}.nodes.${name}.params.${key}`);
    }
    writeMetadata(g, node.metadata, `${where}.nodes.${name}.metadata`);
  }
}

function writeMetadata(group: Group, metadata: { readonly [k: string]: NirValue } | undefined, where: string): void {
  if (metadata === undefined || Object.keys(metadata).length === 0) return; // nir skips an empty metadata group
  const g = group.create_group('metadata');
  for (const [key, value] of Object.entries(metadata)) writeValue(g, key, value, undefined, `${where}.${key}`);
}

function writeValue(group: Group, name: string, value: NirValue, nodeType: string | undefined, where: string): void {
  if (typeof value === 'string') {
    group.create_dataset({ name, data: value });
    return;
  }
  if (!isNirArray(value)) throw new SpikefnArgumentError('writeNir', where, 'a string or a NirArray { dtype, shape, data }', String(value));
  const a: NirArray = value;
  if (!(a.dtype in H5_DTYPE))
    throw new SpikefnArgumentError('writeNir', where, "a dtype 'float32', 'float64', 'int64' or 'int32'", String(a.dtype));
  if (a.data.length !== sizeOf(a.shape))
    throw new SpikefnArgumentError('writeNir', where, `${sizeOf(a.shape)} values for shape [${a.shape.join(', ')}]`, `${a.data.length}`);
  const data =
    a.dtype === 'float32'
      ? Float32Array.from(a.data)
      : a.dtype === 'float64'
        ? Float64Array.from(a.data)
        : a.dtype === 'int32'
          ? Int32Array.from(a.data)
          : BigInt64Array.from(a.data, (v) => BigInt(Math.trunc(v)));
  const chunked = (a.compressed ?? compressedByDefault(nodeType, name, a.shape)) && a.shape.length > 0 && a.shape.every((d) => d > 0);
  group.create_dataset({
    name,
    data,
    shape: [...a.shape],
    dtype: H5_DTYPE[a.dtype],
    ...(chunked ? { chunks: [...a.shape], compression: 'gzip' as const, compression_opts: 4 } : {}),
  });
}
