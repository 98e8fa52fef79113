/**
 * Training and evaluation of the MNIST spiking CNN, as functions (the command line in `main.ts` only parses flags
 * and prints). Everything random comes from one key:
 *
 *   root = key(seed)
 *   split   = foldIn(root, 1)                 the 8,000 / 2,000 train/test split of the package's digits, or the
 *                                             validation split and training subset of an IDX dataset (data.ts)
 *   init    = foldIn(root, 2)                 parameters
 *   epoch e = foldIn(foldIn(root, 3), e)      the order of the training digits in epoch e
 *   batch i = foldIn(epoch e key, 1000000 + i) Poisson spikes of batch i (unused with direct encoding)
 *
 * so a run resumed from the checkpoint of epoch e continues exactly as the uninterrupted run (same batches, same
 * spikes, same optimiser state), and the same seed gives the same result on the same backend.
 *
 * Every step checks that the loss and the updated parameters and BatchNorm statistics are finite (one reduction,
 * read with the loss: Σ_leaves Σ 0·x is 0 when every value is finite, NaN otherwise) and throws a
 * {@link DivergenceError} naming the epoch, the step and the first non-finite tensor if not, before anything is
 * saved: the last checkpoint written stays the last good one.
 *
 * @category examples
 */
import * as tf from '@spikefn/core/tf';
import { foldIn, key as makeKey, type Key, evalCtx, trainCtx, treeDispose, type Tree } from '@spikefn/core';
import {
  valueAndGradTreeAux,
  rateCrossEntropy,
  rateMse,
  tetLoss,
  adam,
  type AdamState,
  optimizerStep,
  cosineDecay,
  decide,
  finiteProbe,
  nonFiniteLeaves,
} from '@spikefn/learning';
import { batches, type Batch, type Digits } from '@spikefn/node';
import type { DatasetName } from './cli.js';
import { model, predict, SPIKING_LAYERS, type Model, type ModelConfig, type ModelParams, type ModelState } from './model.js';

/** Everything a run depends on (stored in the checkpoint). @category examples */
export type TrainConfig = ModelConfig & {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  readonly loss: 'mse' | 'ce' | 'tet';
  /** Training images used (the schedule's length depends on it). */
  readonly trainSize: number;
  /** Images evaluated. */
  readonly testSize: number;
  /** The dataset (absent in checkpoints of earlier versions: `'mnist-package'`). */
  readonly dataset?: DatasetName;
  /** Training images held out for validation (absent: 0). */
  readonly validation?: number;
};

/** Per-epoch history (for the training-curve plot). @category examples */
export type History = {
  readonly epoch: number[];
  readonly trainLoss: number[];
  readonly trainAcc: number[];
  readonly testAcc: number[];
  readonly seconds: number[];
  /** The loss of every training step (mini-batch), all epochs in order. */
  readonly stepLoss: number[];
  /** The accuracy of every training step's mini-batch. */
  readonly stepAcc: number[];
  /** Steps per epoch, by epoch (to place steps on an epoch axis). */
  readonly stepsPerEpoch: number[];
};

/** Training produced a non-finite loss, parameter or statistic. @category examples */
export class DivergenceError extends Error {
  /** Always `'DivergenceError'`. */
  override readonly name = 'DivergenceError';
  constructor(
    /** The epoch (1-based) in which it happened. */
    readonly epoch: number,
    /** The step (1-based) within the epoch. */
    readonly step: number,
    /** What was non-finite, e.g. `'the loss (NaN)'` or `'parameter fc.weight (NaN)'`. */
    readonly what: string,
  ) {
    super(`training diverged at epoch ${epoch}, step ${step}: ${what} is not finite`);
  }
}

/** The whole training state: what a checkpoint holds. @category examples */
export type RunState = {
  readonly params: ModelParams;
  readonly state: ModelState;
  readonly opt: AdamState;
  readonly epochsDone: number;
  readonly history: History;
};

