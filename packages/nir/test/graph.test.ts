// The graph runner: summed inputs, recurrent edges delayed by one step (zeros at t = 0, the bias of a recurrent
// Affine included), the schedule, chains as `sequential`, the layer laws and no leaks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, SpikefnArgumentError, treeDispose, type Tree } from '@spikefn/core';
import { checkLayerLaws, leakedBy } from '@spikefn/testing';
import { fromNir, readNir, schedule, toNir, traceNir, type NirGraph } from '../src/index.js';
import { ints, node, runNet, seq } from './helpers.js';

const io = (shape: number[]) => ({
  input: { type: 'Input', params: { shape: ints(shape) } },
  output: { type: 'Output', params: { shape: ints(shape) } },
});
const ones = (T: number) => Array.from({ length: T }, () => [[1]]);

describe('summed inputs', () => {
  it('a node with two incoming edges receives their sum (2x + 3x = 5x)', () => {
    const g: NirGraph = {
      nodes: { ...io([1]), a: node('Scale', { scale: [2] }), b: node('Scale', { scale: [3] }) },
      edges: [
        ['input', 'a'],
        ['input', 'b'],
        ['a', 'output'],
        ['b', 'output'],
      ],
    };
    const net = fromNir(g, { dt: 1 });
    expect(net.nir.runsAsChain).toBe(false);
    expect(runNet(net, seq([[[1]], [[-2]]]))).toEqual([[[5]], [[-10]]]);
  });
  it('a branch through a one-step Delay: y[t] = x[t] + x[t − 1]', () => {
    const g: NirGraph = {
      nodes: { ...io([1]), d: node('Delay', { delay: [1] }), a: node('Scale', { scale: [1] }) },
      edges: [
        ['input', 'd'],
        ['input', 'a'],
        ['d', 'output'],
        ['a', 'output'],
      ],
    };
    expect(runNet(fromNir(g, { dt: 1 }), seq([[[1]], [[2]], [[4]]]))).toEqual([[[1]], [[3]], [[6]]]);
  });
});

describe('recurrent edges carry the previous step', () => {
  it('a self-edge (ElementWiseRecurrent with add): with dt·r = 1, v[t] = 2·v[t−1] + x[t] = 1, 3, 7, 15', () => {
    const g: NirGraph = {
      nodes: { ...io([1]), acc: node('I', { r: [1] }) },
      edges: [
        ['input', 'acc'],
        ['acc', 'acc'],
        ['acc', 'output'],
      ],
    };
    const net = fromNir(g, { dt: 1 });
    expect(net.nir.schedule.delayed).toEqual([['acc', 'acc']]);
    expect(runNet(net, seq(ones(4)))).toEqual([[[1]], [[3]], [[7]], [[15]]]);
  });
  it('a recurrent Affine (w = 1, b = 10) contributes nothing at t = 0, bias included: v = 1, 13, 37', () => {
    // t = 0: 1; t = 1: v = 1 + (1 + (1·1 + 10)) = 13; t = 2: v = 13 + (1 + (13 + 10)) = 37.
    const g: NirGraph = {
      nodes: { ...io([1]), acc: node('I', { r: [1] }), rec: node('Affine', { weight: [[1]], bias: [10] }) },
      edges: [
        ['input', 'acc'],
        ['acc', 'rec'],
        ['rec', 'acc'],
        ['acc', 'output'],
      ],
    };
    expect(runNet(fromNir(g, { dt: 1 }), seq(ones(3)))).toEqual([[[1]], [[13]], [[37]]]);
  });
});

