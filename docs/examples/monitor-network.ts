import { evalCtx, key, monitor, split, uniform, type Key } from '@spikefn/core';
import { linear } from '@spikefn/layers';
import { firingRateSvg, membraneTraceSvg, monitorRasterSvg } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';

export const T = 20; // time steps
export const B = 2; // batch

/** A two-layer spiking network, run once with its spikes, membranes and firing rates recorded by layer name. */
export function monitoredNetwork() {
  const [kInit, kData, kRun] = split(key(1), 3) as [Key, Key, Key];
  const layers = {
    fc1: linear({ inFeatures: 10, outFeatures: 6 }),
    lif1: lifNode({ tau: 2, vThreshold: 0.5 }),
    fc2: linear({ inFeatures: 6, outFeatures: 3 }),
    lif2: lifNode({ tau: 2, vThreshold: 0.5 }),
  };
  // The same network as sequential(layers), which also returns what the probes read at every step.
  const net = monitor(layers, { lif1: ['spikes', 'v', 'rate'], lif2: ['spikes', 'rate'] });
  const params = net.init(kInit); // sequential(layers)'s params: { fc1: { weight, bias }, lif1: {}, … }
  const xs = uniform(kData, [T, B, 10], 0, 3); // [T, B, 10] input currents
  const s0 = net.initialState(params, [B, 10], kRun);

  // run = scan of step: output [T, B, 3]; records.lif1.v [T, B, 6] (v after each step), records.lif2.rate [T, B].
  const [sT, { output, records }] = net.run(params, s0, xs, evalCtx(kRun));

  const raster = monitorRasterSvg(records, { title: 'sample 0' }); // one panel per layer
  const trace = membraneTraceSvg(records, { layer: 'lif1', threshold: 0.5 }); // v of 5 neurons of lif1
  const rate = firingRateSvg(records); // one line per layer
  return { net, params, xs, s0, sT, output, records, raster, trace, rate };
}
