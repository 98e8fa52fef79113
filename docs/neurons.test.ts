// docs/neurons.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { lifTraces } from './examples/lif-record.js';

describe('docs/neurons.md', () => {
  it('embeds docs/examples/lif-record.ts verbatim', () => {
    const page = readFileSync(new URL('./neurons.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/lif-record.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('the example runs: [T, N] traces, v = 0 after each spike, v before reset >= 1 there, a gradient for every input', () => {
    const before = tf.memory().numTensors;
    const out = lifTraces();
    expect(out.rec.spikes.shape).toEqual([20, 3]);
    const s = out.rec.spikes.dataSync();
    const v = out.rec.v.dataSync();
    const h = out.rec.vBeforeReset.dataSync();
    expect(Array.from(s).some((x) => x === 1)).toBe(true);
    s.forEach((si, i) => {
      if (si === 1) {
        expect(v[i]).toBe(0);
        expect(h[i]).toBeGreaterThanOrEqual(1);
      } else expect(v[i]).toBe(h[i]);
    });
    expect(out.dxs.shape).toEqual([20, 3]);
    tf.dispose([out.xs, out.s0.v, out.sT.v, out.rec.spikes, out.rec.v, out.rec.vBeforeReset, out.dxs]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
