// redundantOneHot, firstSpikeIndex, spikeCluster and thresholdMargin (SpikingJelly 0.0.0.0.8's redundant_one_hot,
// first_spike_index, spike_cluster and set_threshold_margin): their definitions as properties, hand-checked cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { redundantOneHot } from '../src/label-codes.js';
import { firstSpikeIndex } from '../src/spike-timing.js';
import { spikeCluster } from '../src/spike-cluster.js';
import { thresholdMargin } from '../src/threshold-margin.js';

describe('redundantOneHot', () => {
  it('row b has n ones at labels[b]·n .. labels[b]·n + n − 1 and zeros elsewhere, float32 [B, C·n]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        (C, n, raw) => {
          const labels = raw.map((l) => l % C);
          const codes = tf.tidy(() => {
            const t = redundantOneHot(tf.tensor1d(labels, 'int32'), C, n);
            expect(t.dtype).toBe('float32');
            expect(t.shape).toEqual([labels.length, C * n]);
            return t.arraySync() as number[][];
          });
          codes.forEach((row, b) => {
            row.forEach((v, j) => {
              expect(v).toBe(j >= (labels[b] as number) * n && j < ((labels[b] as number) + 1) * n ? 1 : 0);
            });
          });
        },
      ),
      { numRuns: 60, seed: 21 },
    );
  });

  it("SpikingJelly's docstring example: labels [0, 1, 1, 0], 3 classes, n = 2; float32 labels work too", () => {
    const want = [
      [1, 1, 0, 0, 0, 0],
      [0, 0, 1, 1, 0, 0],
      [0, 0, 1, 1, 0, 0],
      [1, 1, 0, 0, 0, 0],
    ];
    expect(tf.tidy(() => redundantOneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 3, 2).arraySync())).toEqual(want);
    expect(tf.tidy(() => redundantOneHot(tf.tensor1d([0, 1, 1, 0]), 3, 2).arraySync())).toEqual(want);
  });

  it('rejects labels outside [0, numClasses) or not integers, and bad sizes, naming the argument', () => {
    const ok = tf.tensor1d([0, 2], 'int32');
    expect(() => redundantOneHot(ok, 2, 1)).toThrow(
      /redundantOneHot: argument 'labels' expected class indices, integers in \[0, 2\), got 2 at index 1/,
    );
    expect(() => redundantOneHot(tf.tensor1d([0.5]), 2, 1)).toThrow(SpikefnArgumentError);
    expect(() => redundantOneHot(ok, 3, 0)).toThrow(/argument 'n' expected an integer >= 1/);
    expect(() => redundantOneHot(tf.zeros([2, 2], 'int32'), 3, 1)).toThrow(/argument 'labels' expected rank 1/);
    expect(leakedBy(() => redundantOneHot(ok, 3, 2))).toBe(0);
    ok.dispose();
  });
});

