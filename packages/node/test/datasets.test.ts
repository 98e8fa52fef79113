import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { key } from '@spikefn/core';
import {
  DatasetUnavailableError,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  loadFashionMnist,
  loadIdxDataset,
  validationSplit,
} from '../src/datasets.js';
import { encodeIdx, IdxFormatError } from '../src/idx.js';
import { PIXELS } from '../src/mnist.js';

const root = mkdtempSync(join(tmpdir(), 'idx-dataset-'));

/** Writes a small MNIST-format folder: `nTrain`/`nTest` images whose pixel p of image i is (7i + p) mod 256, label i mod 10. */
function makeFolder(name: string, nTrain: number, nTest: number, o: { gzip?: boolean; dotted?: boolean; skip?: string } = {}): string {
  const d = join(root, name);
  mkdirSync(d);
  const file = (part: string, kind: string, rank: number): string =>
    `${part}-${kind}${o.dotted ? '.' : '-'}idx${rank}-ubyte${o.gzip ? '.gz' : ''}`;
  for (const [part, n] of [
    ['train', nTrain],
    ['t10k', nTest],
  ] as const) {
    const px = Uint8Array.from({ length: n * PIXELS }, (_, j) => (7 * Math.floor(j / PIXELS) + (j % PIXELS)) % 256);
    const lb = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const files = [
      [file(part, 'images', 3), encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: px }, { gzip: o.gzip ?? false })],
      [file(part, 'labels', 1), encodeIdx({ dtype: 'uint8', shape: [n], data: lb }, { gzip: o.gzip ?? false })],
    ] as const;
    for (const [f, b] of files) if (f !== o.skip) writeFileSync(join(d, f), b);
  }
  return d;
}

describe('IDX datasets', () => {
  it('reads the official split from a folder: pixels byte/255, labels as stored, raw, .gz and the dotted spelling', () => {
    for (const [name, o] of [
      ['raw', {}],
      ['gz', { gzip: true }],
      ['dotted', { dotted: true, gzip: true }],
    ] as const) {
      const ds = loadIdxDataset(makeFolder(name, 12, 5, o), { name: 'tiny' });
      expect([ds.name, ds.train.count, ds.test.count]).toEqual(['tiny', 12, 5]);
      expect(ds.train.images.length).toBe(12 * PIXELS);
      // image 3, pixel 10: (21 + 10) / 255
      expect(ds.train.images[3 * PIXELS + 10]).toBeCloseTo(31 / 255, 7);
      expect(ds.test.images[4 * PIXELS + 300]).toBeCloseTo(((28 + 300) % 256) / 255, 7);
      expect(Array.from(ds.train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
      expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    }
    const fm = loadFashionMnist(makeFolder('fashion', 10, 10));
    expect([fm.name, fm.classNames[9]]).toEqual(['fashion-mnist', 'Ankle boot']);
  });
  it('a missing folder or file is a DatasetUnavailableError naming it and how to get it', () => {
    expect(() => loadIdxDataset(join(root, 'nowhere'))).toThrow(DatasetUnavailableError);
    expect(() => loadFashionMnist(join(root, 'nowhere'))).toThrow(/nowhere: no such folder/);
    const d = makeFolder('no-test-labels', 4, 4, { skip: 't10k-labels-idx1-ubyte' });
    expect(() => loadIdxDataset(d)).toThrow(/no-test-labels: no t10k labels file \(looked for t10k-labels-idx1-ubyte, /);
    if (!existsSync(FASHION_MNIST_DIR)) expect(() => loadFashionMnist()).toThrow(/apt-get install dataset-fashion-mnist/);
  });
  it('refuses images and labels that do not fit, naming the file', () => {
    const d = makeFolder('mismatch', 6, 4);
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [5], data: new Uint8Array(5) }));
    expect(() => loadIdxDataset(d)).toThrow(/train-labels-idx1-ubyte: 5 labels, but the matching image file has 6 images/);
    writeFileSync(
      join(d, 'train-labels-idx1-ubyte'),
      encodeIdx({ dtype: 'uint8', shape: [6], data: Uint8Array.from([0, 1, 2, 10, 4, 5]) }),
    );
    expect(() => loadIdxDataset(d)).toThrow(/label 10 at index 3 is not a class 0–9/);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), encodeIdx({ dtype: 'uint8', shape: [6, 27, 28], data: new Uint8Array(6 * 27 * 28) }));
    expect(() => loadIdxDataset(d)).toThrow(IdxFormatError);
    expect(() => loadIdxDataset(d)).toThrow(
      /train-images-idx3-ubyte: expected uint8 images of shape \[N, 28, 28\], got uint8 \[6, 27, 28\]/,
    );
    writeFileSync(join(d, 'train-images-idx3-ubyte'), new Uint8Array([0, 0, 8, 3, 0, 0, 0, 6]));
    expect(() => loadIdxDataset(d)).toThrow(/train-images-idx3-ubyte: truncated header/);
  });
  it('validationSplit: disjoint, covers the training set, keyed, sizes as asked', () => {
    const ds = loadIdxDataset(makeFolder('split', 50, 2));
    // tag every image by its index in pixel 0 so that we can follow it
    const train = { ...ds.train, images: ds.train.images.slice() };
    for (let i = 0; i < train.count; i++) train.images[i * PIXELS] = i;
    const a = validationSplit(key(3), train, 15);
    const b = validationSplit(key(3), train, 15);
    const c = validationSplit(key(4), train, 15);
    const ids = (d: { images: Float32Array; count: number }): number[] =>
      Array.from({ length: d.count }, (_, i) => d.images[i * PIXELS] as number);
    expect([a.train.count, a.validation.count]).toEqual([35, 15]);
    expect([...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(ids(a.train)).toEqual([...ids(a.train)].sort((x, y) => x - y)); // the rest keeps its order
    expect(ids(a.validation)).toEqual(ids(b.validation));
    expect(ids(a.validation)).not.toEqual(ids(c.validation));
    // labels travel with their images (label = index mod 10)
    expect(Array.from(a.validation.labels)).toEqual(ids(a.validation).map((i) => i % 10));
    expect(validationSplit(key(3), train, 0).train).toBe(train);
    expect(() => validationSplit(key(3), train, 50)).toThrow(/nValidation' expected fewer than the 50 training images/);
    expect(() => validationSplit(key(3), train, -1)).toThrow(/nValidation/);
  });
  it.skipIf(!existsSync(FASHION_MNIST_DIR))('Debian’s Fashion-MNIST: 60,000 / 10,000, 6,000 and 1,000 per class', () => {
    const fm = loadFashionMnist();
    expect([fm.train.count, fm.test.count]).toEqual([60000, 10000]);
    const perClass = (l: Int32Array): number[] => {
      const c = new Array(10).fill(0);
      for (const y of l) c[y]++;
      return c;
    };
    expect(perClass(fm.train.labels)).toEqual(new Array(10).fill(6000));
    expect(perClass(fm.test.labels)).toEqual(new Array(10).fill(1000));
    expect(fm.classNames).toBe(FASHION_MNIST_CLASSES);
  });
});
