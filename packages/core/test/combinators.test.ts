import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key } from '../src/key.js';
import { evalCtx, stateless, trainCtx } from '../src/layer.js';
import { sequential } from '../src/sequential.js';
import { multiStep } from '../src/multi-step.js';
import { seqToANN } from '../src/seq-to-ann.js';
import { elementWiseRecurrent } from '../src/element-wise-recurrent.js';
import { linearRecurrent } from '../src/linear-recurrent.js';
import { tap } from '../src/tap.js';
import { scan } from '../src/scan.js';
import { uniform } from '../src/random.js';
import { dispose, leafNames } from '../src/tree.js';
import { empty } from '../src/tree.js';
import { checkLayerLaws, assertTreesClose } from '@spikefn/testing';
import { toy } from './toy.js';

const k = key(1);
const T = 5;
const B = 3;

/** y = x·a + b with a, b scalars (stateless). */
const affine = (a: number, b: number) =>
  stateless({ kind: 'affine', init: () => empty, outputShape: (_, s) => s, apply: (_, x) => tf.add(tf.mul(x, a), b) });

/** Counts how many samples it saw in one call (a stand-in for train-mode BatchNorm's one update per call). */
const counter = () => ({
  kind: 'counter',
  init: () => empty,
  outputShape: (_: unknown, s: readonly number[]) => s,
  initialState: () => ({ calls: tf.scalar(0), samples: tf.scalar(0) }),
  step: (_: unknown, s: { calls: tf.Tensor; samples: tf.Tensor }, x: tf.Tensor) =>
    [{ calls: tf.add(s.calls, 1), samples: tf.add(s.samples, x.shape[0] as number) }, x] as const,
});

describe('sequential', () => {
  it('names params and state after the layers, applies them in order', () => {
    tf.tidy(() => {
      const net = sequential({ first: affine(2, 0), lif: toy(4), last: affine(1, 10) });
      const p = net.init(k);
      const s = net.initialState(p, [B, 4], k);
      expect(leafNames(s)).toEqual(['lif.v']);
      expect(leafNames(p)).toEqual(['lif.w']);
      const x = tf.fill([B, 4], 0.3);
      const [s2, y] = net.step(p, s, x, evalCtx(k));
      const [ls, ly] = toy(4).step(p.lif, s.lif, tf.mul(x, 2), evalCtx(k));
      assertTreesClose(s2.lif, ls);
      assertTreesClose(y, tf.add(ly, 10));
    });
  });
  it('rejects an empty list and integer-like names, naming the argument', () => {
    expect(() => sequential({})).toThrow(/sequential: argument 'layers' expected at least one named layer/);
    expect(() => sequential({ 0: affine(1, 0) })).toThrow(/argument 'layers.0' expected a name that is not an integer/);
  });
  it('satisfies the law kit', () => {
    const net = sequential({ scale: affine(1.5, 0.1), lif: toy(3) });
    const params = net.init(k);
    checkLayerLaws({ name: 'sequential', layer: net, params }, [3]);
    dispose(params);
  });
});

describe('multiStep (MultiStepContainer)', () => {
  it('y_seq[t] = layer(x_seq[t]) with the state carried over t', () => {
    tf.tidy(() => {
      const layer = toy(2);
      const p = layer.init(k);
      const ms = multiStep(layer);
      const xs = uniform(k, [T, B, 2], 0, 1.5);
      const [s, ys] = ms.step(p, ms.initialState(p, [T, B, 2], k), xs, evalCtx(k));
      const [s2, ys2] = scan((st, x, kt) => layer.step(p, st, x, evalCtx(kt)), layer.initialState(p, [B, 2], k), xs, k);
      assertTreesClose([s, ys], [s2, ys2]);
      expect(ms.outputShape(p, [T, B, 2])).toEqual([T, B, 2]);
    });
  });
  it('rejects input without a time axis', () => {
    tf.tidy(() => {
      const ms = multiStep(toy(2));
      expect(() => ms.step({ w: tf.ones([2]) }, { v: tf.zeros([2]) }, tf.zeros([2]), evalCtx(k))).toThrow(
        /multiStep\(toy\): argument 'x' expected rank >= 2 \(\[T, B, \.\.\.\]\)/,
      );
    });
  });
});

