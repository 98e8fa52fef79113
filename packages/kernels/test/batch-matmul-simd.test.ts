// spikefn's wasm BatchMatMul in place on tfjs's heap (spikefn's threaded wasm build in Node shares it): for random
// shapes (1-sized and not multiples of 4), all four transpose combinations, batches and broadcast operands, C is
// within float32 rounding of a double-precision reference, |C − C_ref| ≤ (K + 2)·2⁻²⁴·Σ_k |A(i, k)|·|B(k, j)|
// (the worst-case bound of a float32 sum of K products); 1 and 3 kernel threads agree bit for bit; the calls it does
// not take (int32, no transpose, tiny products, batches it cannot broadcast) give the stock kernel's result; the
// gradients of tf.matMul are those of the written-out derivative; no tensor left behind.
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchMatMulShapeOf, batchMatMulTuning, takesBatchMatMul } from '../src/batch-matmul-wasm.js';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import { register, unregister } from '../src/registry.js';
import { batchMatMulInPlaceCalls, matMulParts } from '../src/simd/batch-matmul.js';
import { setKernelThreads } from '../src/simd/module.js';
import { kernelTuning } from '../src/tuning.js';
import { hashValues, sameBits, useThreadedWasm } from './in-place.js';

const initialMinMacs = batchMatMulTuning.minMacs;
const initialThreads = useThreadedWasm(() => {
  batchMatMulTuning.minMacs = initialMinMacs;
  batchMatMulTuning.untransposed = false;
  register('wasm', ['overrides']);
});

type Case = {
  readonly aShape: number[];
  readonly bShape: number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
};

/** C = op(A)·op(B) in double, and Σ_k |A(i, k)|·|B(k, j)|, per output element (batch broadcast where one side has 1). */
function reference(c: Case, a: Float32Array, b: Float32Array): { value: Float64Array; scale: Float64Array; K: number; outShape: number[] } {
  const ra = c.aShape.length;
  const rb = c.bShape.length;
  const M = c.aShape[c.transposeA ? ra - 1 : ra - 2] as number;
  const K = c.aShape[c.transposeA ? ra - 2 : ra - 1] as number;
  const N = c.bShape[c.transposeB ? rb - 2 : rb - 1] as number;
  const na = a.length / (M * K);
  const nbB = b.length / (K * N);
  const nb = Math.max(na, nbB);
  const outer = (c.aShape.length >= c.bShape.length ? c.aShape : c.bShape).slice(0, -2).map((d, i, all) => {
    const other = (c.aShape.length >= c.bShape.length ? c.bShape : c.aShape).slice(0, -2);
    const o = other[i - (all.length - other.length)];
    return o === undefined ? d : Math.max(d, o);
  });
  const value = new Float64Array(nb * M * N);
  const scale = new Float64Array(nb * M * N);
  for (let n = 0; n < nb; n++) {
    const oa = na === 1 ? 0 : n * M * K;
    const ob = nbB === 1 ? 0 : n * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        let t = 0;
        for (let k = 0; k < K; k++) {
          const x = a[oa + (c.transposeA ? k * M + i : i * K + k)] as number;
          const y = b[ob + (c.transposeB ? j * K + k : k * N + j)] as number;
          s += x * y;
          t += Math.abs(x * y);
        }
        value[(n * M + i) * N + j] = s;
        scale[(n * M + i) * N + j] = t;
      }
  }
  return { value, scale, K, outShape: [...outer, M, N] };
}

/** The case's operands A and B (deterministic from `seed`). */
const operands = (c: Case, seed: number): [Float32Array, Float32Array] => [
  hashValues(
    c.aShape.reduce((p, d) => p * d, 1),
    seed,
  ),
  hashValues(
    c.bShape.reduce((p, d) => p * d, 1),
    seed + 7,
  ),
];

/** tf.matMul's values and shape with spikefn's kernels registered or the stock ones, and how often the in-place path ran. */
function product(c: Case, mode: 'spikefn' | 'stock', seed = 1): { values: Float32Array; shape: number[]; inPlace: number } {
  if (mode === 'spikefn') register('wasm', ['overrides']);
  else unregister('wasm', ['overrides']);
  const before = batchMatMulInPlaceCalls.count;
  try {
    const [a, b] = operands(c, seed);
    return tf.tidy(() => {
      const y = tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.transposeA, c.transposeB);
      return { values: y.dataSync() as Float32Array, shape: y.shape, inPlace: batchMatMulInPlaceCalls.count - before };
    });
  } finally {
    register('wasm', ['overrides']);
  }
}