describe('firstSpikeIndex', () => {
  const spikesArb = fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }))
    .chain(([n, t]) => fc.array(fc.array(fc.constantFrom(0, 1), { minLength: t, maxLength: t }), { minLength: n, maxLength: n }));

  it("is SpikingJelly's cumsum(cumsum(s)) == 1 along the time axis: true exactly at each neuron's first spike", () => {
    fc.assert(
      fc.property(spikesArb, (rows) => {
        const got = tf.tidy(() => {
          const m = firstSpikeIndex(tf.tensor2d(rows), { timeAxis: -1 });
          expect(m.dtype).toBe('bool');
          return m.arraySync() as number[][];
        });
        rows.forEach((row, i) => {
          let c = 0;
          let cc = 0;
          row.forEach((s, t) => {
            c += s;
            cc += c;
            expect(got[i]?.[t] === 1, `row ${i}, t ${t}`).toBe(cc === 1);
          });
          expect((got[i] as number[]).filter((v) => v === 1).length).toBe(row.includes(1) ? 1 : 0);
        });
      }),
      { numRuns: 100, seed: 22 },
    );
  });

  it('timeAxis 0 (spikefn sequences [T, ...]) is the transpose of timeAxis −1', () => {
    fc.assert(
      fc.property(spikesArb, (rows) => {
        tf.tidy(() => {
          const x = tf.tensor2d(rows);
          const last = firstSpikeIndex(x, { timeAxis: -1 });
          const first = firstSpikeIndex(tf.transpose(x), { timeAxis: 0 });
          expect(tf.transpose(first).arraySync()).toEqual(last.arraySync());
          expect(firstSpikeIndex(x, { timeAxis: 1 }).arraySync()).toEqual(last.arraySync());
        });
      }),
      { numRuns: 40, seed: 23 },
    );
  });

  it("SpikingJelly's docstring example [2, 3, 8]; bad axes are refused", () => {
    const s = [
      [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 1, 0],
        [0, 1, 0, 0, 0, 1, 0, 1],
      ],
      [
        [0, 0, 1, 1, 0, 0, 0, 1],
        [1, 1, 0, 0, 1, 0, 0, 0],
        [0, 0, 0, 1, 0, 0, 0, 0],
      ],
    ];
    const firstAt = [
      [-1, 0, 1],
      [2, 0, 3],
    ];
    const got = tf.tidy(() => firstSpikeIndex(tf.tensor3d(s), { timeAxis: -1 }).arraySync() as number[][][]);
    got.forEach((plane, a) => {
      plane.forEach((row, b) => {
        row.forEach((v, t) => {
          expect(v === 1).toBe(t === firstAt[a]?.[b]);
        });
      });
    });
    const x = tf.zeros([2, 3]);
    expect(() => firstSpikeIndex(x, { timeAxis: 2 })).toThrow(
      /firstSpikeIndex: argument 'options.timeAxis' expected an axis of spikes \[2, 3\], got 2/,
    );
    expect(() => firstSpikeIndex(x, {} as { timeAxis: number })).toThrow(SpikefnArgumentError);
    expect(leakedBy(() => firstSpikeIndex(x, { timeAxis: 0 }))).toBe(0);
    x.dispose();
  });
});

describe('spikeCluster (STCA)', () => {
  /** Clusters of a 0/1 train: spikes no more than tIn apart join; returns [start, end, size] of each. */
  const clustersOf = (s: readonly number[], tIn: number): [number, number, number][] => {
    const out: [number, number, number][] = [];
    s.forEach((v, t) => {
      if (v !== 1) return;
      const last = out[out.length - 1];
      if (last !== undefined && t - last[1] <= tIn) {
        last[1] = t;
        last[2] += 1;
      } else out.push([t, t, 1]);
    });
    return out;
  };

  const caseArb = fc
    .tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }))
    .chain(([T, N, tIn]) =>
      fc.record({
        v: fc.array(fc.array(fc.float({ min: -1, max: 2, noNaN: true, noDefaultInfinity: true }), { minLength: N, maxLength: N }), {
          minLength: T,
          maxLength: T,
        }),
        tIn: fc.constant(tIn),
      }),
    );

  it('N_o counts the clusters; kNegative marks the last spike of the first smallest cluster; kPositive a step no cluster reaches', () => {
    fc.assert(
      fc.property(caseArb, ({ v, tIn }) => {
        const T = v.length;
        const N = (v[0] as number[]).length;
        const vf = v.map((r) => r.map(Math.fround));
        const r = tf.tidy(() => {
          const out = spikeCluster(tf.tensor2d(vf), 1, tIn);
          return {
            n: Array.from(out.clusters.dataSync()),
            kp: out.kPositive.arraySync() as number[][],
            kn: out.kNegative.arraySync() as number[][],
          };
        });
        const vMin = Math.min(...vf.flat());
        for (let n = 0; n < N; n++) {
          const s = vf.map((row) => ((row[n] as number) >= 1 ? 1 : 0));
          const cl = clustersOf(s, tIn);
          expect(r.n[n]).toBe(cl.length);
          // kNegative: the end of the first cluster of the smallest size (none without spikes).
          const smallest = cl.reduce<[number, number, number] | undefined>(
            (best, c) => (best === undefined || c[2] < best[2] ? c : best),
            undefined,
          );
          for (let t = 0; t < T; t++)
            expect(r.kn[t]?.[n] === 1, `kNegative t ${t} n ${n}`).toBe(smallest !== undefined && t === smallest[1]);
          // kPositive: at most one step; where some silent step is farther than tIn from every spike and above the
          // global minimum, it is the first such step with the largest v.
          const free = Array.from({ length: T }, (_, t) => t).filter(
            (t) => s[t] === 0 && s.every((x, u) => x === 0 || Math.abs(u - t) > tIn) && (vf[t]?.[n] as number) > vMin,
          );
          const marked = Array.from({ length: T }, (_, t) => t).filter((t) => r.kp[t]?.[n] === 1);
          expect(marked.length).toBeLessThanOrEqual(1);
          if (free.length > 0) {
            const best = free.reduce((b, t) => ((vf[t]?.[n] as number) > (vf[b]?.[n] as number) ? t : b), free[0] as number);
            expect(marked).toEqual([best]);
          }
        }
      }),
      { numRuns: 150, seed: 24 },
    );
  });

  it('a hand-checked train: spikes at t = 0, 2, 6, 7 with T_in = 1', () => {
    // v ≥ 1 at t = 0, 2, 6, 7 (clusters {0}, {2}, {6, 7}); the quiet steps 4 (v 0.8) and 9 (v 0.9) are more than
    // T_in from every spike; the others sit next to a spike.
    const v = [1.2, 0.1, 1.5, 0.3, 0.8, 0.2, 1.1, 1.3, 0.0, 0.9];
    const r = spikeCluster(tf.tensor2d(v, [10, 1]), 1, 1);
    expect(Array.from(r.clusters.dataSync())).toEqual([3]);
    // Smallest clusters: {0} and {2}, size 1: the first one's last spike, t = 0.
    expect(Array.from(r.kNegative.dataSync())).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Candidates 4 (0.8) and 9 (0.9): the larger, t = 9.
    expect(Array.from(r.kPositive.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(r.kPositive.dtype).toBe('bool');
    tf.dispose([r.clusters, r.kPositive, r.kNegative]);
  });

  it('takes a per-neuron threshold tensor [N]; rejects bad shapes and T_in, naming the argument; leaks nothing', () => {
    const v = tf.tensor2d([
      [0.5, 0.5],
      [1.5, 1.5],
    ]);
    const th = tf.tensor1d([1, 2]);
    const r = spikeCluster(v, th, 1);
    expect(Array.from(r.clusters.dataSync())).toEqual([1, 0]);
    tf.dispose([r.clusters, r.kPositive, r.kNegative]);
    expect(() => spikeCluster(v, tf.tensor1d([1, 2, 3]), 1)).toThrow(
      /spikeCluster: argument 'vThreshold' expected a number or a tensor \[2\]/,
    );
    expect(() => spikeCluster(v, 1, 0)).toThrow(/argument 'tIn' expected an integer >= 1/);
    expect(() => spikeCluster(tf.zeros([2, 2, 2]), 1, 1)).toThrow(/argument 'v' expected rank 2/);
    expect(leakedBy(() => spikeCluster(v, th, 2))).toBe(0);
    tf.dispose([v, th]);
  });
});

