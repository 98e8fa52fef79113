import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { legacyStdpStep, stdpConv2dStep, stdpInitialTraces, stdpLinearStep, type StdpConfig } from '../src/stdp.js';

const TAU_PRE = 4;
const TAU_POST = 6;
const LR = 0.1;

function leakFree(body: () => void): void {
  const before = tf.memory().numTensors;
  tf.tidy(body);
  expect(tf.memory().numTensors).toBe(before);
}

/** Runs the linear rule over spike trains `[T][B][n]` from W0; returns the final weight as numbers. */
function runLinear(config: StdpConfig, w0: number[][], pre: number[][][], post: number[][][]): number[][] {
  let traces = stdpInitialTraces([pre[0]?.length ?? 0, w0[0]?.length ?? 0], [post[0]?.length ?? 0, w0.length]);
  let w = tf.tensor(w0);
  pre.forEach((sp, t) => {
    [traces, w] = stdpLinearStep(config, traces, w, tf.tensor(sp), tf.tensor(post[t] as number[][]));
  });
  return w.arraySync() as number[][];
}

const spikeTrain = (T: number, B: number, n: number) =>
  fc.array(fc.array(fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }), { minLength: B, maxLength: B }), {
    minLength: T,
    maxLength: T,
  });

describe('trace-based pair STDP (stdpLinearStep, stdpConv2dStep)', () => {
  it('pre before post potentiates: one pair Δ steps apart gives ΔW = lr·f_post(W)·(1 - 1/τ_pre)^Δ', () => {
    for (const delta of [1, 2, 5]) {
      leakFree(() => {
        const T = delta + 1;
        const pre = Array.from({ length: T }, (_, t) => [[t === 0 ? 1 : 0]]);
        const post = Array.from({ length: T }, (_, t) => [[t === delta ? 1 : 0]]);
        const w = runLinear({ tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR, fPost: (x) => tf.sub(2, x) }, [[0.5]], pre, post);
        expect(w[0]?.[0]).toBeCloseTo(0.5 + LR * 1.5 * (1 - 1 / TAU_PRE) ** delta, 6);
      });
    }
  });

  it('post before pre depresses: ΔW = -lr·f_pre(W)·(1 - 1/τ_post)^Δ', () => {
    for (const delta of [1, 3]) {
      leakFree(() => {
        const T = delta + 1;
        const pre = Array.from({ length: T }, (_, t) => [[t === delta ? 1 : 0]]);
        const post = Array.from({ length: T }, (_, t) => [[t === 0 ? 1 : 0]]);
        const w = runLinear({ tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR, fPre: (x) => tf.mul(x, 2) }, [[0.5]], pre, post);
        expect(w[0]?.[0]).toBeCloseTo(0.5 - LR * 1.0 * (1 - 1 / TAU_POST) ** delta, 6);
      });
    }
  });

  it('the change shrinks as the pair moves apart, and simultaneous spikes give lr·(f_post - f_pre)', () => {
    leakFree(() => {
      const change = (delta: number): number => {
        const T = Math.abs(delta) + 1;
        const pre = Array.from({ length: T }, (_, t) => [[t === (delta >= 0 ? 0 : -delta) ? 1 : 0]]);
        const post = Array.from({ length: T }, (_, t) => [[t === Math.max(delta, 0) ? 1 : 0]]);
        return runLinear({ tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR }, [[0]], pre, post)[0]?.[0] as number;
      };
      expect(change(1)).toBeGreaterThan(change(2));
      expect(change(2)).toBeGreaterThan(0);
      expect(change(-1)).toBeLessThan(change(-2));
      expect(change(-2)).toBeLessThan(0);
      const same = runLinear({ tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR, fPre: () => 0.25, fPost: () => 1 }, [[0]], [[[1]]], [[[1]]]);
      expect(same[0]?.[0]).toBeCloseTo(LR * 0.75, 6);
    });
  });

  it('equals the plain-number rule with batched spikes (per-sample traces, updates summed over the batch)', () => {
    fc.assert(
      fc.property(spikeTrain(5, 3, 4), spikeTrain(5, 3, 2), (pre, post) => {
        const w0 = [
          [0.1, -0.2, 0.3, 0.4],
          [0.5, 0.0, -0.1, 0.2],
        ];
        const fPre = (w: number): number => 0.5 * Math.abs(w) + 0.1;
        const fPost = (w: number): number => 1 - w;
        let w = w0.map((r) => r.slice());
        let trPre = pre[0]?.map((r) => r.map(() => 0)) as number[][];
        let trPost = post[0]?.map((r) => r.map(() => 0)) as number[][];
        pre.forEach((sp, t) => {
          const so = post[t] as number[][];
          trPre = trPre.map((r, b) => r.map((v, i) => v - v / TAU_PRE + (sp[b]?.[i] as number)));
          trPost = trPost.map((r, b) => r.map((v, o) => v - v / TAU_POST + (so[b]?.[o] as number)));
          w = w.map((row, o) =>
            row.map((wi, i) => {
              let pot = 0;
              let dep = 0;
              for (let b = 0; b < sp.length; b++) {
                pot += (so[b]?.[o] as number) * (trPre[b]?.[i] as number);
                dep += (trPost[b]?.[o] as number) * (sp[b]?.[i] as number);
              }
              return wi + LR * (fPost(wi) * pot - fPre(wi) * dep);
            }),
          );
        });
        leakFree(() => {
          const got = runLinear(
            { tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR, fPre: (x) => tf.add(tf.mul(tf.abs(x), 0.5), 0.1), fPost: (x) => tf.sub(1, x) },
            w0,
            pre,
            post,
          );
          got.forEach((row, o) => {
            row.forEach((v, i) => {
              expect(Math.abs(v - (w[o]?.[i] as number))).toBeLessThan(1e-5);
            });
          });
        });
      }),
      { numRuns: 20 },
    );
  });

  it('traces decay geometrically without spikes: tr[t + n] = (1 - 1/τ)ⁿ·tr[t]', () => {
    leakFree(() => {
      let traces = { pre: tf.tensor([[2, 1]]), post: tf.tensor([[3]]) };
      let w = tf.zeros([1, 2]);
      for (let n = 0; n < 4; n++)
        [traces, w] = stdpLinearStep({ tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR }, traces, w, tf.zeros([1, 2]), tf.zeros([1, 1]));
      expect(traces.pre.dataSync()[0]).toBeCloseTo(2 * (1 - 1 / TAU_PRE) ** 4, 6);
      expect(traces.post.dataSync()[0]).toBeCloseTo(3 * (1 - 1 / TAU_POST) ** 4, 6);
      expect(Array.from(w.dataSync())).toEqual([0, 0]);
    });
  });

  it('conv2d: equals the plain-number correlation of post spikes with pre traces (and of post traces with pre spikes)', () => {
    fc.assert(
      fc.property(spikeTrain(3, 2, 2 * 5 * 5), spikeTrain(3, 2, 2 * 5 * 5), fc.constantFrom(1, 2), (preFlat, postFlat, stride) => {
        // pre [B, 2, 5, 5], kernel 3, padding 1, stride s → post [B, 2, OH, OW]
        const OH = Math.floor((5 + 2 - 3) / stride) + 1;
        const pre = preFlat.map((bs) => bs.map((v) => v));
        const post = postFlat.map((bs) => bs.map((v) => v.slice(0, 2 * OH * OH)));
        const w0 = Array.from({ length: 2 * 2 * 9 }, (_, i) => ((i * 7) % 11) / 10 - 0.5);
        const idxPre = (c: number, r: number, q: number): number => c * 25 + r * 5 + q;
        const idxPost = (o: number, i: number, j: number): number => o * OH * OH + i * OH + j;
        let w = w0.slice();
        let trPre = pre[0]?.map((r) => r.map(() => 0)) as number[][];
        let trPost = post[0]?.map((r) => r.map(() => 0)) as number[][];
        pre.forEach((sp, t) => {
          const so = post[t] as number[][];
          trPre = trPre.map((r, b) => r.map((v, i) => v - v / TAU_PRE + (sp[b]?.[i] as number)));
          trPost = trPost.map((r, b) => r.map((v, i) => v - v / TAU_POST + (so[b]?.[i] as number)));
          w = w.map((wv, flat) => {
            const [o, c, u, v] = [Math.floor(flat / 18), Math.floor(flat / 9) % 2, Math.floor(flat / 3) % 3, flat % 3];
            let pot = 0;
            let dep = 0;
            for (let b = 0; b < sp.length; b++)
              for (let i = 0; i < OH; i++)
                for (let j = 0; j < OH; j++) {
                  const r = i * stride + u - 1;
                  const q = j * stride + v - 1;
                  if (r < 0 || r >= 5 || q < 0 || q >= 5) continue;
                  pot += (so[b]?.[idxPost(o, i, j)] as number) * (trPre[b]?.[idxPre(c, r, q)] as number);
                  dep += (trPost[b]?.[idxPost(o, i, j)] as number) * (sp[b]?.[idxPre(c, r, q)] as number);
                }
            return wv + LR * (pot - dep);
          });
        });
        leakFree(() => {
          let traces = stdpInitialTraces([2, 2, 5, 5], [2, 2, OH, OH]);
          let wt = tf.tensor(w0, [2, 2, 3, 3]);
          pre.forEach((sp, t) => {
            [traces, wt] = stdpConv2dStep(
              { tauPre: TAU_PRE, tauPost: TAU_POST, lr: LR, stride, padding: 1 },
              traces,
              wt,
              tf.tensor(sp, [2, 2, 5, 5]),
              tf.tensor(post[t] as number[][], [2, 2, OH, OH]),
            );
          });
          const got = wt.dataSync();
          w.forEach((v, i) => {
            expect(Math.abs((got[i] as number) - v)).toBeLessThan(1e-4);
          });
        });
      }),
      { numRuns: 10 },
    );
  });

  it('rejects τ < 1, unbatched spikes and mismatched shapes, naming the argument', () => {
    leakFree(() => {
      const c = { tauPre: 2, tauPost: 2, lr: 0.1 };
      const tr = stdpInitialTraces([1, 3], [1, 2]);
      const w = tf.zeros([2, 3]);
      expect(() => stdpLinearStep({ ...c, tauPre: 0.5 }, tr, w, tf.zeros([1, 3]), tf.zeros([1, 2]))).toThrow(
        /stdpLinearStep: argument 'tauPre' expected a time constant >= 1/,
      );
      expect(() => stdpLinearStep(c, tr, w, tf.zeros([3]), tf.zeros([1, 2]))).toThrow(/argument 'sPre' expected rank 2/);
      expect(() => stdpLinearStep(c, tr, w, tf.zeros([1, 4]), tf.zeros([1, 2]))).toThrow(/argument 'sPre' expected size 3 on axis 1/);
      expect(() => stdpLinearStep(c, tr, w, tf.zeros([1, 3]), tf.zeros([2, 2]))).toThrow(/argument 'sPost' expected size 1 on axis 0/);
      expect(() => stdpLinearStep(c, stdpInitialTraces([2, 3], [2, 2]), w, tf.zeros([1, 3]), tf.zeros([1, 2]))).toThrow(
        /argument 'traces.pre'/,
      );
      expect(() =>
        stdpConv2dStep(
          c,
          stdpInitialTraces([1, 1, 4, 4], [1, 1, 3, 3]),
          tf.zeros([1, 1, 3, 3]),
          tf.zeros([1, 1, 4, 4]),
          tf.zeros([1, 1, 3, 3]),
        ),
      ).toThrow(/stdpConv2dStep: argument 'sPost' expected shape \[1, 1, 2, 2\]/);
    });
  });
});