/** Checks `got` against the double reference within the float32 bound of the module comment. */
function expectNearReference(c: Case, got: { values: Float32Array; shape: number[] }, seed = 1): void {
  const [a, b] = operands(c, seed);
  const r = reference(c, a, b);
  expect(got.shape).toEqual(r.outShape);
  expect(got.values.length).toBe(r.value.length);
  const u = 2 ** -24;
  for (let e = 0; e < r.value.length; e++) {
    const err = Math.abs((got.values[e] as number) - (r.value[e] as number));
    const bound = (r.K + 2) * u * (r.scale[e] as number) + 1e-30;
    if (!(err <= bound)) expect.fail(`element ${e}: ${got.values[e]} vs ${r.value[e]}, error ${err} > bound ${bound}`);
  }
}

const shapesOf = (nb: number[], M: number, N: number, K: number, tA: boolean, tB: boolean, nbB = nb): Case => ({
  aShape: [...nb, ...(tA ? [K, M] : [M, K])],
  bShape: [...nbB, ...(tB ? [N, K] : [K, N])],
  transposeA: tA,
  transposeB: tB,
});

describe('batchMatMulShapeOf', () => {
  it.each([
    [[256, 1568], [10, 1568], false, true, { nb: 1, M: 256, N: 10, K: 1568 }, [256, 10]],
    [[256, 10], [256, 1568], true, false, { nb: 1, M: 10, N: 1568, K: 256 }, [10, 1568]],
    [[3, 5, 7], [7, 2], false, false, { nb: 3, M: 5, N: 2, K: 7 }, [3, 5, 2]],
    [[5, 7], [2, 3, 2, 7], false, true, { nb: 6, M: 5, N: 2, K: 7 }, [2, 3, 5, 2]],
    [[1, 4, 5, 7], [4, 2, 7], false, true, { nb: 4, M: 5, N: 2, K: 7 }, [1, 4, 5, 2]],
  ])('%j × %j (tA %s, tB %s)', (a, b, tA, tB, want, outShape) => {
    const got = batchMatMulShapeOf(a, b, tA, tB);
    expect(got).not.toBeNull();
    expect(got?.shape).toMatchObject(want);
    expect(got?.outShape).toEqual(outShape);
  });

  it.each([
    [[5, 7], [6, 2], false, false], // inner sizes differ
    [[2, 5, 7], [3, 7, 2], false, false], // batches 2 and 3 do not broadcast
    [[2, 1, 5, 7], [1, 3, 7, 2], false, false], // broadcast to 2·3 from both sides
    [[0, 7], [7, 2], false, false], // empty
    [[7], [7, 2], false, false], // rank 1
  ])('%j × %j: stock', (a, b, tA, tB) => {
    expect(batchMatMulShapeOf(a, b, tA, tB)).toBeNull();
  });

  it('takes transposed products of at least minMacs multiply-adds', () => {
    expect(takesBatchMatMul(256, 10, 1568, false, true)).toBe(true);
    expect(takesBatchMatMul(10, 1568, 256, true, false)).toBe(true);
    expect(takesBatchMatMul(10, 1568, 256, false, false)).toBe(false);
    expect(takesBatchMatMul(4, 4, 4, true, true)).toBe(false);
  });
});

describe('matMulParts', () => {
  it('splits the longer side of C in bands of whole kernel blocks, or groups whole products', () => {
    const base = { transposeA: false, transposeB: true, broadcastA: false, broadcastB: false };
    const fwd = matMulParts({ ...base, nb: 1, M: 256, N: 10, K: 1568 });
    expect(fwd.rows).toBe(true);
    expect(fwd.band % 8).toBe(0);
    expect(fwd.parts).toBe(Math.ceil(256 / fwd.band));
    const grad = matMulParts({ ...base, nb: 1, M: 10, N: 1568, K: 256 });
    expect(grad.rows).toBe(false);
    expect(grad.band % 16).toBe(0);
    expect(grad.bands * grad.band).toBeGreaterThanOrEqual(1568);
    const small = matMulParts({ ...base, nb: 100, M: 5, N: 6, K: 7 });
    expect(small.bands).toBe(1);
    expect(small.matrices * small.parts).toBeGreaterThanOrEqual(100);
  });
});