/** Keys of a run (see the file header). @category examples */
export const runKeys = (seed: number) => {
  const root = makeKey(seed);
  return { root, split: foldIn(root, 1), init: foldIn(root, 2), epoch: (e: number): Key => foldIn(foldIn(root, 3), e) };
};

const batchTensors = (b: Batch): [tf.Tensor, tf.Tensor] => [tf.tensor4d(b.images, [b.size, 1, 28, 28]), tf.tensor1d(b.labels, 'int32')];

/** The loss of a config. @category examples */
export const lossOf =
  (config: TrainConfig) =>
  (out: tf.Tensor, y: tf.Tensor): tf.Scalar =>
    config.loss === 'mse' ? rateMse(out, y) : config.loss === 'ce' ? rateCrossEntropy(out, y) : tetLoss(out, y);

/** The optimiser of a config: Adam with cosine decay over all the run's updates. @category examples */
export function optimizerOf(config: TrainConfig) {
  const steps = config.epochs * Math.ceil(config.trainSize / config.batchSize);
  return adam({ lr: cosineDecay({ lr: config.lr, decaySteps: Math.max(1, steps) }) });
}

/** A fresh run: initialised params, BN statistics and optimiser state. @category examples */
export function initRun(config: TrainConfig, net: Model = model(config)): RunState {
  const params = net.init(runKeys(config.seed).init);
  return {
    params,
    state: net.initialState(params),
    opt: optimizerOf(config).init(params),
    epochsDone: 0,
    history: emptyHistory(),
  };
}

/** A history with no epoch. @category examples */
export const emptyHistory = (): History => ({
  epoch: [],
  trainLoss: [],
  trainAcc: [],
  testAcc: [],
  seconds: [],
  stepLoss: [],
  stepAcc: [],
  stepsPerEpoch: [],
});

/** The first non-finite tensor of `trees`, named, e.g. `'parameter fc.weight (NaN)'`; run only after a probe failed. */
function firstNonFinite(trees: Record<string, Tree>): string {
  for (const [kind, tree] of Object.entries(trees)) {
    const [bad] = nonFiniteLeaves(tree);
    if (bad !== undefined) return `${kind} ${bad.name} (${bad.value})`;
  }
  return 'a value';
}

/** Called after each batch with the samples done and running metrics. @category examples */
export type OnBatch = (done: number, metrics: { loss: number; acc: number }) => void;

/**
 * One epoch of training (epoch index `run.epochsDone`). Consumes `run` (its tensors are disposed or passed on)
 * and returns the next run state plus the epoch's mean loss and accuracy.
 *
 * @category examples
 */
export function trainEpoch(
  config: TrainConfig,
  net: Model,
  run: RunState,
  train: Digits,
  onBatch: OnBatch = () => {},
): { run: RunState; loss: number; acc: number; stepLoss: number[]; stepAcc: number[] } {
  const opt = optimizerOf(config);
  const loss = lossOf(config);
  const ek = runKeys(config.seed).epoch(run.epochsDone);
  let { params, state, opt: os } = run;
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  const stepLoss: number[] = [];
  const stepAcc: number[] = [];
  batches(train, config.batchSize, ek).forEach((b, i) => {
    const [x, y] = batchTensors(b);
    const ctx = trainCtx(foldIn(ek, 1_000_000 + i));
    const r = valueAndGradTreeAux((p: ModelParams) => {
      const [s, out, sp] = net.forward(p, state, x, ctx);
      const pred = predict(out, sp.current);
      return [loss(out, y), { state: s, hits: tf.sum(tf.cast(tf.equal(pred, y), 'int32')) }] as const;
    }, params);
    [params, os] = optimizerStep(opt, r.grads, os, params);
    treeDispose(state as unknown as Tree);
    state = r.aux.state;
    // one read per step: [loss, hits, probe], the probe over the loss, the new params and BatchNorm statistics.
    const read = tf.tidy(() =>
      tf.stack([r.value, tf.cast(r.aux.hits, 'float32'), finiteProbe(r.value, params as unknown as Tree, state as unknown as Tree)]),
    );
    const [l, hits, probe] = Array.from(read.dataSync()) as [number, number, number];
    tf.dispose([read, r.value, r.aux.hits, x, y]);
    if (probe !== 0) {
      const what = Number.isFinite(l)
        ? firstNonFinite({ parameter: params as unknown as Tree, 'BatchNorm statistic': state as unknown as Tree })
        : `the loss (${l})`;
      treeDispose([params, state, os] as unknown as Tree);
      throw new DivergenceError(run.epochsDone + 1, i + 1, what);
    }
    lossSum += l * b.size;
    correct += hits;
    seen += b.size;
    stepLoss.push(l);
    stepAcc.push(hits / b.size);
    onBatch(seen, { loss: lossSum / seen, acc: correct / seen });
  });
  return {
    run: { ...run, params, state, opt: os, epochsDone: run.epochsDone + 1 },
    loss: lossSum / seen,
    acc: correct / seen,
    stepLoss,
    stepAcc,
  };
}

