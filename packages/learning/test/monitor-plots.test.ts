import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, monitor, stateless, tidyStep, treeDispose, type Layer, type Tree } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import {
  firingRateSeries,
  firingRateSvg,
  membraneTraceSeries,
  membraneTraceSvg,
  monitorRasterPanels,
  monitorRasterSvg,
} from '../src/monitor-plots.js';

// Records as a monitor run returns them: [T = 4, B = 2, N].
const spikes1 = [
  [
    [1, 0, 0],
    [0, 0, 0],
  ],
  [
    [0, 1, 1],
    [1, 1, 1],
  ],
  [
    [0, 0, 0],
    [0, 0, 0],
  ],
  [
    [1, 1, 0],
    [0, 1, 0],
  ],
];
const v1 = [
  [
    [0.5, 0.25, 0],
    [0.1, 0.2, 0.3],
  ],
  [
    [0.75, 0, 0],
    [0.4, 0.5, 0.6],
  ],
  [
    [0, 0.5, 0.5],
    [0.7, 0.8, 0.9],
  ],
  [
    [0.25, 0.75, 1],
    [1, 1, 1],
  ],
];
const spikes2 = [
  [[1], [0]],
  [[0], [0]],
  [[1], [1]],
  [[0], [1]],
];
const make = () => ({
  lif1: { spikes: tf.tensor(spikes1), v: tf.tensor(v1) },
  lif2: {
    spikes: tf.tensor(spikes2),
    rate: tf.tensor([
      [1, 0],
      [0, 0],
      [1, 1],
      [0, 1],
    ]),
  },
  fc: { output: tf.ones([4, 2, 5]) },
});

const rects = (svg: string): number => (svg.match(/<rect x=/g) ?? []).length;
const polylinePoints = (svg: string): number[] =>
  [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => (m[1] as string).trim().split(' ').length);

