// readNir / writeNir: what is written reads back as it was (dtype, shape, values, strings, metadata, edge order),
// and anything that is not a NIR file is refused with an error naming readNir.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { NIR_VERSION, nirArray, readNir, writeNir, type NirGraph } from '../src/index.js';
import { ints, node } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/nir/${name}.nir`, import.meta.url)));

const graph: NirGraph = {
  nodes: {
    input: { type: 'Input', params: { shape: ints([1, 4, 4]) } },
    conv: {
      type: 'Conv2d',
      params: {
        weight: nirArray([
          [
            [
              [0.5, -1.25],
              [2, 0.1],
            ],
          ],
        ]),
        bias: nirArray([0.25]),
        stride: ints([1, 1]),
        padding: 'same',
        dilation: ints([1, 1]),
        groups: { dtype: 'int64', shape: [], data: [1] },
        input_shape: ints([4, 4]),
      },
      metadata: { note: 'hello' },
    },
    lif: node('LIF', { tau: [[[0.01]]], r: [[[1]]], v_leak: [[[0]]], v_threshold: [[[1]]], v_reset: [[[0]]] }),
    output: { type: 'Output', params: { shape: ints([1, 4, 4]) } },
  },
  edges: [
    ['input', 'conv'],
    ['conv', 'lif'],
    ['lif', 'output'],
  ],
  metadata: { dt: { dtype: 'float64', shape: [], data: [1e-3] }, source: 'spikefn test' },
};

describe('writeNir then readNir', () => {
  it('gives back every node, param (dtype, shape, values), string, metadata and the edges in order', async () => {
    const back = await readNir(await writeNir(graph));
    expect(back.version).toBe(NIR_VERSION);
    expect(back.edges).toEqual(graph.edges);
    expect(back.metadata).toEqual(graph.metadata);
    expect(Object.keys(back.nodes).sort()).toEqual(Object.keys(graph.nodes).sort());
    for (const [name, n] of Object.entries(graph.nodes)) expect(back.nodes[name]).toEqual(n);
  });

  it('float32 values are stored as float32 (0.1 reads back as Math.fround(0.1))', async () => {
    const back = await readNir(await writeNir(graph));
    const w = back.nodes['conv']?.params['weight'];
    expect(typeof w === 'object' && w.data[3]).toBe(Math.fround(0.1));
  });

  it('keeps a given version string', async () => {
    const back = await readNir(await writeNir(graph, { version: '9.9.9' }));
    expect(back.version).toBe('9.9.9');
  });

  it('creates no tensors', async () => {
    const before = tf.memory().numTensors;
    await readNir(await writeNir(graph));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('readNir on files of the reference library', () => {
  it('reads a gzip-compressed LIF file as the fixture README describes it', async () => {
    const g = await readNir(fixture('lif'));
    expect(g.version).toBe('1.0.8.dev9+g7232ada');
    expect(g.edges).toEqual([
      ['input', 'lif'],
      ['lif', 'output'],
    ]);
    const lif = g.nodes['lif'];
    expect(lif?.type).toBe('LIF');
    expect(Object.keys(lif?.params ?? {}).sort()).toEqual(['r', 'tau', 'v_leak', 'v_reset', 'v_threshold']);
    const tau = lif?.params['tau'];
    expect(typeof tau === 'object' && tau.dtype).toBe('float32');
    expect(typeof tau === 'object' && tau.shape).toEqual([5]);
    expect(g.nodes['input']?.params['shape']).toEqual({ dtype: 'int64', shape: [1], data: [5] });
  });

  it('reads a string padding and int64 scalars (conv1d)', async () => {
    const g = await readNir(fixture('conv1d'));
    const p = g.nodes['conv1d']?.params ?? {};
    expect(p['padding']).toBe('same');
    expect(p['dilation']).toEqual({ dtype: 'int64', shape: [], data: [2] });
    expect(p['input_shape']).toEqual({ dtype: 'int64', shape: [], data: [9] });
  });
});

describe('readNir refuses what is not a NIR file', () => {
  it('bytes that are not HDF5', async () => {
    await expect(readNir(new TextEncoder().encode('not an hdf5 file'))).rejects.toThrow(SpikefnArgumentError);
    await expect(readNir(new TextEncoder().encode('not an hdf5 file'))).rejects.toThrow(/readNir: argument 'bytes' expected an HDF5 file/);
  });
  it('a truncated NIR file', async () => {
    await expect(readNir(fixture('lif').subarray(0, 3000))).rejects.toThrow(/readNir: argument 'bytes' expected an HDF5 file/);
  });
  it('an HDF5 file without a node group', async () => {
    const h5wasm = (await import('h5wasm')).default;
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/other.h5', 'w');
    f.create_dataset({ name: 'data', data: new Float32Array([1, 2]) });
    f.close();
    const bytes = (FS as unknown as { readFile(p: string): Uint8Array }).readFile('/other.h5');
    await expect(readNir(bytes)).rejects.toThrow(/a 'node' group/);
  });
});

describe('writeNir refuses graphs it cannot store', () => {
  it('an edge to a missing node', async () => {
    const bad: NirGraph = { nodes: { a: node('Scale', { scale: [1] }) }, edges: [['a', 'b']] };
    await expect(writeNir(bad)).rejects.toThrow(/writeNir: argument 'node.edges\[0\]'/);
  });
  it('an array whose data does not fill its shape', async () => {
    const bad: NirGraph = { nodes: { a: { type: 'Scale', params: { scale: { dtype: 'float32', shape: [3], data: [1] } } } }, edges: [] };
    await expect(writeNir(bad)).rejects.toThrow(/3 values for shape \[3\]/);
  });
});
