// spikefn's wasm Transpose in place on tfjs's heap (spikefn's threaded wasm build in Node shares it): for every perm
// that is a batched 2-D transpose after dropping 1-sized axes and merging adjacent ones, the same bits as tfjs's stock
// Transpose and as the definition y[i_perm(0), …] = x[i_0, …]; 1 and 3 kernel threads agree bit for bit; other perms
// and dtypes go to the stock kernel; no tensor left behind.
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asWasm, wasmSharedMemory } from '../src/backend-access.js';
import { register, unregister } from '../src/registry.js';
import { setKernelThreads } from '../src/simd/module.js';
import { transposeInPlaceCalls, transposeParts } from '../src/simd/transpose.js';
import { batchedTransposeOf } from '../src/transpose-wasm.js';
import { kernelTuning } from '../src/tuning.js';
import { sameBits, useThreadedWasm } from './in-place.js';

const initialThreads = useThreadedWasm();

/** Distinct float32 values (ints, fractions and signed zeros) so that any misplaced element shows. */
function values(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 97 === 5 ? -0 : (i % 2 === 0 ? 1 : -1) * (i + 0.25 * (i % 4));
  return v;
}

/** The definition: y at output index j is x at the input index whose axis perm[d] equals j's axis d. */
function reference(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): number[] {
  const rank = shape.length;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((a) => shape[a] as number);
  const n = shape.reduce((a, b) => a * b, 1);
  const y = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  for (let j = 0; j < n; j++) {
    let from = 0;
    for (let d = 0; d < rank; d++) from += (idx[d] as number) * (strides[perm[d] as number] as number);
    y[j] = x[from] as number;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (outShape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return y;
}

/** tf.transpose's values with spikefn's kernels registered or the stock ones. */
function transposed(
  shape: number[],
  perm: number[],
  mode: 'spikefn' | 'stock',
  dtype: 'float32' | 'int32' | 'bool' = 'float32',
): ArrayLike<number> {
  if (mode === 'spikefn') register('wasm', ['overrides']);
  else unregister('wasm', ['overrides']);
  try {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = values(n);
    const data =
      dtype === 'float32' ? v : dtype === 'int32' ? Int32Array.from(v, (a) => Math.trunc(a)) : Uint8Array.from(v, (a) => (a > 0 ? 1 : 0));
    return tf.tidy(() => tf.transpose(tf.tensor(data, shape, dtype), perm).dataSync());
  } finally {
    register('wasm', ['overrides']);
  }
}

/** Runs `f` and returns how many times the in-place kernel ran. */
function inPlaceRuns(f: () => void): number {
  const before = transposeInPlaceCalls.count;
  f();
  return transposeInPlaceCalls.count - before;
}

describe('batchedTransposeOf', () => {
  it.each([
    [[5, 7], [1, 0], { B: 1, R: 5, C: 7 }],
    [[2, 3, 4], [0, 2, 1], { B: 2, R: 3, C: 4 }],
    [[2, 3, 4, 5], [0, 2, 3, 1], { B: 2, R: 3, C: 20 }],
    [[2, 3, 4, 5], [0, 3, 1, 2], { B: 2, R: 12, C: 5 }],
    [[2, 3, 4, 5], [2, 3, 0, 1], { B: 1, R: 6, C: 20 }],
    [[1, 3, 1, 5], [0, 3, 2, 1], { B: 1, R: 3, C: 5 }],
    [[4, 1, 6], [2, 1, 0], { B: 1, R: 4, C: 6 }],
    [[3, 4, 5], [1, 0, 2], null],
    [[3, 4, 5], [2, 1, 0], null],
    [[3, 4, 5], [0, 1, 2], null],
    [[3, 1, 5], [1, 0, 2], null],
    [[2, 3, 4, 5], [0, 2, 1, 3], null],
  ])('%j perm %j -> %j', (shape, perm, want) => {
    expect(batchedTransposeOf(shape, perm)).toEqual(want);
  });
});

describe('Transpose in place on the wasm heap', () => {
  it('runs on a shared heap (spikefn threaded wasm build)', () => {
    expect(wasmSharedMemory(asWasm(tf.backend() as never))).toBeInstanceOf(WebAssembly.Memory);
  });

  // the CNN's layout changes (smaller batch), a band split (R·C > 65536), several matrices per part, and odd sizes
  it.each([
    [
      [8, 28, 28, 32],
      [0, 3, 1, 2],
    ],
    [
      [8, 32, 28, 28],
      [0, 2, 3, 1],
    ],
    [
      [8, 32, 196],
      [0, 2, 1],
    ],
    [
      [8, 196, 32],
      [0, 2, 1],
    ],
    [
      [3, 301, 299],
      [0, 2, 1],
    ],
    [
      [1, 1, 257, 1021],
      [0, 1, 3, 2],
    ],
    [
      [40, 13, 35],
      [0, 2, 1],
    ],
    [
      [1000, 3],
      [1, 0],
    ],
  ])('%j perm %j: stock bits; 1 and 3 threads agree', (shape, perm) => {
    const numTensors = tf.memory().numTensors;
    const stock = transposed(shape, perm, 'stock');
    expect(sameBits(stock, reference(values(shape.reduce((a, b) => a * b, 1)), shape, perm))).toBe(true);
    setKernelThreads(1);
    let one: ArrayLike<number> = [];
    expect(inPlaceRuns(() => (one = transposed(shape, perm, 'spikefn')))).toBe(1);
    setKernelThreads(3);
    kernelTuning.callerRunsParts = false;
    let three: ArrayLike<number> = [];
    try {
      expect(inPlaceRuns(() => (three = transposed(shape, perm, 'spikefn')))).toBe(1);
    } finally {
      kernelTuning.callerRunsParts = true;
      setKernelThreads(initialThreads);
    }
    expect(sameBits(one, stock)).toBe(true);
    expect(sameBits(three, stock)).toBe(true);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('random shapes (1-sized axes, sizes not multiples of 4 or 8) and every supported perm: stock bits', () => {
    const perms: Record<number, number[][]> = {
      2: [[1, 0]],
      3: [
        [0, 2, 1],
        [1, 2, 0],
        [2, 0, 1],
      ],
      4: [
        [0, 2, 3, 1],
        [0, 3, 1, 2],
        [0, 1, 3, 2],
        [2, 3, 0, 1],
        [1, 2, 3, 0],
        [3, 0, 1, 2],
      ],
    };
    const numTensors = tf.memory().numTensors;
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 4 })
          .chain((rank) =>
            fc.tuple(
              fc.array(fc.integer({ min: 1, max: 19 }), { minLength: rank, maxLength: rank }),
              fc.constantFrom(...(perms[rank] as number[][])),
            ),
          ),
        fc.constantFrom(1, 3),
        ([shape, perm], threads) => {
          const stock = transposed(shape, perm, 'stock');
          setKernelThreads(threads);
          try {
            const ours = transposed(shape, perm, 'spikefn');
            expect(sameBits(ours, stock)).toBe(true);
            expect(sameBits(ours, reference(values(shape.reduce((a, b) => a * b, 1)), shape, perm))).toBe(true);
          } finally {
            setKernelThreads(initialThreads);
          }
        },
      ),
      { numRuns: 150, seed: 13 },
    );
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it.each([
    ['int32', [6, 5, 7], [0, 2, 1], 'int32'],
    ['bool', [6, 5, 7], [0, 2, 1], 'bool'],
    ['a perm that is no batched 2-D transpose', [6, 5, 7], [2, 1, 0], 'float32'],
    ['the identity', [6, 5, 7], [0, 1, 2], 'float32'],
    ['an empty tensor', [6, 0, 7], [0, 2, 1], 'float32'],
  ] as const)('%s goes to the stock kernel', (_, shape, perm, dtype) => {
    const numTensors = tf.memory().numTensors;
    const stock = transposed([...shape], [...perm], 'stock', dtype);
    let ours: ArrayLike<number> = [];
    expect(inPlaceRuns(() => (ours = transposed([...shape], [...perm], 'spikefn', dtype)))).toBe(0);
    expect(sameBits(ours, stock)).toBe(true);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('gradients through tf.transpose (its gradient is a Transpose) equal the stock ones', () => {
    const grad = (mode: 'spikefn' | 'stock'): ArrayLike<number> => {
      if (mode === 'spikefn') register('wasm', ['overrides']);
      else unregister('wasm', ['overrides']);
      try {
        return tf.tidy(() => {
          const x = tf.tensor(values(4 * 6 * 5 * 3), [4, 6, 5, 3]);
          const w = tf.tensor(values(4 * 3 * 6 * 5).reverse(), [4, 3, 6, 5]);
          return tf
            .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.transpose(a, [0, 3, 1, 2]), w)))(x)
            .dataSync();
        });
      } finally {
        register('wasm', ['overrides']);
      }
    };
    expect(sameBits(grad('spikefn'), grad('stock'))).toBe(true);
  });
});

describe('transposeParts', () => {
  it('covers every matrix and column once, bands a multiple of 4', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3000 }), (B, R, C) => {
        const p = transposeParts(B, R, C);
        expect(p.parts).toBe(Math.ceil(B / p.matrices) * p.bands);
        expect(p.band * p.bands).toBeGreaterThanOrEqual(C);
        expect(p.band * (p.bands - 1)).toBeLessThan(C);
        if (p.bands > 1) expect(p.band % 4).toBe(0);
        // about 256 KiB per part, never more than one band's worth of extra rows
        expect(p.matrices * R * Math.min(p.band, C)).toBeLessThanOrEqual(Math.max(65536, 4 * R));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
