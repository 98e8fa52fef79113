// Export then import (toNir → writeNir → readNir → fromNir) gives back the same parameters exactly and the same
// outputs bit for bit, for random parameters: LIF and CubaLIF chains behind Affine layers, a recurrent graph, and
// params that differ from the ones the layers were built with (as after training).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, treeDispose, treeMap, type Tree } from '@spikefn/core';
import {
  fromNir,
  nirArray,
  nirChain,
  nirNetwork,
  nirNodeLayer,
  readNir,
  toNir,
  writeNir,
  type NirNetwork,
  type NirNode,
} from '../src/index.js';
import { ints, runNet } from './helpers.js';

const dt = 1e-3;
const floats = (n: number, min: number, max: number) =>
  fc.array(fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true }), {
    minLength: n,
    maxLength: n,
  });
const matrix = (rows: number, cols: number) => fc.array(floats(cols, -2, 2), { minLength: rows, maxLength: rows });
const spikes = (T: number, B: number, n: number) =>
  fc.array(fc.array(fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }), { minLength: B, maxLength: B }), {
    minLength: T,
    maxLength: T,
  });

const affine = (out: number, inp: number) =>
  fc
    .record({ weight: matrix(out, inp), bias: floats(out, -0.5, 0.5) })
    .map((p): NirNode => ({ type: 'Affine', params: { weight: nirArray(p.weight), bias: nirArray(p.bias) } }));
const lif = (n: number) =>
  fc
    .record({
      tau: floats(n, 1.5 * dt, 20 * dt),
      r: floats(n, 0.2, 3),
      v_leak: floats(n, -0.3, 0.3),
      v_threshold: floats(n, 0.2, 1.5),
      v_reset: floats(n, -0.3, 0.2),
    })
    .map((p): NirNode => ({ type: 'LIF', params: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, nirArray(v)])) }));
const cubaLif = (n: number) =>
  fc
    .record({
      tau_syn: floats(n, 1.5 * dt, 10 * dt),
      tau_mem: floats(n, 1.5 * dt, 20 * dt),
      r: floats(n, 0.2, 3),
      v_leak: floats(n, -0.3, 0.3),
      v_threshold: floats(n, 0.1, 1),
      v_reset: floats(n, -0.3, 0.2),
      w_in: floats(n, 0.5, 3),
    })
    .map((p): NirNode => ({ type: 'CubaLIF', params: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, nirArray(v)])) }));

/** Exports `net` with `params`, reads the file back, and checks parameters and outputs on `xs`. */
async function roundTrip(net: NirNetwork, params: Tree, xsData: number[][][]): Promise<void> {
  const graph = toNir(net, params as never);
  const back = await readNir(await writeNir(graph));
  expect(Object.keys(back.nodes).sort()).toEqual(Object.keys(graph.nodes).sort());
  for (const [name, n] of Object.entries(graph.nodes)) expect(back.nodes[name]).toEqual(n);
  expect(back.edges).toEqual(graph.edges);
  const xs = tf.tensor(xsData, undefined, 'float32');
  const again = fromNir(back, { dt });
  expect(runNet(again, xs)).toEqual(runNet(net, xs, params));
  xs.dispose();
}

describe('export then import gives the same params and outputs (fast-check)', () => {
  it('Affine → LIF → Affine → LIF chains', async () => {
    await fc.assert(
      fc.asyncProperty(affine(5, 4), lif(5), affine(3, 5), lif(3), spikes(8, 2, 4), async (fc1, lif1, fc2, lif2, xs) => {
        const layers = { fc1, lif1, fc2, lif2 };
        const net = nirChain(Object.fromEntries(Object.entries(layers).map(([name, n]) => [name, nirNodeLayer(n, { dt, name })])), {
          inputShape: [4],
        });
        const params = net.init(key(0));
        await roundTrip(net, params, xs);
        treeDispose(params);
      }),
      { numRuns: 15, seed: 7 },
    );
  });

  it('Affine → CubaLIF chains', async () => {
    await fc.assert(
      fc.asyncProperty(affine(4, 3), cubaLif(4), spikes(8, 2, 3), async (fc1, cuba, xs) => {
        const net = nirChain({ fc1: nirNodeLayer(fc1, { dt }), cuba: nirNodeLayer(cuba, { dt }) }, { inputShape: [3] });
        const params = net.init(key(0));
        await roundTrip(net, params, xs);
        treeDispose(params);
      }),
      { numRuns: 15, seed: 8 },
    );
  });

  it('a recurrent graph: Input → Affine → LIF → Output with LIF → Affine → LIF', async () => {
    await fc.assert(
      fc.asyncProperty(affine(4, 3), lif(4), affine(4, 4), spikes(8, 2, 3), async (fcIn, neuron, fcRec, xs) => {
        const net = nirNetwork({
          nodes: {
            input: nirNodeLayer({ type: 'Input', params: { shape: ints([3]) } }, { dt }),
            fc_in: nirNodeLayer(fcIn, { dt }),
            lif: nirNodeLayer(neuron, { dt }),
            fc_rec: nirNodeLayer(fcRec, { dt }),
            output: nirNodeLayer({ type: 'Output', params: { shape: ints([4]) } }, { dt }),
          },
          edges: [
            ['input', 'fc_in'],
            ['fc_in', 'lif'],
            ['lif', 'fc_rec'],
            ['fc_rec', 'lif'],
            ['lif', 'output'],
          ],
        });
        const params = net.init(key(0));
        await roundTrip(net, params, xs);
        treeDispose(params);
      }),
      { numRuns: 10, seed: 9 },
    );
  });

  it('exports the params it is given, not the ones the layers were built with (as after training)', async () => {
    await fc.assert(
      fc.asyncProperty(
        affine(3, 2),
        lif(3),
        fc.float({ min: Math.fround(0.5), max: 2, noNaN: true }),
        spikes(6, 2, 2),
        async (fc1, lif1, factor, xs) => {
          const net = nirChain({ fc1: nirNodeLayer(fc1, { dt }), lif1: nirNodeLayer(lif1, { dt }) }, { inputShape: [2] });
          const init = net.init(key(0));
          const trained = treeMap(init, (t) => tf.mul(t, factor));
          const graph = toNir(net, trained as never);
          const w = graph.nodes['fc1']?.params['weight'];
          const w0 = fc1.params['weight'];
          if (typeof w !== 'object' || typeof w0 !== 'object') throw new Error('weights missing');
          expect(w.data).toEqual(w0.data.map((v) => Math.fround(v * Math.fround(factor))));
          await roundTrip(net, trained, xs);
          treeDispose([init, trained] as unknown as Tree);
        },
      ),
      { numRuns: 10, seed: 10 },
    );
  });
});

describe('nirChain fills the Output shape on export', () => {
  it('Affine [3, 2] → Output shape [3]', () => {
    const net = nirChain(
      {
        fc: nirNodeLayer(
          {
            type: 'Linear',
            params: {
              weight: nirArray([
                [1, 0],
                [0, 1],
                [1, 1],
              ]),
            },
          },
          { dt },
        ),
      },
      { inputShape: [2] },
    );
    const params = net.init(key(0));
    const g = toNir(net, params);
    expect(g.nodes['output']).toEqual({ type: 'Output', params: { shape: { dtype: 'int64', shape: [1], data: [3] } } });
    expect(g.nodes['input']).toEqual({ type: 'Input', params: { shape: { dtype: 'int64', shape: [1], data: [2] } } });
    expect(g.edges).toEqual([
      ['input', 'fc'],
      ['fc', 'output'],
    ]);
    treeDispose(params);
  });
});
