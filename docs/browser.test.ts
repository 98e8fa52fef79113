// docs/browser.md's example: it is the file we run (in Node here; the browser tests run the page's same code in Chromium).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { classifyDigit } from './examples/browser-classify.js';

const ckptUrl = new URL('../examples/browser/public/checkpoint.spikefn', import.meta.url);
const samplesUrl = new URL('../examples/browser/public/samples.json', import.meta.url);

describe('docs/browser.md', () => {
  it('embeds docs/examples/small-bundle-browser.ts verbatim (the browser tests run it, test:pack measures it)', () => {
    const page = readFileSync(new URL('./browser.md', import.meta.url), 'utf8');
    expect(page).toContain(readFileSync(new URL('./examples/small-bundle-browser.ts', import.meta.url), 'utf8'));
  });

  it('embeds docs/examples/browser-classify.ts verbatim', () => {
    const page = readFileSync(new URL('./browser.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/browser-classify.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('the example classifies the shipped held-out digits with the shipped checkpoint, leaking no tensor', async () => {
    expect(existsSync(ckptUrl)).toBe(true);
    const bytes = new Uint8Array(readFileSync(ckptUrl));
    const samples = JSON.parse(readFileSync(samplesUrl, 'utf8')) as { label: number; pixels: number[] }[];
    const before = tf.memory().numTensors;
    let right = 0;
    for (const s of samples.slice(0, 10)) {
      const r = await classifyDigit(bytes, Float32Array.from(s.pixels));
      expect(r.rates).toHaveLength(10);
      if (r.predicted === s.label) right++;
    }
    expect(right).toBeGreaterThanOrEqual(8);
    expect(tf.memory().numTensors).toBe(before);
  });
});
