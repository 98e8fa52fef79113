import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { foldIn, isKey, key, split, split2 } from '../src/key.js';
import { bernoulli, normal, uniform, uniformArray } from '../src/random.js';
import { setBackend } from '../src/backend.js';

const seedArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });

describe('keys', () => {
  it('determinism: the same seed gives the same key, different seeds different keys', () => {
    fc.assert(
      fc.property(seedArb, seedArb, (a, b) => {
        expect(key(a)).toEqual(key(a));
        if (a !== b) expect(key(a)).not.toEqual(key(b));
      }),
    );
  });
  it('split(k, n)[i] = foldIn(k, i), independent of n', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), (s, n, m) => {
        const k = key(s);
        const a = split(k, n);
        const b = split(k, m);
        for (let i = 0; i < Math.min(n, m); i++) expect(a[i]).toEqual(b[i]);
        a.forEach((ki, i) => {
          expect(ki).toEqual(foldIn(k, i));
        });
      }),
    );
  });
  it('split keys are distinct from each other and from the parent', () => {
    const k = key(7);
    const ks = split(k, 1000).map((x) => x.join(','));
    expect(new Set([...ks, k.join(',')]).size).toBe(1001);
    expect(split2(k)).toEqual([foldIn(k, 0), foldIn(k, 1)]);
  });
  it('keys are two uint32 words', () => {
    fc.assert(fc.property(seedArb, (s) => isKey(key(s))));
  });
  it('rejects bad seeds and bad keys with a named argument', () => {
    expect(() => key(1.5)).toThrow(/key: argument 'seed' expected a safe integer/);
    expect(() => foldIn([1, 2] as never, 0.5)).toThrow(/argument 'data'/);
    expect(() => split(['a', 2] as never, 2)).toThrow(/argument 'key' expected a key/);
    expect(() => split(key(0), -1)).toThrow(/argument 'n'/);
  });
});

describe('samplers', () => {
  it('same key, same draws; different keys, different draws', () => {
    const a = uniformArray(key(1), 100);
    expect(uniformArray(key(1), 100)).toEqual(a);
    expect(uniformArray(key(2), 100)).not.toEqual(a);
  });
  it('uniform lies in [lo, hi) with mean (lo+hi)/2 within 5 standard errors', () => {
    const n = 20000;
    const u = uniform(key(3), [n], -2, 4);
    const d = Array.from(u.dataSync());
    expect(Math.min(...d)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...d)).toBeLessThan(4);
    const mean = d.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 1)).toBeLessThan((5 * 6) / Math.sqrt(12 * n));
    u.dispose();
  });
  it('normal has the requested mean and standard deviation (5 standard errors)', () => {
    const n = 20000;
    const z = Array.from(normal(key(4), [n], 1, 2).dataSync());
    const mean = z.reduce((a, b) => a + b, 0) / n;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean - 1)).toBeLessThan((5 * 2) / Math.sqrt(n));
    expect(Math.abs(variance - 4)).toBeLessThan(5 * 4 * Math.sqrt(2 / n));
  });
  it('bernoulli(p) is 0/1 with rate p (5 standard errors)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (p, s) => {
        const n = 4000;
        const t = bernoulli(key(s), p, [n]);
        const d = Array.from(t.dataSync());
        t.dispose();
        expect(d.every((v) => v === 0 || v === 1)).toBe(true);
        const rate = d.reduce((a, b) => a + b, 0) / n;
        expect(Math.abs(rate - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
      }),
      { numRuns: 20 },
    );
  });
  it('rejects negative probabilities, NaN bounds and bad shapes, naming the argument', () => {
    expect(() => bernoulli(key(0), -0.1, [2])).toThrow(/bernoulli: argument 'p' expected a probability in \[0, 1\]/);
    expect(() => uniform(key(0), [2], Number.NaN, 1)).toThrow(/argument 'lo'/);
    expect(() => uniform(key(0), [2, 0])).toThrow(/argument 'shape'/);
    expect(() => normal(key(0), [2], 0, -1)).toThrow(/argument 'std'/);
  });
});

describe('cross-backend determinism', () => {
  it('uniform, normal and bernoulli give bit-identical tensors on cpu and wasm for the same key', async () => {
    const draw = () =>
      tf.tidy(() =>
        [uniform(key(11), [3, 50]), normal(key(12), [3, 50]), bernoulli(key(13), 0.3, [3, 50])].map((t) => Array.from(t.dataSync())),
      );
    await setBackend('cpu');
    const onCpu = draw();
    await setBackend('wasm');
    const onWasm = draw();
    await setBackend('cpu');
    expect(onWasm).toEqual(onCpu);
  });
});
