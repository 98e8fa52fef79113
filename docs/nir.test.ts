// docs/nir.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { nirRoundTrip } from './examples/nir-round-trip.js';

describe('docs/nir.md', () => {
  it('embeds docs/examples/nir-round-trip.ts verbatim', () => {
    const page = readFileSync(new URL('./nir.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/nir-round-trip.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('the example runs: the file holds the four nodes and the spikes are those derived on the page', async () => {
    const before = tf.memory().numTensors;
    const out = await nirRoundTrip();
    expect(out.bytes).toBeGreaterThan(0);
    expect(out.nodes).toEqual(['fc', 'input', 'lif', 'output']);
    // Neuron 0 gets 1.5: v = 0.75, 1.125 (spike), 0.75, 1.125 (spike). Neuron 1 gets 0.75: v = 0.375, 0.5625,
    // 0.65625, 0.703125, never above 1.
    expect(out.spikes).toEqual([[[0, 0]], [[1, 0]], [[0, 0]], [[1, 0]]]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
