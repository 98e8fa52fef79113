// kernelDotProduct and spikeSimilarLoss (SpikingJelly's kernel_dot_product / spike_similar_loss) against their
// equations evaluated here in float64, and tetLoss over extra (spatial) axes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { kernelDotProduct, spikeSimilarLoss, type SimilarityKernel, type SimilarityLoss } from '../src/similarity.js';
import { tetLoss } from '../src/losses.js';

type M = number[][];
const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);
const sig = (z: number): number => 1 / (1 + Math.exp(-z));

/** κ(a, b) from the kernel's definition (gaussian from the distance, not from the norms). */
function kappa(k: SimilarityKernel, a: readonly number[], b: readonly number[]): number {
  switch (k.kind) {
    case 'linear':
      return dot(a, b);
    case 'polynomial':
      return dot(a, b) ** k.d;
    case 'sigmoid':
      return sig(k.alpha * dot(a, b));
    case 'gaussian':
      return Math.exp(-a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0) / (2 * k.sigma * k.sigma));
  }
}

/** The predicted and the label similarity of examples i and j, in float64. */
function pair(S: M, L: M, k: SimilarityKernel, i: number, j: number): [number, number] {
  const si = S[i] as number[];
  const sj = S[j] as number[];
  let p = kappa(k, si, sj);
  if (k.kind === 'linear') p /= Math.sqrt(dot(si, si)) * Math.sqrt(dot(sj, sj)) + 1e-8;
  return [p, Math.min(1, dot(L[i] as number[], L[j] as number[]))];
}

/**
 * Whether bce has a term where a certain, wrong prediction sits within float32 rounding of 0 or 1 (P ≈ 1 with Y = 0,
 * or P ≈ 0 with Y = 1, but not exactly): there −log(1 − P) is about 18 in float64 and 100 (the clamp) or ~16 in
 * float32, for spikefn as for PyTorch in float32 (the fixtures' README, surprise 3). No float32 port matches float64 there.
 */
function bceDegenerate(S: M, L: M, k: SimilarityKernel): boolean {
  for (let i = 0; i < S.length; i++)
    for (let j = 0; j < S.length; j++) {
      const [p, y] = pair(S, L, k, i, j);
      if ((y === 0 && p > 1 - 1e-5 && p !== 1) || (y === 1 && p < 1e-5 && p !== 0)) return true;
    }
  return false;
}

/** spike_similar_loss from its equations, in float64. */
function ssl64(S: M, L: M, k: SimilarityKernel, loss: SimilarityLoss): number {
  const N = S.length;
  let sum = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      const [p, y] = pair(S, L, k, i, j);
      if (loss === 'mse') sum += (p - y) ** 2;
      else if (loss === 'l1') sum += Math.abs(p - y);
      else {
        const q = Math.min(1, Math.max(0, p));
        sum -= y * Math.max(Math.log(q), -100) + (1 - y) * Math.max(Math.log(1 - q), -100);
      }
    }
  return sum / (N * N);
}

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const matrix = (rows: number, cols: number, min = -1, max = 1) =>
  fc.array(fc.array(f32(min, max), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
const kernelArb: fc.Arbitrary<SimilarityKernel> = fc.oneof(
  fc.constant({ kind: 'linear' } as const),
  fc.integer({ min: 1, max: 3 }).map((d) => ({ kind: 'polynomial', d }) as const),
  f32(-2, 2).map((alpha) => ({ kind: 'sigmoid', alpha }) as const),
  f32(0.5, 3).map((sigma) => ({ kind: 'gaussian', sigma }) as const),
);

describe('kernelDotProduct', () => {
  it('K[i, j] = κ(x_i, y_j) for every kernel, also with N ≠ K rows (SpikingJelly’s gaussian needs N = K)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        kernelArb,
        fc.integer(),
        (n, k, m, kernel, seed) => {
          const x = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => Math.fround(Math.sin(seed + 7 * i + j)))) as M;
          const y = Array.from({ length: k }, (_, i) => Array.from({ length: m }, (_, j) => Math.fround(Math.cos(seed + 5 * i - j)))) as M;
          const got = tf.tidy(() => kernelDotProduct(tf.tensor2d(x), tf.tensor2d(y), kernel).arraySync() as M);
          expect([got.length, got[0]?.length]).toEqual([n, k]);
          got.forEach((row, i) => {
            row.forEach((v, j) => {
              const want = kappa(kernel, x[i] as number[], y[j] as number[]);
              expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
            });
          });
        },
      ),
      { numRuns: 80, seed: 7 },
    );
  });

  it('is symmetric on (x, x); the gaussian is 1 on its diagonal; linear is the default', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([
        [1, 0, 1],
        [0, 1, 1],
      ]);
      expect(kernelDotProduct(x, x).arraySync()).toEqual([
        [2, 1],
        [1, 2],
      ]);
      const g = kernelDotProduct(x, x, { kind: 'gaussian', sigma: 1 }).arraySync() as M;
      expect(g[0]?.[0]).toBeCloseTo(1, 6);
      expect(g[0]?.[1]).toBeCloseTo(Math.exp(-1), 6);
      expect(g[1]?.[0]).toBeCloseTo(g[0]?.[1] as number, 7);
    });
  });

  it('rejects bad shapes and kernel parameters, naming the argument', () => {
    const x = tf.zeros([2, 3]);
    expect(() => kernelDotProduct(x, tf.zeros([2, 4]))).toThrow(/kernelDotProduct: argument 'y' expected \[K, 3\]/);
    expect(() => kernelDotProduct(tf.zeros([3]), x)).toThrow(/argument 'x' expected rank 2/);
    expect(() => kernelDotProduct(x, x, { kind: 'polynomial', d: 1.5 })).toThrow(/'kernel.d' expected an integer >= 1/);
    expect(() => kernelDotProduct(x, x, { kind: 'gaussian', sigma: 0 })).toThrow(/'kernel.sigma' expected a finite number > 0/);
    expect(() => kernelDotProduct(x, x, { kind: 'sigmoid', alpha: Number.NaN })).toThrow(SpikefnArgumentError);
    expect(() => kernelDotProduct(x, x, { kind: 'cosine' } as unknown as SimilarityKernel)).toThrow(/'kernel.kind' expected one of/);
    tf.dispose(x);
  });
});

