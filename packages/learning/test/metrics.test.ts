import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { ABSTAIN, accuracy, classMetrics, confusionMatrix, decide } from '../src/metrics.js';

/** Scores [B, C] of small integers (spike counts of T = 3 steps): many ties and silent rows. */
const scores = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }))
  .chain(([C, B]) => fc.tuple(fc.constant(C), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: B * C, maxLength: B * C })));

/** Labels and predictions (some abstentions) over C classes. */
const pairs = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }))
  .chain(([C, n]) =>
    fc.tuple(
      fc.constant(C),
      fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: -1, max: C - 1 }), { minLength: n, maxLength: n }),
    ),
  );

describe('decide (the tie rule)', () => {
  it("'lowest' predicts what tf.argMax predicts (ties to the lowest class, silent rows to class 0)", () => {
    fc.assert(
      fc.property(scores, ([C, s]) => {
        const B = s.length / C;
        const ref = tf.tidy(() => tf.argMax(tf.tensor2d(s, [B, C]), 1).dataSync());
        expect(Array.from(decide(s, C).predictions)).toEqual(Array.from(ref));
      }),
      { numRuns: 200 },
    );
  });
  it('counts ties and silent rows, and abstains on exactly those under the abstain rule', () => {
    fc.assert(
      fc.property(scores, ([C, s]) => {
        const B = s.length / C;
        const rows = Array.from({ length: B }, (_, b) => s.slice(b * C, (b + 1) * C));
        const silent = rows.filter((r) => r.every((v) => v === 0)).length;
        const ties = rows.filter((r) => r.some((v) => v !== 0) && r.filter((v) => v === Math.max(...r)).length > 1).length;
        const lowest = decide(s, C);
        const abstain = decide(s, C, { ties: 'abstain' });
        expect([lowest.ties, lowest.silent, abstain.ties, abstain.silent]).toEqual([ties, silent, ties, silent]);
        rows.forEach((r, b) => {
          const undecided = r.filter((v) => v === Math.max(...r)).length > 1;
          expect(abstain.predictions[b]).toBe(undecided ? ABSTAIN : lowest.predictions[b]);
        });
      }),
      { numRuns: 200 },
    );
  });
  it('by hand: a clear winner, a tie, a silent row', () => {
    const d = decide([0, 3, 1, 2, 2, 0, 0, 0, 0], 3);
    expect([Array.from(d.predictions), d.ties, d.silent]).toEqual([[1, 0, 0], 1, 1]);
    expect(Array.from(decide([0, 3, 1, 2, 2, 0, 0, 0, 0], 3, { ties: 'abstain' }).predictions)).toEqual([1, -1, -1]);
    // a single class is never a tie; its silent rows are still counted
    expect(decide([0, 5], 1)).toEqual({ predictions: Int32Array.from([0, 0]), ties: 0, silent: 1 });
  });
  it('refuses non-finite scores, a ragged length and a bad rule, naming the argument', () => {
    expect(() => decide([0, Number.NaN], 2)).toThrow(/decide: argument 'scores' expected finite numbers, got NaN at example 0, class 1/);
    expect(() => decide([1, 2, 3], 2)).toThrow(/a multiple of 2 values/);
    expect(() => decide([1, 2], 0)).toThrow(SpikefnArgumentError);
    expect(() => decide([1, 2], 2, { ties: 'random' as never })).toThrow(/options.ties/);
  });
});

describe('accuracy, confusionMatrix, classMetrics', () => {
  it('by hand: 5 examples, 3 classes, one abstention', () => {
    const labels = [0, 0, 1, 1, 2];
    const preds = [0, 1, 1, 1, ABSTAIN];
    expect(accuracy(labels, preds)).toBe(3 / 5);
    const cm = confusionMatrix(labels, preds, 3);
    expect(cm).toEqual({
      classes: 3,
      counts: [
        [1, 1, 0],
        [0, 2, 0],
        [0, 0, 0],
      ],
      abstained: [0, 0, 1],
      total: 5,
    });
    const m = classMetrics(cm);
    expect(m.precision).toEqual([1, 2 / 3, 0]); // class 2 never predicted: 0
    expect(m.recall).toEqual([1 / 2, 1, 0]);
    expect(m.f1[0]).toBeCloseTo(2 / 3, 12); // 2·1·½ / (1 + ½)
    expect(m.f1[1]).toBeCloseTo(0.8, 12); // 2·⅔·1 / (⅔ + 1)
    expect(m.f1[2]).toBe(0);
    expect(m.macroF1).toBeCloseTo((2 / 3 + 0.8) / 3, 12);
    expect([m.support, m.accuracy]).toEqual([[2, 2, 1], 3 / 5]);
  });
  it('laws: counts sum to n, rows to the class counts, trace/n = accuracy = Σ recall·support / n, F1 between P and R', () => {
    fc.assert(
      fc.property(pairs, ([C, y, p]) => {
        const cm = confusionMatrix(y, p, C);
        const n = y.length;
        const sum = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0);
        expect(sum(cm.counts.map(sum)) + sum(cm.abstained)).toBe(n);
        cm.counts.forEach((row, c) => {
          expect(sum(row) + (cm.abstained[c] as number)).toBe(y.filter((v) => v === c).length);
        });
        const acc = accuracy(y, p);
        expect(acc).toBeCloseTo(sum(cm.counts.map((r, c) => r[c] as number)) / n, 12);
        const m = classMetrics(cm);
        expect(m.accuracy).toBeCloseTo(acc, 12);
        expect(sum(m.recall.map((r, c) => r * (m.support[c] as number))) / n).toBeCloseTo(acc, 12);
        m.f1.forEach((f, c) => {
          const [lo, hi] = [
            Math.min(m.precision[c] as number, m.recall[c] as number),
            Math.max(m.precision[c] as number, m.recall[c] as number),
          ];
          expect(f).toBeGreaterThanOrEqual(lo - 1e-12);
          expect(f).toBeLessThanOrEqual(hi + 1e-12);
        });
      }),
      { numRuns: 300 },
    );
  });
  it('accuracy does not depend on the order of the examples', () => {
    fc.assert(
      fc.property(pairs, fc.infiniteStream(fc.nat()), ([, y, p], r) => {
        const order = y.map((_, i) => i);
        const draws = r.take(order.length);
        for (const [i, j] of Array.from(draws).entries()) {
          const k = j % (i + 1);
          [order[i], order[k]] = [order[k] as number, order[i] as number];
        }
        expect(
          accuracy(
            order.map((i) => y[i] as number),
            order.map((i) => p[i] as number),
          ),
        ).toBeCloseTo(accuracy(y, p), 12);
      }),
    );
  });
  it('refuses mismatched lengths, no examples, labels out of range and non-integer predictions', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/accuracy: argument 'predictions' expected as many values as labels \(2\), got 1/);
    expect(() => accuracy([], [])).toThrow(/at least one example/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(
      /confusionMatrix: argument 'labels' expected class indices in 0..2, got 3 at 1/,
    );
    expect(() => confusionMatrix([0, 1], [0, 0.5], 3)).toThrow(/'predictions'/);
    expect(() => accuracy([Number.NaN], [0])).toThrow(/'labels'/);
    expect(() => accuracy([0], [-2])).toThrow(/'predictions'/);
  });
});
