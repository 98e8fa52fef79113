/**
 * `readNir(bytes)`: a NIR file (HDF5, as the reference `nir` library's `nir.write` produces it) as a {@link NirGraph}.
 *
 * The layout read (`nir/serialization.py`, `write` and `hdf2dict`; the fixtures' README lists it in full):
 *
 *   version                     string
 *   node/type                   "NIRGraph"
 *   node/edges                  [E, 2] strings (source, target)
 *   node/metadata/…             optional
 *   node/nodes/NAME/type        string (the class name)
 *   node/nodes/NAME/<param>     one dataset per parameter (gzip-compressed when it is an array)
 *   node/nodes/NAME/metadata/…  optional
 *
 * Nodes are returned in the order HDF5 lists a group (by name, as h5py reads them); edges keep their order. The
 * reader does not interpret node types: {@link fromNir} does, and refuses the ones spikefn does not know.
 *
 * @category files
 */
import { SpikefnArgumentError } from '@spikefn/core';
import type { NirArray, NirDtype, NirGraph, NirNode, NirValue } from './graph.js';
import { hdf5, scratchPath } from './hdf5.js';
import { compressedByDefault } from './write.js';

type H5 = Awaited<ReturnType<typeof hdf5>>['lib'];
type Group = InstanceType<H5['Group']>;
type Dataset = InstanceType<H5['Dataset']>;

const fail = (what: string, got: string): never => {
  throw new SpikefnArgumentError('readNir', 'bytes', what, got);
};

/** Reads a NIR file's bytes (an HDF5 file) into a {@link NirGraph}. Throws a `SpikefnArgumentError` on anything else. @category files */
export async function readNir(bytes: Uint8Array): Promise<NirGraph> {
  if (!(bytes instanceof Uint8Array)) fail('the bytes of a .nir file (a Uint8Array)', String(bytes));
  if (!hasSignature(bytes)) fail('an HDF5 file written by nir.write', `${bytes.length} bytes without the HDF5 signature`);
  const { lib, fs } = await hdf5();
  const path = scratchPath('read');
  fs.writeFile(path, bytes);
  let file: InstanceType<H5['File']> | undefined;
  try {
    try {
      file = new lib.File(path, 'r');
    } catch (e) {
      return fail('an HDF5 file written by nir.write', `${bytes.length} bytes that HDF5 cannot open (${(e as Error).message})`);
    }
    const names = file.keys();
    const root = names.includes('node') ? file.get('node') : null;
    if (!(root instanceof lib.Group)) return fail("an HDF5 file with a 'node' group (a NIR file)", `[${names.join(', ')}]`);
    const version = names.includes('version') ? readString(lib, file.get('version'), 'version') : undefined;
    const graph = readGraph(lib, root, 'node');
    return version === undefined ? graph : { ...graph, version };
  } catch (e) {
    if (e instanceof SpikefnArgumentError) throw e;
    return fail('an HDF5 file written by nir.write', `${bytes.length} bytes HDF5 could not read (${(e as Error).message})`);
  } finally {
    file?.close();
    fs.unlink(path);
  }
}

/** The HDF5 signature, at offset 0 or after a user block (512, 1024, 2048, … bytes). */
function hasSignature(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) if (signature.every((b, i) => bytes[at + i] === b)) return true;
  return false;
}

function readGraph(lib: H5, group: Group, where: string): NirGraph {
  const type = readString(lib, group.get('type'), `${where}/type`);
  if (type !== 'NIRGraph') fail(`'${where}/type' = 'NIRGraph'`, `'${type}'`);
  const nodesGroup = group.get('nodes');
  if (!(nodesGroup instanceof lib.Group)) return fail(`a '${where}/nodes' group`, 'none');
  const nodes: Record<string, NirNode> = {};
  for (const name of nodesGroup.keys()) {
    const child = nodesGroup.get(name);
    if (!(child instanceof lib.Group)) return fail(`'${where}/nodes/${name}' to be a group (a node)`, 'a dataset');
    nodes[name] = readNode(lib, child, `${where}/nodes/${name}`);
  }
  const edges = readEdges(lib, group.get('edges'), `${where}/edges`);
  const metadata = group.keys().includes('metadata') ? readMetadata(lib, group.get('metadata'), `${where}/metadata`) : undefined;
  return metadata === undefined ? { nodes, edges } : { nodes, edges, metadata };
}