describe('spikeSimilarLoss', () => {
  const spikesArb = (n: number, m: number) =>
    fc.array(fc.array(fc.constantFrom(0, 1), { minLength: m, maxLength: m }), { minLength: n, maxLength: n });
  const labelsArb = (n: number, c: number) =>
    fc
      .array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })
      .map((ls) => ls.map((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0))));

  it('equals its equations (float64 here) for every kernel × loss, spikes or rates, one- or multi-hot labels', () => {
    const cases = fc
      .tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 4 }))
      .chain(([n, m, c]) =>
        fc.record({
          S: fc.oneof(spikesArb(n, m), matrix(n, m, 0, 1)),
          L: fc.oneof(
            labelsArb(n, c),
            fc.array(fc.array(fc.constantFrom(0, 1), { minLength: c, maxLength: c }), { minLength: n, maxLength: n }),
          ),
          kernel: kernelArb.filter((k) => k.kind !== 'polynomial' || k.d <= 2),
          loss: fc.constantFrom<SimilarityLoss>('mse', 'l1', 'bce'),
        }),
      );
    fc.assert(
      fc.property(cases, ({ S, L, kernel, loss }) => {
        if (loss === 'bce' && (kernel.kind === 'polynomial' || bceDegenerate(S, L, kernel))) return;
        const want = ssl64(S, L, kernel, loss);
        const got = tf.tidy(
          () => spikeSimilarLoss(tf.tensor2d(S), tf.tensor2d(L, undefined, 'int32'), { kernel, loss }).dataSync()[0] as number,
        );
        // bce divides by P(1 − P): float32 rounding of P near 0 or 1 weighs more there than in mse / l1.
        const tol = loss === 'bce' ? 1e-4 * (1 + want) : 1e-5 * (1 + Math.abs(want));
        expect(Math.abs(got - want)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('its gradient equals central differences of the equations (smooth kernels, mse and bce)', () => {
    const S = [
      [0.2, 0.9, 0.4],
      [0.7, 0.1, 0.5],
      [0.3, 0.6, 0.8],
    ];
    const L = [
      [1, 0],
      [0, 1],
      [1, 0],
    ];
    const kernels: SimilarityKernel[] = [
      { kind: 'linear' },
      { kind: 'sigmoid', alpha: 1.5 },
      { kind: 'gaussian', sigma: 0.8 },
      { kind: 'polynomial', d: 2 },
    ];
    for (const kernel of kernels)
      for (const loss of ['mse', 'bce'] as const) {
        if (loss === 'bce' && kernel.kind === 'polynomial') continue;
        const g = tf.tidy(
          () =>
            tf
              .grad((s: tf.Tensor) => spikeSimilarLoss(s, tf.tensor2d(L), { kernel, loss }))(tf.tensor2d(S))
              .arraySync() as M,
        );
        const h = 1e-6;
        S.forEach((row, i) => {
          row.forEach((_, k) => {
            const at = (dx: number) =>
              ssl64(
                S.map((r, ii) => (ii === i ? r.map((v, kk) => (kk === k ? v + dx : v)) : r)),
                L,
                kernel,
                loss,
              );
            const fd = (at(h) - at(-h)) / (2 * h);
            expect(Math.abs((g[i]?.[k] as number) - fd), `${kernel.kind} ${loss} [${i}, ${k}]`).toBeLessThanOrEqual(
              2e-4 * (1 + Math.abs(fd)),
            );
          });
        });
      }
  });

  it('mse and l1 lie in [0, 1] with the linear kernel on non-negative spikes; every loss is >= 0; identical, equally labelled rows give ~0', () => {
    fc.assert(
      fc.property(
        spikesArb(4, 5),
        labelsArb(4, 3),
        kernelArb,
        fc.constantFrom<SimilarityLoss>('mse', 'l1', 'bce'),
        (S, L, kernel, loss) => {
          if (loss === 'bce' && kernel.kind === 'polynomial') return;
          const v = tf.tidy(() => spikeSimilarLoss(tf.tensor2d(S), tf.tensor2d(L), { kernel, loss }).dataSync()[0] as number);
          expect(v).toBeGreaterThanOrEqual(0);
          if (kernel.kind === 'linear' && loss !== 'bce') expect(v).toBeLessThanOrEqual(1 + 1e-6);
        },
      ),
      { numRuns: 100, seed: 12 },
    );
    const same = tf.tidy(
      () =>
        spikeSimilarLoss(
          tf.tensor2d([
            [1, 0, 1],
            [1, 0, 1],
          ]),
          tf.tensor2d([
            [0, 1],
            [0, 1],
          ]),
        ).dataSync()[0] as number,
    );
    expect(same).toBeLessThan(1e-6);
  });

  it('flattens spikes [N, ...]: [N, A, B] gives the loss of [N, A·B]', () => {
    const S = [
      [
        [1, 0],
        [0, 1],
      ],
      [
        [1, 1],
        [0, 0],
      ],
      [
        [0, 1],
        [1, 1],
      ],
    ];
    const L = tf.tensor2d([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const a = tf.tidy(() => spikeSimilarLoss(tf.tensor3d(S), L).dataSync()[0]);
    const b = tf.tidy(() => spikeSimilarLoss(tf.tensor2d(S.map((r) => r.flat())), L).dataSync()[0]);
    expect(a).toBe(b);
    tf.dispose(L);
  });

  it('an all-zero spike row: finite loss and gradient (the norm’s gradient is 0 there, as PyTorch’s)', () => {
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((s: tf.Tensor) =>
            spikeSimilarLoss(
              s,
              tf.tensor2d([
                [1, 0],
                [0, 1],
                [1, 0],
              ]),
            ),
          )(
            tf.tensor2d([
              [0, 0, 0],
              [1, 0, 1],
              [0, 1, 1],
            ]),
          )
          .dataSync(),
      ),
    );
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
  });

  it('bce with the linear kernel clamps P into [0, 1] (SpikingJelly raises when float32 rounds a diagonal above 1): finite', () => {
    // Rows whose squared norm is not a power of two: S_i·S_i/(‖S_i‖² + 1e−8) can round above 1 in float32.
    const S = tf.tensor2d([
      [1, 1, 1, 0, 1],
      [0, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
    ]);
    const L = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    const v = tf.tidy(() => spikeSimilarLoss(S, L, { loss: 'bce' }).dataSync()[0] as number);
    expect(Number.isFinite(v)).toBe(true);
    expect(Math.abs(v - ssl64(S.arraySync() as M, L.arraySync() as M, { kind: 'linear' }, 'bce'))).toBeLessThan(1e-4);
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((s: tf.Tensor) => spikeSimilarLoss(s, L, { loss: 'bce' }))(S)
          .dataSync(),
      ),
    );
    for (const x of g) expect(Number.isFinite(x)).toBe(true);
    tf.dispose([S, L]);
  });

  it('refuses polynomial + bce (not a probability; SpikingJelly raises on the data) and bad arguments, naming them', () => {
    const S = tf.ones([3, 2]);
    const L = tf.tensor2d([[1], [0], [1]]);
    expect(() => spikeSimilarLoss(S, L, { kernel: { kind: 'polynomial', d: 2 }, loss: 'bce' })).toThrow(SpikefnArgumentError);
    expect(() => spikeSimilarLoss(S, L, { kernel: { kind: 'polynomial', d: 2 }, loss: 'bce' })).toThrow(
      /argument 'options' expected a kernel with values in \[0, 1\]/,
    );
    expect(() => spikeSimilarLoss(S, L, { loss: 'hinge' as SimilarityLoss })).toThrow(/'options.loss' expected one of 'mse', 'l1', 'bce'/);
    expect(() => spikeSimilarLoss(S, tf.ones([2, 1]))).toThrow(/argument 'labels' expected \[3, C\]/);
    expect(() => spikeSimilarLoss(tf.ones([3]), L)).toThrow(/argument 'spikes' expected rank >= 2/);
    tf.dispose([S, L]);
  });

  it('leaves no tensors behind, loss and gradient', () => {
    const S = tf.tensor2d([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    const L = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    for (const kernel of [{ kind: 'linear' }, { kind: 'gaussian', sigma: 1 }] as SimilarityKernel[])
      for (const loss of ['mse', 'l1', 'bce'] as const) {
        expect(leakedBy(() => spikeSimilarLoss(S, L, { kernel, loss }))).toBe(0);
        expect(leakedBy(() => [tf.grad((s: tf.Tensor) => spikeSimilarLoss(s, L, { kernel, loss }))(S)])).toBe(0);
      }
    expect(leakedBy(() => kernelDotProduct(S, S, { kind: 'polynomial', d: 2 }))).toBe(0);
    tf.dispose([S, L]);
  });
});

describe('tetLoss over spatial axes (SpikingJelly’s temporal_efficient_training_cross_entropy with x_seq [T, N, C, *])', () => {
  const ce = (z: number[], y: number): number => {
    const m = Math.max(...z);
    return m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0)) - (z[y] as number);
  };

  it('= mean over t, n and d of CE(x_seq[t, n, :, d], target[n, d]); index labels = one-hot targets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (T, B, C, D, seed) => {
          const x = Array.from({ length: T * B * C * D }, (_, i) => Math.fround(2 * Math.sin(seed + i * 1.7)));
          const y = Array.from({ length: B * D }, (_, i) => Math.abs(seed + 3 * i) % C);
          let want = 0;
          for (let t = 0; t < T; t++)
            for (let b = 0; b < B; b++)
              for (let d = 0; d < D; d++) {
                const z = Array.from({ length: C }, (_, c) => x[((t * B + b) * C + c) * D + d] as number);
                want += ce(z, y[b * D + d] as number);
              }
          want /= T * B * D;
          tf.tidy(() => {
            const xs = tf.tensor4d(x, [T, B, C, D]);
            const idx = tf.tensor2d(y, [B, D], 'int32');
            const got = tetLoss(xs, idx).dataSync()[0] as number;
            expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * (1 + want));
            // Targets [B, C, D] (one-hot along C) give the same loss.
            const hot = tf.transpose(tf.oneHot(idx, C), [0, 2, 1]);
            expect(Math.abs((tetLoss(xs, hot).dataSync()[0] as number) - got)).toBeLessThanOrEqual(1e-6 * (1 + got));
          });
        },
      ),
      { numRuns: 60, seed: 13 },
    );
  });

  it('rejects labels of the wrong shape, naming both accepted forms', () => {
    const xs = tf.zeros([2, 3, 4, 5]);
    expect(() => tetLoss(xs, tf.zeros([3], 'int32'))).toThrow(
      /tetLoss: argument 'labels' expected class indices \[3, 5\] or targets \[3, 4, 5\]/,
    );
    expect(() => tetLoss(tf.zeros([3, 4]), tf.zeros([3], 'int32'))).toThrow(/argument 'outputs' expected rank >= 3/);
    const idx = tf.zeros([3, 5], 'int32');
    expect(leakedBy(() => tetLoss(xs, idx))).toBe(0);
    expect(leakedBy(() => [tf.grad((o: tf.Tensor) => tetLoss(o, idx, { lambda: 0.5 }))(xs)])).toBe(0);
    tf.dispose([xs, idx]);
  });
});