describe('plots of monitor records', () => {
  it('raster: one panel per layer with spikes (sample b), one dot per spike, labelled by layer', () => {
    const recs = make();
    const panels = monitorRasterPanels(recs, { sample: 1 });
    expect(panels.map((p) => p.label)).toEqual(['lif1', 'lif2']); // fc has no spikes
    expect(panels[0]?.spikes).toEqual(spikes1.map((st) => st[1]));
    expect(panels[1]?.spikes).toEqual(spikes2.map((st) => st[1]));
    const svg = monitorRasterSvg(recs, { title: 'sample 1', sample: 1 });
    // rasterSvg draws a frame `<rect x=…>` per panel, then one per spike (the background rect has no x).
    const nSpikes =
      spikes1.flatMap((st) => st[1] as number[]).filter((s) => s === 1).length +
      spikes2.flatMap((st) => st[1] as number[]).filter((s) => s === 1).length;
    expect(nSpikes).toBe(6);
    expect(rects(svg) - 2).toBe(nSpikes);
    expect(svg).toContain('>lif1</text>');
    expect(svg).toContain('>3 neurons</text>');
    expect(svg).toContain('sample 1');
    treeDispose(recs as unknown as Tree);
  });

  it('membrane traces: the chosen neurons of one sample, values as recorded, the threshold as a dashed line', () => {
    const recs = make();
    const series = membraneTraceSeries(recs, { layer: 'lif1', sample: 0, neurons: [0, 2] });
    expect(series.map((s) => s.label)).toEqual(['lif1.v[0]', 'lif1.v[2]']);
    expect(series[0]?.y).toEqual([0.5, 0.75, 0, 0.25]);
    expect(series[1]?.y).toEqual([0, 0, 0.5, 1]);
    expect(membraneTraceSeries(recs, { layer: 'lif1' }).length).toBe(3); // default: the first min(N, 5)
    const svg = membraneTraceSvg(recs, { layer: 'lif1', neurons: [0, 2], threshold: 1 });
    expect(polylinePoints(svg)).toEqual([4, 4]);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('threshold 1');
    expect(svg).toContain('>lif1.v</text>');
    treeDispose(recs as unknown as Tree);
  });

  it('firing rates: mean over batch of the rate record, else of the spikes over batch and neurons; the mean over time in the legend', () => {
    const recs = make();
    const series = firingRateSeries(recs);
    expect(series.map((s) => s.label)).toEqual(['lif1 (mean 0.375)', 'lif2 (mean 0.5)']); // (1 + 5 + 0 + 3)/24
    // lif1: (1 + 0)/6, (2 + 3)/6, 0, (2 + 1)/6 from the spikes; lif2: mean over B of the rate record.
    [1 / 6, 5 / 6, 0, 3 / 6].forEach((r, t) => {
      expect(series[0]?.y[t]).toBeCloseTo(r, 6);
    });
    expect(series[1]?.y).toEqual([0.5, 0, 1, 0.5]);
    expect(firingRateSeries(recs, { layers: ['lif2'] }).map((s) => s.label)).toEqual(['lif2 (mean 0.5)']);
    const svg = firingRateSvg(recs, { title: 'rates' });
    expect(polylinePoints(svg)).toEqual([4, 4]);
    expect(svg).toContain('lif2 (mean 0.5)');
    treeDispose(recs as unknown as Tree);
  });

  it('reads the records without keeping or making tensors, and names what is missing', () => {
    const recs = make();
    expect(
      leakedBy(() => {
        monitorRasterSvg(recs);
        firingRateSvg(recs);
        membraneTraceSvg(recs, { layer: 'lif1' });
        return [];
      }),
    ).toBe(0);
    expect(() => membraneTraceSvg(recs, { layer: 'lif3' })).toThrow(
      /membraneTraceSeries: argument 'layer' expected a layer of the records \('lif1', 'lif2', 'fc'\), got 'lif3'/,
    );
    expect(() => membraneTraceSvg(recs, { layer: 'lif2' })).toThrow(
      /argument 'records\.lif2' expected a 'v' record \(it has 'spikes', 'rate'\)/,
    );
    expect(() => membraneTraceSvg(recs, { layer: 'lif1', neurons: [3] })).toThrow(
      /argument 'neurons\[0\]' expected a neuron index in \[0, 2\]/,
    );
    expect(() => monitorRasterSvg(recs, { sample: 2 })).toThrow(/argument 'sample' expected an integer in \[0, 1\]/);
    expect(() => firingRateSvg(recs, { layers: ['fc'] })).toThrow(/argument 'records\.fc' expected a 'rate' or 'spikes' record/);
    expect(() => monitorRasterSvg({ fc: recs.fc })).toThrow(/monitorRasterSvg: argument 'records' expected a layer with a 'spikes' record/);
    treeDispose(recs as unknown as Tree);
  });

  it('plots what monitor(...).run records: a threshold layer over a ramp fires where its input crosses 1', () => {
    // y = [x·w ≥ 1] with state v = x·w (the "membrane"): neuron n with w_n = n + 1 fires from step t where (t + 1)/4·w ≥ 1.
    const thresh: Layer<{ w: tf.Tensor }, { v: tf.Tensor }> = {
      kind: 'thresh',
      init: () => ({ w: tf.tensor([1, 2, 4]) }),
      outputShape: (_, s) => s,
      initialState: (_, s) => ({ v: tf.zeros([...s]) }),
      step: (p, _s, x) =>
        tidyStep(() => {
          const v = tf.mul(x, p.w);
          return [{ v }, tf.cast(tf.greaterEqual(v, 1), 'float32')];
        }),
    };
    const id = stateless({ kind: 'id', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.clone(x) });
    const m = monitor({ inp: id, lif: thresh }, { lif: ['spikes', 'v', 'rate'] });
    const params = m.init(key(0));
    const xs = tf.tile(tf.reshape(tf.tensor([0.25, 0.5, 0.75, 1]), [4, 1, 1]), [1, 2, 3]); // [T = 4, B = 2, 3]
    const [state, r] = m.run(params, m.initialState(params, [2, 3], key(0)), xs, evalCtx(key(0)));
    const recs = r.records as { lif: { spikes: tf.Tensor; v: tf.Tensor; rate: tf.Tensor } };
    expect(monitorRasterPanels(recs)[0]?.spikes).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [0, 1, 1],
      [1, 1, 1],
    ]);
    expect(membraneTraceSeries(recs, { layer: 'lif', neurons: [1] })[0]?.y).toEqual([0.5, 1, 1.5, 2]);
    expect(firingRateSeries(recs)[0]?.y.map((v) => Number(v.toFixed(6)))).toEqual([0.333333, 0.666667, 0.666667, 1]);
    expect(rects(monitorRasterSvg(recs)) - 1).toBe(1 + 3 + 4); // one frame; neuron n fires 1, 3, 4 times
    treeDispose([params, xs, state, r] as unknown as Tree);
  });
});
