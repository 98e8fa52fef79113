import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, foldIn } from '../src/key.js';
import { scan } from '../src/scan.js';
import { uniform } from '../src/random.js';
import { leaves } from '../src/tree.js';
import { checkLayerLaws } from '@spikefn/testing';
import { toy, toyReference } from './toy.js';

const k = key(0);

describe('scan', () => {
  it('equals the plain-number reference of the toy layer, step by step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 2, noNaN: true }), { minLength: 1, maxLength: 16 }),
        fc.float({ min: Math.fround(0.5), max: Math.fround(1.5), noNaN: true }),
        (xs, w) => {
          tf.tidy(() => {
            const layer = toy(1);
            const p = { w: tf.tensor1d([w]) };
            const [s, ys] = scan(
              (st, x) => layer.step(p, st, x, { training: false, key: k }),
              layer.initialState(p, [1, 1], k),
              tf.tensor(xs, [xs.length, 1, 1]),
              k,
            );
            const ref = toyReference(Math.fround(w), xs);
            expect(Array.from(ys.dataSync())).toEqual(ref.ys);
            expect(s.v.dataSync()[0]).toBeCloseTo(ref.v, 5);
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('stacks tree outputs leaf by leaf and passes per-step keys foldIn(key, t0 + t)', () => {
    tf.tidy(() => {
      const seen: string[] = [];
      const [, ys] = scan(
        (s: tf.Tensor, x, kt, t) => {
          seen.push(`${t}:${kt.join(',')}`);
          return [tf.add(s, x), { sum: tf.add(s, x), twice: tf.mul(x, 2) }];
        },
        tf.zeros([2]),
        tf.ones([3, 2]),
        k,
        { t0: 5 },
      );
      expect(ys.sum.shape).toEqual([3, 2]);
      expect(Array.from(ys.sum.dataSync())).toEqual([1, 1, 2, 2, 3, 3]);
      expect(Array.from(ys.twice.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
      expect(seen).toEqual([5, 6, 7].map((t) => `${t}:${foldIn(k, t).join(',')}`));
    });
  });

  it('owns its memory: leaves only the final state and outputs, never disposes the initial state', () => {
    const layer = toy(3);
    const p = layer.init(k);
    const s0 = layer.initialState(p, [2, 3], k);
    const xs = uniform(k, [7, 2, 3], 0, 2);
    const before = tf.memory().numTensors;
    const [s, ys] = scan((st, x) => layer.step(p, st, x, { training: false, key: k }), s0, xs, k);
    expect(tf.memory().numTensors).toBe(before + leaves(s).length + 1);
    expect(s0.v.isDisposed).toBe(false);
    expect(xs.isDisposed).toBe(false);
    tf.dispose([s.v, ys, s0.v, xs, p.w]);
  });

  it('an identity body returns the inputs as outputs without disposing them early', () => {
    tf.tidy(() => {
      const xs = tf.tensor([1, 2, 3], [3, 1]);
      const [s, ys] = scan((_st: tf.Tensor, x) => [x, x], tf.zeros([1]), xs, k);
      expect(Array.from(ys.dataSync())).toEqual([1, 2, 3]);
      expect(Array.from(s.dataSync())).toEqual([3]);
    });
  });

  it('BPTT through scan equals the gradient of a hand-unrolled loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1000 }), (T, seed) => {
        tf.tidy(() => {
          const x = uniform(key(seed), [T, 3], -1, 1);
          const w = uniform(foldIn(key(seed), 1), [3], 0.2, 1.2);
          const body = (v: tf.Tensor, xt: tf.Tensor, ww: tf.Tensor): tf.Tensor => tf.tanh(tf.add(tf.mul(v, ww), xt));
          const viaScan = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => {
            const [, ys] = scan(
              (v: tf.Tensor, xt) => {
                const nv = body(v, xt, ww);
                return [nv, tf.square(nv)];
              },
              tf.zeros([3]),
              xx,
              k,
            );
            return tf.sum(ys);
          })([x, w]);
          const unrolled = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => {
            let v = tf.zeros([3]);
            let loss = tf.scalar(0);
            // One slice per step (tfjs 4.22's Unpack/Split gradients break for a single output, T = 1).
            for (let t = 0; t < T; t++) {
              const xt = tf.reshape(tf.slice(xx, [t, 0], [1, 3]), [3]);
              v = body(v, xt, ww);
              loss = tf.add(loss, tf.sum(tf.square(v)));
            }
            return loss;
          })([x, w]);
          viaScan.forEach((g, i) => {
            const a = g.dataSync();
            const b = unrolled[i]!.dataSync();
            a.forEach((ai, j) => {
              expect(ai).toBeCloseTo(b[j] as number, 5);
            });
          });
        });
      }),
      { numRuns: 15 },
    );
  });

  it('rejects a missing time axis, an empty one and a bad t0, naming the argument', () => {
    tf.tidy(() => {
      expect(() => scan((s: tf.Tensor) => [s, s], tf.zeros([1]), tf.scalar(1), k)).toThrow(
        /scan: argument 'xs' expected rank >= 1 \(a leading time axis/,
      );
      expect(() => scan((s: tf.Tensor) => [s, s], tf.zeros([1]), tf.zeros([0, 2]), k)).toThrow(/time axis of length >= 1/);
      expect(() => scan((s: tf.Tensor) => [s, s], tf.zeros([1]), tf.zeros([2, 2]), k, { t0: -1 })).toThrow(/options.t0/);
    });
  });

  it('the toy layer satisfies the law kit', () => {
    const layer = toy(3);
    const params = layer.init(k);
    checkLayerLaws({ name: 'toy', layer, params }, [3]);
    tf.dispose(params);
  });
});
