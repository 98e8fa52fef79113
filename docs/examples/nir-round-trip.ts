// docs/nir.md's example: a network written to NIR and read back, then run over 4 steps.
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, runSequence, treeDispose } from '@spikefn/core';
import { fromNir, nirArray, nirChain, nirNodeLayer, readNir, toNir, writeNir } from '@spikefn/nir';

export const dt = 1e-3; // seconds per step: NIR's tau values are in the same unit

export async function nirRoundTrip(): Promise<{ bytes: number; nodes: string[]; spikes: number[][][] }> {
  // SpikingJelly's LIFNode(tau=2.0) is NIR's LIF with tau = 2 steps · dt, r = 1 and v_leak = v_reset = 0.
  const tau = 2 * dt;
  const lif = nirNodeLayer(
    {
      type: 'LIF',
      params: {
        tau: nirArray([tau, tau]),
        r: nirArray([1, 1]),
        v_leak: nirArray([0, 0]),
        v_threshold: nirArray([1, 1]),
        v_reset: nirArray([0, 0]),
      },
    },
    { dt },
  );
  const fc = nirNodeLayer(
    {
      type: 'Affine',
      params: {
        weight: nirArray([
          [1, 0],
          [0, 0.5],
        ]),
        bias: nirArray([0, 0]),
      },
    },
    { dt },
  );
  const net = nirChain({ fc, lif }, { inputShape: [2] }); // Input → fc → lif → Output
  const params = net.init(key(0));

  const file = await writeNir(toNir(net, params)); // the bytes of a .nir file (HDF5), as nir.write lays it out
  const graph = await readNir(file); // { nodes: { input, fc, lif, output }, edges, version }
  const imported = fromNir(graph, { dt }); // a spikefn Layer again (a `sequential` chain)

  const importedParams = imported.init(key(0)); // the file's parameters as tensors
  const xs = tf.fill([4, 1, 2], 1.5); // [T, B, 2]: a constant input of 1.5
  const s0 = imported.initialState(importedParams, xs.shape.slice(1), key(0));
  const [s1, ys] = runSequence(imported, importedParams, s0, xs, evalCtx(key(0)));
  const spikes = ys.arraySync() as number[][][];
  treeDispose([params, importedParams, xs, s0, s1, ys] as never);
  return { bytes: file.length, nodes: Object.keys(graph.nodes).sort(), spikes };
}