function readNode(lib: H5, group: Group, where: string): NirNode {
  if (!group.keys().includes('type')) fail(`a 'type' dataset in '${where}'`, `[${group.keys().join(', ')}]`);
  const type = readString(lib, group.get('type'), `${where}/type`);
  if (type === 'NIRGraph') return { type, params: {}, graph: readGraph(lib, group, where) };
  const params: Record<string, NirValue> = {};
  let metadata: Record<string, NirValue> | undefined;
  for (const key of group.keys()) {
    if (key === 'type') continue;
    const child = group.get(key);
    if (key === 'metadata') metadata = readMetadata(lib, child, `${where}/metadata`);
    else params[key] = readValue(lib, child, `${where}/${key}`, type, key);
  }
  return metadata === undefined ? { type, params } : { type, params, metadata };
}

function readMetadata(lib: H5, entity: unknown, where: string): Record<string, NirValue> {
  if (!(entity instanceof lib.Group)) return fail(`'${where}' to be a group`, 'a dataset');
  const out: Record<string, NirValue> = {};
  for (const key of entity.keys()) {
    const child = entity.get(key);
    // Nested metadata groups are flattened to `a/b` keys: they are informative only.
    if (child instanceof lib.Group)
      for (const [k, v] of Object.entries(readMetadata(lib, child, `${where}/${key}`))) out[`${key}/${k}`] = v;
    else out[key] = readValue(lib, child, `${where}/${key}`, undefined, key);
  }
  return out;
}

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

function dataset(lib: H5, entity: unknown, where: string): Dataset {
  if (!(entity instanceof lib.Dataset)) return fail(`'${where}' to be a dataset`, entity === null ? 'nothing' : 'a group');
  return entity;
}

function readString(lib: H5, entity: unknown, where: string): string {
  const d = dataset(lib, entity, where);
  const v = d.value;
  if (typeof v !== 'string') return fail(`'${where}' to be a string`, `a ${d.metadata.type === H5T_STRING ? 'string array' : 'number'}`);
  return v;
}

function readEdges(lib: H5, entity: unknown, where: string): Array<readonly [string, string]> {
  const d = dataset(lib, entity, where);
  const shape = d.shape ?? [];
  if (d.metadata.type !== H5T_STRING || shape.length !== 2 || shape[1] !== 2)
    return fail(`'${where}' to be an [E, 2] string dataset`, `shape [${shape.join(', ')}]`);
  const flat = (shape[0] === 0 ? [] : d.value) as unknown;
  const list = Array.isArray(flat) ? (flat as unknown[]) : [flat];
  const edges: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < list.length; i += 2) edges.push([String(list[i]), String(list[i + 1])]);
  return edges;
}

function readValue(lib: H5, entity: unknown, where: string, nodeType: string | undefined, name: string): NirValue {
  const d = dataset(lib, entity, where);
  const meta = d.metadata;
  const shape = d.shape ?? [];
  if (meta.type === H5T_STRING) {
    const v = d.value;
    if (typeof v === 'string') return v;
    return fail(`'${where}' to be a scalar string or a numeric array`, `a string array of shape [${shape.join(', ')}]`);
  }
  let dtype: NirDtype;
  if (meta.type === H5T_FLOAT && meta.size === 4) dtype = 'float32';
  else if (meta.type === H5T_FLOAT && meta.size === 8) dtype = 'float64';
  // Signed integers of up to 4 bytes fit int32; wider or unsigned ones are held as int64.
  else if (meta.type === H5T_INTEGER) dtype = meta.signed && meta.size <= 4 ? 'int32' : 'int64';
  else return fail(`'${where}' to be a float, integer or string dataset`, `HDF5 type class ${meta.type} of ${meta.size} bytes`);
  const count = shape.reduce((a, b) => a * b, 1);
  const raw = count === 0 ? [] : d.value;
  const data: number[] = [];
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean') data.push(Number(raw));
  else if (ArrayBuffer.isView(raw)) for (const v of raw as unknown as Iterable<number | bigint>) data.push(Number(v));
  else if (Array.isArray(raw) && raw.length === 0) {
    // an empty dataset
  } else return fail(`'${where}' to hold numbers`, typeof raw);
  // Record the compression only where it differs from what writeNir would choose.
  const compressed = d.filters.some((f) => f.id === 1);
  const value: NirArray =
    compressed === compressedByDefault(nodeType, name, shape) ? { dtype, shape, data } : { dtype, shape, data, compressed };
  return value;
}