describe('legacyStdpStep (SpikingJelly 0.0.0.0.8 STDPLearner.stdp)', () => {
  const fPre = (w: tf.Tensor): tf.Tensor => tf.add(tf.abs(w), 0.1);
  const fPost = (w: tf.Tensor): tf.Tensor => tf.neg(tf.add(tf.abs(w), 0.1));

  it('moves W by lr·(f_pre(W)·s_pre[None, :] + f_post(W)·s_post[:, None]) and never reads its traces', () => {
    leakFree(() => {
      const w0 = [
        [0.2, -0.4],
        [0.0, 1.0],
        [-0.3, 0.5],
      ];
      const sPre = [1, 0];
      const sPost = [0, 1, 1];
      const cfg = { tauPre: 3, tauPost: 5, lr: 0.5, fPre, fPost };
      const want = w0.map((row, o) =>
        row.map((w, i) => w + 0.5 * ((Math.abs(w) + 0.1) * (sPre[i] as number) - (Math.abs(w) + 0.1) * (sPost[o] as number))),
      );
      const [tr, w] = legacyStdpStep(cfg, stdpInitialTraces([2], [3]), tf.tensor(w0), tf.tensor(sPre), tf.tensor(sPost));
      (w.arraySync() as number[][]).forEach((row, o) => {
        row.forEach((v, i) => {
          expect(v).toBeCloseTo(want[o]?.[i] as number, 6);
        });
      });
      expect(Array.from(tr.pre.dataSync())).toEqual([1, 0]);
      const [, w2] = legacyStdpStep(
        cfg,
        { pre: tf.tensor([7, 9]), post: tf.tensor([1, 2, 3]) },
        tf.tensor(w0),
        tf.tensor(sPre),
        tf.tensor(sPost),
      );
      expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    });
  });

  it('rejects batched spikes with an error naming sPre (the trace-based rule accepts them)', () => {
    leakFree(() => {
      const cfg = { tauPre: 3, tauPost: 5, lr: 0.5, fPre, fPost };
      expect(() => legacyStdpStep(cfg, stdpInitialTraces([1, 2], [1, 3]), tf.zeros([3, 2]), tf.zeros([1, 2]), tf.zeros([1, 3]))).toThrow(
        /legacyStdpStep: argument 'sPre' expected rank 1 \(\[in\], unbatched spikes; the seed rule does not support a batch axis/,
      );
      const [, w] = stdpLinearStep(
        { tauPre: 3, tauPost: 5, lr: 0.5 },
        stdpInitialTraces([1, 2], [1, 3]),
        tf.zeros([3, 2]),
        tf.zeros([1, 2]),
        tf.zeros([1, 3]),
      );
      expect(w.shape).toEqual([3, 2]);
    });
  });
});
