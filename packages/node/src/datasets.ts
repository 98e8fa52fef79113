/**
 * MNIST-format image datasets from a folder of IDX files, with their official split (MNIST and Fashion-MNIST:
 * 60,000 training and 10,000 test images of 28×28 pixels, 10 classes), and a keyed validation split of the training
 * set. The folder holds the four files as distributed, raw or gzip-compressed:
 *
 *   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]  t10k-images-idx3-ubyte[.gz]  t10k-labels-idx1-ubyte[.gz]
 *
 * (the variant spelling `train-images.idx3-ubyte` is accepted too). Fashion-MNIST (Xiao, Rasul and Vollgraf,
 * "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017; the
 * dataset of SpikingJelly's `conv_fashion_mnist` tutorial) is packaged by Debian: `apt-get install
 * dataset-fashion-mnist` puts the four files in {@link FASHION_MNIST_DIR}.
 *
 * Pixels become intensities in [0, 1] (`byte / 255`, as torchvision's `ToTensor`), in the {@link Digits} layout
 * of the MNIST loader, so `batches`, `subset` and the example's training loop take them unchanged.
 *
 * @category data
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Key, checkNonNegativeInt, SpikefnArgumentError } from '@spikefn/core';
import { FASHION_MNIST_CLASSES } from '@spikefn/learning';
import { type IdxArray, IdxFormatError, readIdx } from './idx.js';
import { CLASSES, type Digits, PIXELS, permutation, subset } from './mnist.js';

/** Where Debian's `dataset-fashion-mnist` package installs the four IDX files. @category data */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's class names, by label 0–9 (defined in `@spikefn/learning`, re-exported here). @category data */
export { FASHION_MNIST_CLASSES };

/** A dataset with its official split: `train` and `test` as {@link Digits}. @category data */
export type ImageDataset = {
  /** A short name for messages, e.g. `'fashion-mnist'`. */
  readonly name: string;
  /** The folder the files came from. */
  readonly dir: string;
  /** The official training set (60,000 images for MNIST and Fashion-MNIST). */
  readonly train: Digits;
  /** The official test set (10,000 images). */
  readonly test: Digits;
  /** The name of each class, by label. */
  readonly classNames: readonly string[];
};

/** A dataset folder is missing, or lacks one of its files; the message says which and how to get them. @category data */
export class DatasetUnavailableError extends Error {
  /** Always `'DatasetUnavailableError'`. */
  override readonly name = 'DatasetUnavailableError';
}

/** Options of {@link loadIdxDataset}. @category data */
export type IdxDatasetOptions = {
  /** The name used in messages. Default `'idx'`. */
  readonly name?: string;
  /** Class names by label. Default `'0'` … `'9'`. */
  readonly classNames?: readonly string[];
  /** What to tell the user when the folder or a file is missing (e.g. the package that installs it). */
  readonly hint?: string;
};

/** The file of one part (`train`/`t10k`, `images`/`labels`) in `dir`: the first of the accepted spellings that exists. */
function findFile(dir: string, part: 'train' | 't10k', kind: 'images' | 'labels', hint: string): string {
  const rank = kind === 'images' ? 3 : 1;
  const names = [`${part}-${kind}-idx${rank}-ubyte`, `${part}-${kind}.idx${rank}-ubyte`].flatMap((n) => [n, `${n}.gz`]);
  for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  throw new DatasetUnavailableError(`${dir}: no ${part} ${kind} file (looked for ${names.join(', ')})${hint ? `. ${hint}` : ''}`);
}

function images(a: IdxArray, file: string): Digits {
  if (a.dtype !== 'uint8' || a.shape.length !== 3 || a.shape[1] !== 28 || a.shape[2] !== 28)
    throw new IdxFormatError(file, `expected uint8 images of shape [N, 28, 28], got ${a.dtype} [${a.shape.join(', ')}]`);
  const count = a.shape[0] as number;
  const px = new Float32Array(count * PIXELS);
  for (let i = 0; i < px.length; i++) px[i] = (a.data[i] as number) / 255;
  return { images: px, labels: new Int32Array(count), count };
}