describe('BatchMatMul in place on the wasm heap', () => {
  it('runs on a shared heap (spikefn threaded wasm build)', () => {
    expect(wasmSharedMemory(asWasm(tf.backend() as never))).toBeInstanceOf(WebAssembly.Memory);
  });

  // the linear layer 1568 → 10 at 256 rows (forward and weight gradient), its transposes, bands and odd sizes
  it.each([
    shapesOf([], 256, 10, 1568, false, true),
    shapesOf([], 10, 1568, 256, true, false),
    shapesOf([], 256, 10, 1568, true, true),
    shapesOf([], 10, 1568, 256, false, true),
    shapesOf([], 33, 7, 1001, true, false),
    shapesOf([], 7, 203, 301, true, true),
    shapesOf([3], 37, 13, 129, false, true),
    shapesOf([5], 19, 11, 97, true, false),
    shapesOf([40], 30, 9, 200, true, true),
    shapesOf([6], 40, 3, 300, false, true, []),
  ])('%j: near the reference; 1 and 3 threads agree bit for bit', (c) => {
    const numTensors = tf.memory().numTensors;
    setKernelThreads(1);
    const one = product(c, 'spikefn');
    setKernelThreads(3);
    kernelTuning.callerRunsParts = false;
    let three: ReturnType<typeof product>;
    try {
      three = product(c, 'spikefn');
    } finally {
      kernelTuning.callerRunsParts = true;
      setKernelThreads(initialThreads);
    }
    expect(one.inPlace).toBe(1);
    expect(three.inPlace).toBe(1);
    expectNearReference(c, one);
    expect(sameBits(one.values, three.values)).toBe(true);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('random shapes (1-sized, not multiples of 4), all transposes, batches and broadcasts: near the reference', () => {
    // every product to spikefn's kernel, those without a transpose too
    batchMatMulTuning.minMacs = 0;
    batchMatMulTuning.untransposed = true;
    const numTensors = tf.memory().numTensors;
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 37 }),
          fc.integer({ min: 1, max: 37 }),
          fc.integer({ min: 1, max: 70 }),
          fc.boolean(),
          fc.boolean(),
          fc.constantFrom<[number[], number[]]>(
            [[], []],
            [[2], [2]],
            [[3], []],
            [[], [2]],
            [[1], [3]],
            [
              [2, 2],
              [2, 2],
            ],
          ),
          fc.constantFrom(1, 3),
          fc.integer({ min: 1, max: 1000 }),
          (M, N, K, tA, tB, [nbA, nbB], threads, seed) => {
            const c = shapesOf(nbA, M, N, K, tA, tB, nbB);
            setKernelThreads(threads);
            try {
              const got = product(c, 'spikefn', seed);
              expect(got.inPlace).toBe(1);
              expectNearReference(c, got, seed);
            } finally {
              setKernelThreads(initialThreads);
            }
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      batchMatMulTuning.minMacs = initialMinMacs;
      batchMatMulTuning.untransposed = false;
    }
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it.each([
    shapesOf([], 10, 1568, 256, false, false), // no transpose: XNNPACK
    shapesOf([], 256, 1568, 10, false, false),
    shapesOf([], 4, 4, 4, true, true), // below minMacs
    shapesOf([2], 9, 5, 3, false, false),
  ])('%j: not taken, the stock kernel bit for bit', (c) => {
    const ours = product(c, 'spikefn');
    const stock = product(c, 'stock');
    expect(ours.inPlace).toBe(0);
    expect(ours.shape).toEqual(stock.shape);
    expect(sameBits(ours.values, stock.values)).toBe(true);
  });

  it('batches that do not broadcast from one side go to the stock kernel', () => {
    const c: Case = { aShape: [2, 1, 20, 30], bShape: [1, 3, 40, 30], transposeA: false, transposeB: true };
    const run = (mode: 'spikefn' | 'stock'): unknown => {
      try {
        const r = product(c, mode);
        return { inPlace: r.inPlace, shape: r.shape, values: Array.from(r.values) };
      } catch (e) {
        return { error: String(e) };
      }
    };
    const ours = run('spikefn') as { inPlace?: number };
    expect(ours.inPlace ?? 0).toBe(0);
    expect(ours).toEqual(run('stock'));
  });

  it('int32 goes to the stock kernel (which rejects it) and mismatched inner sizes throw as with the stock kernel', () => {
    const numTensors = tf.memory().numTensors;
    const message = (mode: 'spikefn' | 'stock', f: () => void): string => {
      if (mode === 'spikefn') register('wasm', ['overrides']);
      else unregister('wasm', ['overrides']);
      try {
        f();
        return 'no error';
      } catch (e) {
        return String(e);
      } finally {
        register('wasm', ['overrides']);
      }
    };
    const int = (): void => {
      tf.tidy(() => tf.matMul(tf.ones([40, 30], 'int32'), tf.ones([20, 30], 'int32'), false, true).dataSync());
    };
    const mismatch = (): void => {
      tf.tidy(() => tf.matMul(tf.ones([40, 30]), tf.ones([20, 31]), false, true).dataSync());
    };
    expect(message('spikefn', int)).not.toBe('no error');
    expect(message('spikefn', int)).toBe(message('stock', int));
    expect(message('spikefn', mismatch)).not.toBe('no error');
    expect(message('spikefn', mismatch)).toBe(message('stock', mismatch));
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('tf.grads of Σ W ⊙ matMul(A, B, %s, %s): the written-out derivative', (tA, tB) => {
    const M = 23;
    const N = 10;
    const K = 57;
    const av = hashValues(M * K, 3);
    const bv = hashValues(K * N, 5);
    const wv = hashValues(M * N, 9);
    const A = (i: number, k: number): number => av[tA ? k * M + i : i * K + k] as number;
    const B = (k: number, j: number): number => bv[tB ? j * K + k : k * N + j] as number;
    const W = (i: number, j: number): number => wv[i * N + j] as number;
    // dL/dA(i, k) = Σ_j W(i, j)·B(k, j); dL/dB(k, j) = Σ_i A(i, k)·W(i, j); stored transposed where A or B is
    const dA = new Float64Array(M * K);
    const dB = new Float64Array(K * N);
    for (let i = 0; i < M; i++)
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += W(i, j) * B(k, j);
        dA[tA ? k * M + i : i * K + k] = s;
      }
    for (let k = 0; k < K; k++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let i = 0; i < M; i++) s += A(i, k) * W(i, j);
        dB[tB ? j * K + k : k * N + j] = s;
      }
    batchMatMulTuning.minMacs = 0;
    const numTensors = tf.memory().numTensors;
    const before = batchMatMulInPlaceCalls.count;
    let ga: Float32Array;
    let gb: Float32Array;
    try {
      [ga, gb] = tf.tidy(() => {
        const w = tf.tensor(wv, [M, N]);
        const [da, db] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(w, tf.matMul(a, b, tA, tB))))([
          tf.tensor(av, tA ? [K, M] : [M, K]),
          tf.tensor(bv, tB ? [N, K] : [K, N]),
        ]);
        return [da?.dataSync() as Float32Array, db?.dataSync() as Float32Array];
      });
    } finally {
      batchMatMulTuning.minMacs = initialMinMacs;
    }
    // of the three products (forward, dA, dB) at least two have a transpose, whatever tA and tB are
    expect(batchMatMulInPlaceCalls.count - before).toBeGreaterThanOrEqual(2);
    expect(tf.memory().numTensors).toBe(numTensors);
    const tol = (n: number): number => (n + 2) * 2 ** -24 * n;
    for (let e = 0; e < dA.length; e++) expect(Math.abs((ga[e] as number) - (dA[e] as number))).toBeLessThanOrEqual(tol(N));
    for (let e = 0; e < dB.length; e++) expect(Math.abs((gb[e] as number) - (dB[e] as number))).toBeLessThanOrEqual(tol(M));
  });
});
