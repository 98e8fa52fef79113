// docs/model.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeDispose, treeLeafNames } from '@spikefn/core';
import { B, T, firstNetwork } from './examples/first-network.js';

describe('docs/model.md', () => {
  it('embeds docs/examples/first-network.ts verbatim', () => {
    const page = readFileSync(new URL('./model.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/first-network.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('the example runs: binary spikes of shape [T, B, 2], named state, and a rerun from s0 is identical', () => {
    const before = tf.memory().numTensors;
    const out = firstNetwork();
    expect(out.spikes.shape).toEqual([T, B, 2]);
    expect(Array.from(out.spikes.dataSync()).every((v) => v === 0 || v === 1)).toBe(true);
    expect(treeLeafNames(out.s0)).toEqual(['lif1.v', 'lif2.v']);
    expect(out.s1.lif1.v.shape).toEqual([B, 8]);
    expect(Array.from(out.again.dataSync())).toEqual(Array.from(out.spikes.dataSync()));
    treeDispose([out.params, out.xs, out.s0, out.s1, out.spikes, out.s2, out.again] as never);
    expect(tf.memory().numTensors).toBe(before);
  });
});