describe('seqToANN (SeqToANNContainer)', () => {
  it('[T, B, ...] -> one call on [T·B, ...] -> [T, B, ...]', () => {
    tf.tidy(() => {
      const net = seqToANN(counter());
      const s0 = net.initialState(empty, [T, B, 2], k);
      const xs = uniform(k, [T, B, 2]);
      const [s, y] = net.step(empty, s0, xs, trainCtx(k));
      assertTreesClose(y, xs);
      expect(s.calls.dataSync()[0]).toBe(1);
      expect(s.samples.dataSync()[0]).toBe(T * B);
      const ms = multiStep(counter());
      const [sm] = ms.step(empty, ms.initialState(empty, [T, B, 2], k), xs, trainCtx(k));
      expect(sm.calls.dataSync()[0]).toBe(T);
    });
  });
});

describe('elementWiseRecurrent', () => {
  it('calls f(y[t-1], x[t]): previous output first (SpikingJelly code order)', () => {
    tf.tidy(() => {
      const seen: number[][] = [];
      const f = (yPrev: tf.Tensor, x: tf.Tensor) => {
        seen.push([yPrev.dataSync()[0] as number, x.dataSync()[0] as number]);
        return tf.add(tf.mul(yPrev, 2), x);
      };
      const net = elementWiseRecurrent(affine(1, 0), f);
      const xs = tf.tensor([1, 10, 100], [3, 1]);
      const [, ys] = scan((s, x, kt) => net.step(empty, s, x, evalCtx(kt)), net.initialState(empty, [1], k), xs, k);
      // y0 = 2·0 + 1 = 1, y1 = 2·1 + 10 = 12, y2 = 2·12 + 100 = 124
      expect(Array.from(ys.dataSync())).toEqual([1, 12, 124]);
      expect(seen).toEqual([
        [0, 1],
        [1, 10],
        [12, 100],
      ]);
    });
  });
  it('satisfies the law kit around a stateful layer', () => {
    const net = elementWiseRecurrent(toy(3), (y, x) => tf.add(y, x));
    const params = net.init(k);
    checkLayerLaws({ name: 'elementWiseRecurrent', layer: net, params }, [3]);
    dispose(params);
  });
});

describe('linearRecurrent', () => {
  it('i[t] = [x[t], y[t-1]]·Wᵀ + b, y[-1] = 0', () => {
    tf.tidy(() => {
      const net = linearRecurrent(affine(1, 0), 2, 2);
      const p = {
        rc: {
          weight: tf.tensor2d([
            [1, 0, 1, 0],
            [0, 1, 0, 1],
          ]),
          bias: tf.tensor1d([0.5, 0]),
        },
        inner: empty,
      };
      const xs = tf.tensor([1, 2, 3, 4], [2, 1, 2]);
      const [, ys] = scan((s, x, kt) => net.step(p, s, x, evalCtx(kt)), net.initialState(p, [1, 2], k), xs, k);
      // y0 = x0 + b = [1.5, 2]; y1 = x1 + y0 + b = [3 + 1.5 + 0.5, 4 + 2] = [5, 6]
      expect(Array.from(ys.dataSync())).toEqual([1.5, 2, 5, 6]);
    });
  });
  it('initialises W: [in, in + out] and b: [in] within PyTorch bounds 1/sqrt(in + out)', () => {
    tf.tidy(() => {
      const p = linearRecurrent(affine(1, 0), 3, 2).init(k);
      expect(p.rc.weight.shape).toEqual([3, 5]);
      expect(p.rc.bias?.shape).toEqual([3]);
      expect(Math.max(...tf.abs(p.rc.weight).dataSync())).toBeLessThanOrEqual(1 / Math.sqrt(5));
      expect(linearRecurrent(affine(1, 0), 3, 2, false).init(k).rc.bias).toBeUndefined();
    });
  });
  it('rejects a wrong feature size', () => {
    tf.tidy(() => {
      const net = linearRecurrent(affine(1, 0), 2, 2);
      expect(() => net.initialState(net.init(k), [1, 3], k)).toThrow(/argument 'inputShape' expected size 2 on axis -1 \(in_features\)/);
      expect(() => linearRecurrent(affine(1, 0), 0, 2)).toThrow(/argument 'inFeatures' expected an integer >= 1/);
    });
  });
});

describe('tap (PrintShapeModule)', () => {
  it('logs label and shape through the injected logger and returns its input', () => {
    tf.tidy(() => {
      const log: Array<[string, readonly number[]]> = [];
      const layer = tap('after conv', (m, s) => log.push([m, s]));
      const x = tf.ones([2, 3]);
      const [, y] = layer.step(empty, empty, x, evalCtx(k));
      expect(y).toBe(x);
      expect(log).toEqual([['after conv', [2, 3]]]);
    });
  });
});