function labels(a: IdxArray, file: string, count: number, classes: number): Int32Array {
  if (a.dtype !== 'uint8' || a.shape.length !== 1)
    throw new IdxFormatError(file, `expected uint8 labels of shape [N], got ${a.dtype} [${a.shape.join(', ')}]`);
  if (a.shape[0] !== count) throw new IdxFormatError(file, `${a.shape[0]} labels, but the matching image file has ${count} images`);
  const out = Int32Array.from(a.data);
  const bad = out.findIndex((l) => l >= classes);
  if (bad >= 0) throw new IdxFormatError(file, `label ${out[bad]} at index ${bad} is not a class 0–${classes - 1}`);
  return out;
}

/**
 * Reads an MNIST-format dataset (28×28 uint8 images, labels 0–9) from the four IDX files in `dir`, keeping the
 * official split. A missing folder or file throws {@link DatasetUnavailableError}; a corrupt, truncated or
 * foreign file, or images and labels that do not match, throw {@link IdxFormatError} naming the file.
 *
 * @category data
 */
export function loadIdxDataset(dir: string, options: IdxDatasetOptions = {}): ImageDataset {
  const hint = options.hint ?? '';
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DatasetUnavailableError(`${dir}: no such folder (expected the four MNIST-format IDX files there)${hint ? `. ${hint}` : ''}`);
  const classNames = options.classNames ?? Array.from({ length: CLASSES }, (_, c) => String(c));
  const part = (p: 'train' | 't10k'): Digits => {
    const imgFile = findFile(dir, p, 'images', hint);
    const lblFile = findFile(dir, p, 'labels', hint);
    const d = images(readIdx(imgFile), imgFile);
    return { ...d, labels: labels(readIdx(lblFile), lblFile, d.count, classNames.length) };
  };
  return { name: options.name ?? 'idx', dir, train: part('train'), test: part('t10k'), classNames };
}

/**
 * Fashion-MNIST (60,000 training and 10,000 test images of clothing, 10 classes: {@link FASHION_MNIST_CLASSES}) from
 * `dir`, by default {@link FASHION_MNIST_DIR} where Debian's `dataset-fashion-mnist` package puts it.
 *
 * @category data
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): ImageDataset {
  return loadIdxDataset(dir, {
    name: 'fashion-mnist',
    classNames: FASHION_MNIST_CLASSES,
    hint:
      dir === FASHION_MNIST_DIR
        ? 'Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put the four IDX files of Fashion-MNIST in a folder and pass it'
        : 'Put the four IDX files of Fashion-MNIST there (as distributed, .gz or not)',
  });
}

/**
 * A keyed validation split of a training set: a permutation of `0..count−1` from `key`
 * ({@link permutation}); its first `nValidation` images are the validation set, the rest (in their original order)
 * the training set. The same key gives the same split on every machine; `nValidation = 0` returns `train` as it is.
 *
 * @category data
 */
export function validationSplit(
  key: Key,
  train: Digits,
  nValidation: number,
): {
  /** The images not held out, in their original order. */
  readonly train: Digits;
  /** The `nValidation` held-out images, in the permutation's order. */
  readonly validation: Digits;
} {
  checkNonNegativeInt('validationSplit', 'nValidation', nValidation);
  if (nValidation >= train.count)
    throw new SpikefnArgumentError(
      'validationSplit',
      'nValidation',
      `fewer than the ${train.count} training images (some must be left to train on)`,
      String(nValidation),
    );
  if (nValidation === 0) return { train, validation: { images: new Float32Array(0), labels: new Int32Array(0), count: 0 } };
  const p = permutation(key, train.count);
  const held = p.subarray(0, nValidation);
  const rest = Int32Array.from(p.subarray(nValidation)).sort();
  return { train: subset(train, rest), validation: subset(train, held) };
}
