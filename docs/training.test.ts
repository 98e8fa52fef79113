// docs/training.md's example: it is the file we run, and the loss falls.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { trainTiny } from './examples/train-tiny.js';
import { adamwTwice, clippedAdamw, fit } from './examples/optimizer-chain.js';

describe('docs/training.md', () => {
  it('embeds docs/examples/train-tiny.ts verbatim', () => {
    const page = readFileSync(new URL('./training.md', import.meta.url), 'utf8');
    expect(page).toContain(readFileSync(new URL('./examples/train-tiny.ts', import.meta.url), 'utf8'));
  });
  it('BPTT through a LIF layer with Adam lowers the rate-MSE loss, leaving no tensors behind', () => {
    const before = tf.memory().numTensors;
    const { first, last, losses } = trainTiny();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last).toBeLessThan(first * 0.5);
    expect(tf.memory().numTensors).toBe(before);
  });
  it('embeds docs/examples/optimizer-chain.ts verbatim', () => {
    const page = readFileSync(new URL('./training.md', import.meta.url), 'utf8');
    expect(page).toContain(readFileSync(new URL('./examples/optimizer-chain.ts', import.meta.url), 'utf8'));
  });
  it('a clipped AdamW chain with a cosine schedule minimises the quadratic; adamw equals its chain written out', () => {
    const before = tf.memory().numTensors;
    const losses = fit(clippedAdamw(200), 200);
    // ‖0 − target‖² = 9 + 4 + 0.25 at the start
    expect(losses[0]).toBeCloseTo(13.25, 5);
    expect(losses[losses.length - 1]).toBeLessThan(1e-2);
    const { library, byHand } = adamwTwice(20);
    expect(byHand).toEqual(library);
    expect(library[19]).toBeLessThan(library[0] as number);
    expect(tf.memory().numTensors).toBe(before);
  });
});