describe('thresholdMargin', () => {
  it('training: threshold1 where the label is 1, threshold0 elsewhere, shaped like the labels; evaluation: the number', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(0, 1), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        f32pair(),
        (labels, [t0, t1]) => {
          const got = tf.tidy(
            () =>
              (
                thresholdMargin(tf.tensor2d(labels), { training: true, threshold0: t0, threshold1: t1 }) as tf.Tensor
              ).arraySync() as number[][],
          );
          labels.forEach((row, b) => {
            row.forEach((l, c) => {
              expect(got[b]?.[c]).toBe(Math.fround(l === 1 ? t1 : t0));
            });
          });
        },
      ),
      { numRuns: 40, seed: 25 },
    );
    const y = tf.tensor2d([[0, 1]], undefined, 'int32');
    expect(thresholdMargin(y, { training: false })).toBe(1);
    expect(thresholdMargin(y, { training: false, evalThreshold: 0.7 })).toBe(0.7);
    const d = thresholdMargin(y, { training: true });
    expect(Array.from(d.dataSync())).toEqual([Math.fround(0.9), Math.fround(1.1)]);
    d.dispose();
    expect(() => thresholdMargin(y, {} as { training: boolean })).toThrow(
      /thresholdMargin: argument 'options.training' expected a boolean/,
    );
    expect(() => thresholdMargin(y, { training: true, threshold1: Number.NaN })).toThrow(/'options.threshold1' expected a finite number/);
    expect(leakedBy(() => thresholdMargin(y, { training: true }))).toBe(0);
    y.dispose();
  });
});

function f32pair(): fc.Arbitrary<[number, number]> {
  const f = fc.float({ min: Math.fround(0.1), max: 2, noNaN: true, noDefaultInfinity: true });
  return fc.tuple(f, f);
}