describe('schedule', () => {
  it('orders by instantaneous edges, depth, then name, and delays exactly the edges that close a cycle backwards', () => {
    const s = schedule(
      't',
      { input: { type: 'Input' }, fc_in: { type: 'Affine' }, lif: { type: 'LIF' }, fc_rec: { type: 'Affine' }, output: { type: 'Output' } },
      [
        ['input', 'fc_in'],
        ['fc_in', 'lif'],
        ['lif', 'fc_rec'],
        ['fc_rec', 'lif'],
        ['lif', 'output'],
      ],
    );
    expect(s.order).toEqual(['input', 'fc_in', 'lif', 'fc_rec', 'output']);
    expect(s.delayed).toEqual([['fc_rec', 'lif']]);
    expect(s.chain).toBeUndefined();
  });
  it('recognises a chain', () => {
    const s = schedule('t', { input: { type: 'Input' }, a: { type: 'LIF' }, output: { type: 'Output' } }, [
      ['input', 'a'],
      ['a', 'output'],
    ]);
    expect(s.chain).toEqual(['input', 'a', 'output']);
  });
  it('refuses two Input nodes, an unreachable node and an edge into the Input', () => {
    const nodes = { input: { type: 'Input' }, in2: { type: 'Input' }, output: { type: 'Output' } };
    expect(() => schedule('f', nodes, [['input', 'output']])).toThrow(/exactly one Input node/);
    expect(() =>
      schedule('f', { input: { type: 'Input' }, lost: { type: 'LIF' }, output: { type: 'Output' } }, [['input', 'output']]),
    ).toThrow(/unreachable: \[lost\]/);
    expect(() =>
      schedule('f', { input: { type: 'Input' }, output: { type: 'Output' } }, [
        ['input', 'output'],
        ['output', 'input'],
      ]),
    ).toThrow(SpikefnArgumentError);
  });
  it('refuses an edge whose shapes do not match the other inputs', () => {
    const g: NirGraph = {
      nodes: {
        ...io([2]),
        output: { type: 'Output', params: { shape: ints([1]) } },
        a: node('Linear', { weight: [[1, 1]] }),
        b: node('Scale', { scale: [1] }),
      },
      edges: [
        ['input', 'a'],
        ['input', 'b'],
        ['a', 'output'],
        ['b', 'output'],
      ],
    };
    const net = fromNir(g, { dt: 1 });
    expect(() => net.outputShape(net.init(key(0)), [1, 2])).toThrow(/graph\.edges \(b -> output\)' expected an output of shape \[1, 1\]/);
  });
});

const lifChain = (names: [string, string, string]): NirGraph => ({
  nodes: {
    input: { type: 'Input', params: { shape: ints([3]) } },
    [names[0]]: node('Affine', {
      weight: [
        [0.5, -1, 2],
        [1, 1, 1],
      ],
      bias: [0.1, -0.2],
    }),
    [names[1]]: node('LIF', { tau: [3e-3, 5e-3], r: [1.5, 2], v_leak: [0, 0.1], v_threshold: [0.3, 0.5], v_reset: [0, -0.1] }),
    [names[2]]: node('LI', { tau: [4e-3, 2e-3], r: [1, 1], v_leak: [0, 0] }),
    output: { type: 'Output', params: { shape: ints([2]) } },
  },
  edges: [
    ['input', names[0]],
    [names[0], names[1]],
    [names[1], names[2]],
    [names[2], 'output'],
  ],
});

describe('chains', () => {
  const xs = () =>
    seq(
      Array.from({ length: 6 }, (_, t) => [
        [t % 2, 1, (t * 7) % 3 === 0 ? 1 : 0],
        [1, 0, 1],
      ]),
    );
  it('run as sequential, with state named like the nodes', () => {
    const net = fromNir(lifChain(['fc', 'lif', 'li']), { dt: 1e-3 });
    expect(net.nir.runsAsChain).toBe(true);
    const params = net.init(key(0));
    const s0 = net.initialState(params, [2, 3], key(0)) as { lif: { v: tf.Tensor } };
    expect(s0.lif.v.shape).toEqual([2, 2]);
    treeDispose([params, s0] as unknown as Tree);
  });
  it('give the same outputs as the graph runner (integer node names force it) and as the trace', () => {
    const a = fromNir(lifChain(['fc', 'lif', 'li']), { dt: 1e-3 });
    const b = fromNir(lifChain(['1', '2', '3']), { dt: 1e-3 });
    expect(b.nir.runsAsChain).toBe(false);
    const x = xs();
    const ya = runNet(a, x);
    expect(runNet(b, x)).toEqual(ya);
    const params = a.init(key(0));
    const t = traceNir(a, params, x, key(0));
    expect(t.output.arraySync()).toEqual(ya);
    treeDispose([x, params, t.output, t.outputs, t.states] as unknown as Tree);
  });
});

describe('layer laws and memory', () => {
  it('a chain satisfies the layer laws', () => {
    const net = fromNir(lifChain(['fc', 'lif', 'li']), { dt: 1e-3 });
    const params = net.init(key(0));
    checkLayerLaws({ name: 'nir chain', layer: net, params }, [3]);
    treeDispose(params);
  });
  it('the recurrent fixture graph satisfies the layer laws on the graph runner', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../../../fixtures/nir/graph_recurrent.nir', import.meta.url)));
    const net = fromNir(await readNir(bytes), { dt: 1e-3 });
    expect(net.nir.runsAsChain).toBe(false);
    const params = net.init(key(0));
    checkLayerLaws({ name: 'nir graph_recurrent', layer: net, params }, [3]);
    treeDispose(params);
  });
  it('step, initialState and traceNir leave only what they return', () => {
    const net = fromNir(lifChain(['1', '2', '3']), { dt: 1e-3 });
    const params = net.init(key(0));
    const x = seq([[[1, 0, 1]], [[0, 1, 1]]]);
    expect(leakedBy(() => net.initialState(params, [1, 3], key(0)))).toBe(0);
    const s0 = net.initialState(params, [1, 3], key(0));
    const x0 = tf.squeeze(tf.slice(x, 0, 1), [0]);
    expect(leakedBy(() => net.step(params, s0, x0, evalCtx(key(0))) as unknown as Tree)).toBe(0);
    expect(leakedBy(() => traceNir(net, params, x, key(0)) as unknown as Tree)).toBe(0);
    treeDispose([params, s0, x, x0] as unknown as Tree);
  });
  it('fromNir and toNir create no tensors; init creates only the params', () => {
    const before = tf.memory().numTensors;
    const net = fromNir(lifChain(['fc', 'lif', 'li']), { dt: 1e-3 });
    expect(tf.memory().numTensors).toBe(before);
    const params = net.init(key(0));
    expect(tf.memory().numTensors).toBe(before + 2 + 5 + 3);
    toNir(net, params);
    expect(tf.memory().numTensors).toBe(before + 10);
    treeDispose(params);
    expect(tf.memory().numTensors).toBe(before);
  });
});
