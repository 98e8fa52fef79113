// docs/monitors.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, scanLayer, split, treeDispose, type Key } from '@spikefn/core';
import { B, T, monitoredNetwork } from './examples/monitor-network.js';

describe('docs/monitors.md', () => {
  it('embeds docs/examples/monitor-network.ts verbatim', () => {
    const page = readFileSync(new URL('./monitors.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/monitor-network.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('the example runs: the output of the unmonitored network, the records of the page, three plots', () => {
    const before = tf.memory().numTensors;
    const out = monitoredNetwork();
    const kRun = (split(key(1), 3) as [Key, Key, Key])[2];
    const [sPlain, yPlain] = scanLayer(out.net.layer, out.params, out.s0, out.xs, evalCtx(kRun));
    expect(Array.from(out.output.dataSync())).toEqual(Array.from(yPlain.dataSync()));
    expect(Array.from(out.sT.lif1.v.dataSync())).toEqual(Array.from((sPlain as typeof out.sT).lif1.v.dataSync()));
    const r = out.records;
    expect(r.lif1?.v?.shape).toEqual([T, B, 6]);
    expect(r.lif1?.spikes?.shape).toEqual([T, B, 6]);
    expect(r.lif2?.rate?.shape).toEqual([T, B]);
    expect(Object.keys(r)).toEqual(['lif1', 'lif2']);
    // A hard reset to 0: wherever lif1 fired, its recorded v (after reset) is 0; elsewhere v < V_th = 0.5.
    const s = Array.from(r.lif1?.spikes?.dataSync() ?? []);
    const v = Array.from(r.lif1?.v?.dataSync() ?? []);
    expect(s.some((x) => x === 1)).toBe(true);
    expect(Array.from(r.lif2?.spikes?.dataSync() ?? []).some((x) => x === 1)).toBe(true);
    s.forEach((x, i) => {
      if (x === 1) expect(v[i]).toBe(0);
      else expect(v[i]).toBeLessThan(0.5);
    });
    expect((out.raster.match(/>lif[12]<\/text>/g) ?? []).length).toBe(2);
    expect((out.trace.match(/<polyline/g) ?? []).length).toBe(5);
    expect(out.trace).toContain('threshold 0.5');
    expect((out.rate.match(/<polyline/g) ?? []).length).toBe(2);
    treeDispose([out.params, out.xs, out.s0, out.sT, out.output, out.records, sPlain, yPlain] as never);
    expect(tf.memory().numTensors).toBe(before);
  });
});
