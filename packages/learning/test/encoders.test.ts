import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, treeDispose as dispose } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { direct, encoderByName, latency, poisson, poissonStep } from '../src/encoders.js';

const RUNS = 20;
const X = [0, 0.25, 0.5, 1, 1.5, -0.2];

describe('poisson', () => {
  it('same key, same spikes; another key, other spikes', () => {
    const x = tf.fill([4, 50], 0.5);
    const a = poisson(key(1), x, 6);
    const b = poisson(key(1), x, 6);
    const c = poisson(key(2), x, 6);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    expect(a.shape).toEqual([6, 4, 50]);
    dispose([x, a, b, c]);
  });
  it('chunking invariance: poisson(k, x, T1 + T2) = poisson(k, x, T1) ++ poisson(k, x, T2, t0 = T1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (seed, t1, t2) => {
        const x = tf.tensor1d(X);
        const whole = poisson(key(seed), x, t1 + t2);
        const parts = tf.concat([poisson(key(seed), x, t1), poisson(key(seed), x, t2, t1)]);
        expect(Array.from(parts.dataSync())).toEqual(Array.from(whole.dataSync()));
        dispose([x, whole, parts]);
      }),
      { numRuns: RUNS },
    );
  });
  it('the rate approaches clip(x, 0, 1); 0 never fires, 1 always fires', () => {
    const x = tf.tensor1d(X);
    const s = poisson(key(3), tf.reshape(tf.tile(x, [2000]), [2000, X.length]), 4);
    const r = tf.mean(s, [0, 1]).dataSync();
    X.forEach((v, i) => {
      expect(Math.abs((r[i] as number) - Math.min(1, Math.max(0, v)))).toBeLessThan(0.02);
    });
    dispose([x, s]);
  });
  it('leaves no tensor behind', () => {
    const x = tf.tensor1d(X);
    expect(leakedBy(() => poisson(key(0), x, 3))).toBe(0);
    dispose(x);
  });
});

describe('latency and direct', () => {
  it('latency: one spike per element at round((T − 1)(1 − x))', () => {
    const x = tf.tensor1d([1, 0.5, 0, 0.9]);
    const s = latency(key(0), x, 5);
    expect(s.shape).toEqual([5, 4]);
    const arr = s.arraySync() as number[][];
    const when = [0, 1, 2, 3].map((i) => arr.findIndex((row) => row[i] === 1));
    expect(when).toEqual([0, 2, 4, 0]);
    expect(tf.sum(s).dataSync()[0]).toBe(4);
    expect(leakedBy(() => latency(key(0), x, 5))).toBe(0);
    dispose([x, s]);
  });
  it('direct repeats the input at every step', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const s = direct(key(0), x, 3);
    expect(s.shape).toEqual([3, 2, 2]);
    expect(Array.from(s.dataSync())).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    expect(leakedBy(() => direct(key(0), x, 3))).toBe(0);
    dispose([x, s]);
  });
  it('encoderByName knows the three and rejects others', () => {
    expect(typeof encoderByName('poisson')).toBe('function');
    expect(() => encoderByName('rank')).toThrow(/poisson/);
  });
});

describe('poissonStep', () => {
  it('equals step t of poisson with foldIn(key, t)', async () => {
    const { foldIn } = await import('@spikefn/core');
    const x = tf.tensor1d(X);
    const whole = poisson(key(9), x, 3);
    const s2 = poissonStep(foldIn(key(9), 2), x);
    expect(Array.from(s2.dataSync())).toEqual(Array.from(tf.slice(whole, [2, 0], [1, X.length]).dataSync()));
    dispose([x, whole, s2]);
  });
});
