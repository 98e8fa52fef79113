import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeDispose as dispose } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { crossEntropy, firingRate, predict, rateCrossEntropy, rateMse, tetLoss } from '../src/losses.js';

// T = 3, B = 2, C = 4 (T ≠ B on purpose).
const OUT = [
  [
    [1, 0, 0, 1],
    [0, 1, 0, 0],
  ],
  [
    [1, 0, 1, 0],
    [0, 1, 0, 0],
  ],
  [
    [0, 0, 0, 1],
    [0, 0, 1, 0],
  ],
];
const LABELS = [0, 1];
const T = 3;

const ce = (z: number[], y: number): number => {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return lse - (z[y] as number);
};
const rate = (b: number): number[] => [0, 1, 2, 3].map((c) => OUT.reduce((a, s) => a + (s[b]![c] as number), 0) / T);

describe('losses', () => {
  it('rateCrossEntropy = CE(mean_t outputs, y), with indices or one-hot labels', () => {
    const out = tf.tensor3d(OUT);
    const want = (ce(rate(0), 0) + ce(rate(1), 1)) / 2;
    const idx = tf.tensor1d(LABELS, 'int32');
    const hot = tf.oneHot(idx, 4);
    expect(rateCrossEntropy(out, idx).dataSync()[0]).toBeCloseTo(want, 5);
    expect(rateCrossEntropy(out, hot).dataSync()[0]).toBeCloseTo(want, 5);
    const scaled =
      (ce(
        rate(0).map((r) => 5 * r),
        0,
      ) +
        ce(
          rate(1).map((r) => 5 * r),
          1,
        )) /
      2;
    expect(rateCrossEntropy(out, idx, { scale: 5 }).dataSync()[0]).toBeCloseTo(scaled, 5);
    dispose([out, idx, hot]);
  });
  it("rateMse = mean (rate − onehot)² (SpikingJelly's classic example)", () => {
    const out = tf.tensor3d(OUT);
    const idx = tf.tensor1d(LABELS, 'int32');
    let sum = 0;
    for (const b of [0, 1]) {
      rate(b).forEach((r, c) => {
        sum += (r - (c === LABELS[b] ? 1 : 0)) ** 2;
      });
    }
    expect(rateMse(out, idx).dataSync()[0]).toBeCloseTo(sum / 8, 6);
    dispose([out, idx]);
  });
  it('tetLoss = mean over t of CE(outputs[t], y), plus λ·MSE to φ', () => {
    const out = tf.tensor3d(OUT);
    const idx = tf.tensor1d(LABELS, 'int32');
    let want = 0;
    for (let t = 0; t < T; t++) want += (ce(OUT[t]![0]!, 0) + ce(OUT[t]![1]!, 1)) / 2;
    want /= T;
    expect(tetLoss(out, idx).dataSync()[0]).toBeCloseTo(want, 5);
    const mse = OUT.flat(2).reduce((a, v) => a + (v - 1) ** 2, 0) / 24;
    expect(tetLoss(out, idx, { lambda: 0.25, phi: 1 }).dataSync()[0]).toBeCloseTo(0.75 * want + 0.25 * mse, 5);
    dispose([out, idx]);
  });
  it('crossEntropy, firingRate and predict', () => {
    const logits = tf.tensor2d([
      [2, 0],
      [0, 3],
    ]);
    const y = tf.tensor1d([0, 0], 'int32');
    expect(crossEntropy(logits, y).dataSync()[0]).toBeCloseTo((ce([2, 0], 0) + ce([0, 3], 0)) / 2, 5);
    const out = tf.tensor3d(OUT);
    expect(Array.from(firingRate(out).dataSync())).toEqual([...rate(0), ...rate(1)].map((v) => Math.fround(v)));
    expect(Array.from(predict(out).dataSync())).toEqual([0, 1]);
    dispose([logits, y, out]);
  });
  it('gradients flow to the outputs', () => {
    const out = tf.tensor3d(OUT);
    const idx = tf.tensor1d(LABELS, 'int32');
    for (const loss of [rateCrossEntropy, rateMse, tetLoss]) {
      const g = tf.grad((o: tf.Tensor) => loss(o, idx))(out);
      expect(Math.abs(tf.sum(g).dataSync()[0] as number) + tf.max(tf.abs(g)).dataSync()[0]!).toBeGreaterThan(0);
      g.dispose();
    }
    dispose([out, idx]);
  });
  it('rejects wrong shapes with a message naming the argument', () => {
    const out = tf.tensor3d(OUT);
    const bad = tf.tensor1d([0, 1, 2], 'int32');
    expect(() => rateMse(out, bad)).toThrow(/labels/);
    expect(() => rateCrossEntropy(tf.zeros([2, 4]), bad)).toThrow(/\[T, B, C\]/);
    dispose([out, bad]);
  });
  it('every loss leaves no tensor behind but its result', () => {
    const out = tf.tensor3d(OUT);
    const idx = tf.tensor1d(LABELS, 'int32');
    for (const loss of [rateCrossEntropy, rateMse, tetLoss]) expect(leakedBy(() => loss(out, idx))).toBe(0);
    expect(leakedBy(() => tetLoss(out, idx, { lambda: 0.5 }))).toBe(0);
    expect(leakedBy(() => predict(out))).toBe(0);
    expect(leakedBy(() => firingRate(out))).toBe(0);
    dispose([out, idx]);
  });
});
