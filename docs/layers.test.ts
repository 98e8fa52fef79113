// docs/layers.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeDispose } from '@spikefn/core';
import { B, T, seedLayers } from './examples/seed-layers.js';

describe('docs/layers.md', () => {
  it('embeds docs/examples/seed-layers.ts verbatim', () => {
    const page = readFileSync(new URL('./layers.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/seed-layers.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it("the example runs: currents [T, B, 8]; the mask is fixed by initialState's key", () => {
    const before = tf.memory().numTensors;
    const out = seedLayers();
    expect(out.currents.shape).toEqual([T, B, 8]);
    expect(out.s1.drop.mask).toBe(out.s0.drop.mask);
    expect(Array.from(out.again.drop.mask.dataSync())).toEqual(Array.from(out.s0.drop.mask.dataSync()));
    expect(Array.from(out.other.drop.mask.dataSync())).not.toEqual(Array.from(out.s0.drop.mask.dataSync()));
    treeDispose([out.params, out.xs, out.s0, out.s1, out.currents, out.again, out.other] as never);
    expect(tf.memory().numTensors).toBe(before);
  });
});