/** Test-set results. @category examples */
export type Evaluation = {
  readonly accuracy: number;
  readonly perClass: number[];
  readonly classCounts: number[];
  readonly firingRates: Record<string, number>;
  /** The predicted class of each image (spike count, ties broken by the output current: `predict` of model.ts). */
  readonly predictions: Int32Array;
  /** The labels, in the same order. */
  readonly labels: Int32Array;
  /** Images whose top spike count was shared by two or more classes (decided by the output current). */
  readonly ties: number;
  /** Images for which no output neuron fired (decided by the output current alone). */
  readonly silent: number;
};

/** Evaluates in eval mode (BN running statistics) on `test`, in batches. @category examples */
export function evaluate(config: TrainConfig, net: Model, run: RunState, test: Digits, batchSize = 250): Evaluation {
  const hits = new Array(10).fill(0);
  const counts = new Array(10).fill(0);
  const rateSums: Record<string, number> = Object.fromEntries(SPIKING_LAYERS.map((n) => [n, 0]));
  const predictions = new Int32Array(test.count);
  let at = 0;
  let ties = 0;
  let silent = 0;
  const evalKey = foldIn(runKeys(config.seed).root, 4);
  batches(test, batchSize, undefined).forEach((b, i) => {
    const [x, y] = batchTensors(b);
    const { pred, rates, spikeCounts } = tf.tidy(() => {
      const [, out, sp] = net.forward(run.params, run.state, x, evalCtx(foldIn(evalKey, i)));
      return {
        pred: predict(out, sp.current),
        rates: tf.stack(SPIKING_LAYERS.map((n) => tf.mean(sp[n]))),
        spikeCounts: tf.sum(out, 0),
      };
    });
    const p = pred.dataSync();
    const r = rates.dataSync();
    const d = decide(spikeCounts.dataSync(), 10);
    ties += d.ties;
    silent += d.silent;
    SPIKING_LAYERS.forEach((n, j) => {
      rateSums[n] = (rateSums[n] as number) + (r[j] as number) * b.size;
    });
    for (let k = 0; k < b.size; k++) {
      const label = b.labels[k] as number;
      counts[label]++;
      if (p[k] === label) hits[label]++;
      predictions[at++] = p[k] as number;
    }
    tf.dispose([x, y, pred, rates, spikeCounts]);
  });
  const total = counts.reduce((a, c) => a + c, 0);
  return {
    accuracy: hits.reduce((a, h) => a + h, 0) / total,
    perClass: hits.map((h, c) => (counts[c] > 0 ? h / counts[c] : NaN)),
    classCounts: counts,
    firingRates: Object.fromEntries(SPIKING_LAYERS.map((n) => [n, (rateSums[n] as number) / total])),
    predictions,
    labels: test.labels.slice(0, test.count),
    ties,
    silent,
  };
}

/** Disposes a run's tensors. @category examples */
export const disposeRun = (run: RunState): void => treeDispose([run.params, run.state, run.opt] as unknown as Tree);
