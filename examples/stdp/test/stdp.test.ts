import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { DEFAULT_STDP, runStdp } from '../src/stdp.js';

describe('STDP example', () => {
  it('two neurons split two patterns: each fires mostly for one, and they pick different ones', () => {
    const before = tf.memory().numTensors;
    const r = runStdp(key(0), { ...DEFAULT_STDP, steps: 3000 });
    expect(tf.memory().numTensors).toBe(before);
    const prefers = r.response.map((row) => (row[0]! > row[1]! ? 0 : 1));
    expect(prefers[0]).not.toBe(prefers[1]);
    for (const [n, p] of prefers.entries()) expect(r.response[n]![p]!).toBeGreaterThan(3 * r.response[n]![1 - p]!);
    // the weights from the preferred pattern's inputs grew, the others shrank
    const half = DEFAULT_STDP.inputs / 2;
    for (const [n, p] of prefers.entries()) {
      const w = r.finalWeights[n]!;
      const mine = w.slice(p * half, (p + 1) * half).reduce((a, b) => a + b) / half;
      const other = w.slice((1 - p) * half, (2 - p) * half).reduce((a, b) => a + b) / half;
      expect(mine).toBeGreaterThan(other + 0.15);
    }
  });
  it('same key, same weights', () => {
    const a = runStdp(key(4), { ...DEFAULT_STDP, steps: 300 });
    const b = runStdp(key(4), { ...DEFAULT_STDP, steps: 300 });
    expect(a.finalWeights).toEqual(b.finalWeights);
  });
});
