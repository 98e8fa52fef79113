import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx } from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { dct, dctApply, dctMatrix, inverseDct, inverseDctApply } from '../src/dct.js';
import { at, build, data, expectClose, leakFree, maxDiff, t, type Nd } from './helpers.js';

const k0 = key(5);
const MAX_K = 8;

/** Block DCT in plain numbers: Y_b[i][j] = Σ_{u,v} K[i][u]·X_b[u][v]·K[j][v], one block at a time. */
function reference(x: Nd, k: number): Nd {
  const K = dctMatrix(k);
  const [M, H, W] = [(x as Nd[]).length, ((x as Nd[])[0] as Nd[]).length, (((x as Nd[])[0] as Nd[])[0] as Nd[]).length];
  return build([M, H, W], ([m, r, c]) => {
    const [bi, bj, i, j] = [Math.floor((r as number) / k) * k, Math.floor((c as number) / k) * k, (r as number) % k, (c as number) % k];
    let s = 0;
    for (let u = 0; u < k; u++)
      for (let v = 0; v < k; v++) s += (K[i * k + u] as number) * at(x, [m as number, bi + u, bj + v]) * (K[j * k + v] as number);
    return s;
  });
}

const blocks = fc.record({
  k: fc.integer({ min: 1, max: MAX_K }),
  bh: fc.integer({ min: 1, max: 3 }),
  bw: fc.integer({ min: 1, max: 3 }),
  m: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(1000),
});

describe('dct (DCT)', () => {
  it('the kernel is orthonormal: K·Kᵀ = I, first row √(1/k)', () => {
    for (let k = 1; k <= MAX_K; k++) {
      const K = dctMatrix(k);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let u = 0; u < k; u++) s += (K[i * k + u] as number) * (K[j * k + u] as number);
          expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-12);
        }
      expect(K[0]).toBeCloseTo(Math.sqrt(1 / k), 12);
    }
  });

  it('equals the block-by-block product K·X_b·Kᵀ (one matrix product for all blocks)', () => {
    fc.assert(
      fc.property(blocks, ({ k, bh, bw, m, seed }) => {
        const x = data([m, bh * k, bw * k], seed);
        leakFree(() => expectClose(dct({ kernelSize: k }).step({}, {}, t(x), evalCtx(k0))[1], reference(x, k)));
      }),
      { numRuns: 25 },
    );
  });

  it('preserves energy (Σy² = Σx²) and its inverse is the transpose (Kᵀ·Y_b·K gives x back)', () => {
    fc.assert(
      fc.property(blocks, ({ k, bh, bw, m, seed }) => {
        leakFree(() => {
          const x = t(data([2, m, bh * k, bw * k], seed));
          const y = dctApply(x, k);
          const ex = tf.sum(tf.square(x)).dataSync()[0] as number;
          expect(Math.abs((tf.sum(tf.square(y)).dataSync()[0] as number) - ex)).toBeLessThan(1e-4 * (1 + ex));
          expect(maxDiff(inverseDctApply(y, k), x)).toBeLessThan(1e-5);
          expect(maxDiff(inverseDct({ kernelSize: k }).step({}, {}, y, evalCtx(k0))[1], x)).toBeLessThan(1e-5);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('a constant block has only a DC coefficient, k·c; kernel size 1 is the identity', () => {
    leakFree(() => {
      const y = dctApply(tf.fill([1, 4, 4], 0.5), 4);
      expectClose(
        y,
        build([1, 4, 4], ([, i, j]) => (i === 0 && j === 0 ? 2 : 0)),
        1e-6,
        0,
      );
      const x = t(data([2, 3, 5], 9));
      expect(maxDiff(dctApply(x, 1), x)).toBe(0);
    });
  });

  it('satisfies the law kit (stateless)', () => {
    checkLayerLaws({ name: 'dct', layer: dct({ kernelSize: 2 }), params: {}, tol: { atol: 1e-6, rtol: 1e-5 } }, [4, 6], { numRuns: 6 });
  });

  it('rejects sizes not divisible by the kernel size and inputs of rank < 2, naming the argument', () => {
    leakFree(() => {
      const layer = dct({ kernelSize: 4 });
      expect(() => layer.step({}, {}, tf.zeros([2, 8, 6]), evalCtx(k0))).toThrow(
        /dct: argument 'x' expected height and width \(the last two axes\) divisible by kernelSize 4, got shape \[2, 8, 6\]/,
      );
      expect(() => layer.step({}, {}, tf.zeros([8]), evalCtx(k0))).toThrow(/dct: argument 'x' expected rank >= 2/);
      expect(() => layer.outputShape({}, [3, 5])).toThrow(/argument 'inputShape'/);
      expect(() => dct({ kernelSize: 0 })).toThrow(/argument 'kernelSize'/);
      expect(() => dctApply(tf.zeros([3, 3]), 2)).toThrow(/dctApply: argument 'x'/);
    });
  });
});
