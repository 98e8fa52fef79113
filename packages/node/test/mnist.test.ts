import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { key } from '@spikefn/core';
import { batches, loadMnist, MnistUnavailableError, permutation, PIXELS, trainTestSplit } from '../src/mnist.js';

describe('mnist', () => {
  it('loads the 10,000 real digits shipped in the package, pixels in [0, 1], every class present', () => {
    const d = loadMnist();
    expect(d.count).toBe(10_000);
    expect(d.images.length).toBe(10_000 * PIXELS);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    expect(counts.every((c) => c > 800)).toBe(true);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d.images) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([lo, hi]).toEqual([0, 1]);
  });
  it('keyed split: 8,000 / 2,000, disjoint, same key same split, another key another split', () => {
    const d = loadMnist();
    const a = trainTestSplit(key(1), d);
    const b = trainTestSplit(key(1), d);
    const c = trainTestSplit(key(2), d);
    expect([a.train.count, a.test.count]).toEqual([8000, 2000]);
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
    expect(Array.from(a.test.images.subarray(0, 5000))).toEqual(Array.from(b.test.images.subarray(0, 5000)));
    expect(Array.from(a.test.labels)).not.toEqual(Array.from(c.test.labels));
    const p = permutation(key(1), d.count);
    const trainIdx = new Set(p.subarray(0, 8000));
    expect(Array.from(p.subarray(8000)).some((i) => trainIdx.has(i))).toBe(false);
  });
  it('permutation is a permutation, and keyed shuffling of batches is reproducible', () => {
    const p = permutation(key(5), 1000);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const d = loadMnist();
    const small = trainTestSplit(key(0), d, 100, 10).train;
    const e1 = batches(small, 32, key(7));
    const e2 = batches(small, 32, key(7));
    const e3 = batches(small, 32, key(8));
    expect(e1.map((b) => b.size)).toEqual([32, 32, 32, 4]);
    expect(batches(small, 32, key(7), true).length).toBe(3);
    expect(Array.from(e1[0]!.labels)).toEqual(Array.from(e2[0]!.labels));
    expect(Array.from(e1[0]!.images)).not.toEqual(Array.from(e3[0]!.images));
  });
  it('a missing or broken data folder gives a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-'));
    expect(() => loadMnist(dir)).toThrow(MnistUnavailableError);
    expect(() => loadMnist(dir)).toThrow(/0\.json/);
    for (let c = 0; c < 10; c++) writeFileSync(join(dir, `${c}.json`), JSON.stringify({ data: [1, 2, 3] }));
    expect(() => loadMnist(dir)).toThrow(/multiple of 784/);
  });
});
