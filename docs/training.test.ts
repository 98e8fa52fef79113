// docs/training.md's example: it is the file we run, and the loss falls.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { trainTiny } from './examples/train-tiny.js';

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
});
