// docs/neurons.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeDispose } from '@spikefn/core';
import { runRefractory } from './examples/custom-neuron.js';
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

  it('embeds docs/examples/custom-neuron.ts verbatim', () => {
    const page = readFileSync(new URL('./neurons.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/custom-neuron.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('the custom neuron runs: it fires every third step (spike, two refractory steps), records every variable, has gradients', () => {
    const before = tf.memory().numTensors;
    const out = runRefractory();
    // By hand: h_0 = 0 + (3 − 0)/2 = 1.5 ≥ 1 fires, r = 2; t = 1, 2 refractory (h = v = 0, r = 1, 0); t = 3 fires again.
    expect(Array.from(out.rec.output.dataSync())).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(out.rec.state.r.dataSync())).toEqual([2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0]);
    expect(Array.from(out.rec.charged.open.dataSync())).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(out.rec.charged.h.dataSync())).toEqual([1.5, 0, 0, 1.5, 0, 0, 1.5, 0, 0, 1.5, 0, 0]);
    expect(out.dxs.shape).toEqual([12, 1]);
    expect(Array.from(out.dxs.dataSync()).every((g) => Number.isFinite(g))).toBe(true);
    expect(Array.from(out.dxs.dataSync()).some((g) => g !== 0)).toBe(true);
    treeDispose([out.xs, out.s0, out.sT, out.rec, out.dxs]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
