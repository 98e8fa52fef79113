import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@spikefn/core/tf';
import { type BackendName, foldIn, key, type Key, multiStep, seqToANN, sequential, setBackend, treeDispose } from '@spikefn/core';
import { batchNorm2d, conv2d, flatten, linear, maxPool2d } from '@spikefn/layers';
import {
  accuracy,
  adam,
  classMetrics,
  confusionMatrix,
  cosineDecay,
  decide,
  optimizerStep,
  rateMse,
  restoreLike,
  valueAndGradTreeAux,
} from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';
import {
  batches,
  type Digits,
  FASHION_MNIST_DIR,
  loadCheckpointOrThrow,
  loadFashionMnist,
  saveCheckpoint,
  validationSplit,
} from '@spikefn/node';

// ── 1. The model ─────────────────────────────────────────────────────────────────────────────────────────────

/** The network's hyper-parameters (stored in the checkpoint). */
export type CsnnConfig = { readonly timeSteps: number; readonly channels: readonly [number, number]; readonly tau: number };

/** conv3×3-BN-LIF-maxpool2 twice, then flatten-linear-LIF: SpikingJelly's CSNN, multi-step over [T, B, ...]. */
export function csnn(config: CsnnConfig) {
  const [c1, c2] = config.channels;
  const lif = () => multiStep(lifNode({ tau: config.tau, detachReset: true })); // membranes carried over T
  return sequential({
    conv1: seqToANN(conv2d({ inChannels: 1, outChannels: c1, kernelSize: 3, padding: 1, bias: false })), // all T·B at once
    bn1: seqToANN(batchNorm2d({ numFeatures: c1 })),
    lif1: lif(),
    pool1: seqToANN(maxPool2d({ kernelSize: 2 })), // 28 → 14
    conv2: seqToANN(conv2d({ inChannels: c1, outChannels: c2, kernelSize: 3, padding: 1, bias: false })),
    bn2: seqToANN(batchNorm2d({ numFeatures: c2 })),
    lif2: lif(),
    pool2: seqToANN(maxPool2d({ kernelSize: 2 })), // 14 → 7
    flatten: seqToANN(flatten()),
    fc: seqToANN(linear({ inFeatures: c2 * 7 * 7, outFeatures: 10 })),
    lif3: lif(), // output spikes [T, B, 10]
  });
}

type Net = ReturnType<typeof csnn>;
type Params = ReturnType<Net['init']>;
type State = ReturnType<Net['initialState']>;
/** What outlives a batch: BatchNorm's running statistics (the neurons restart at rest for every batch). */
export type BnStats = Pick<State, 'bn1' | 'bn2'>;

/** Direct encoding: the same image at every step, [B, 1, 28, 28] → [T, B, 1, 28, 28]. */
const repeat = (img: tf.Tensor, T: number) => tf.tile(tf.expandDims(img, 0), [T, 1, 1, 1, 1]);

/** Output spikes and new BatchNorm statistics; call inside tf.tidy or valueAndGradTreeAux (they free the rest). */
function forward(net: Net, params: Params, bn: BnStats, img: tf.Tensor, T: number, k: Key, training: boolean) {
  const xs = repeat(img, T);
  const s0 = { ...net.initialState(params, xs.shape, k), ...bn }; // neurons at rest, BatchNorm statistics carried
  const [s, spikes] = net.step(params, s0, xs, { training, key: k });
  return { spikes, bn: { bn1: s.bn1, bn2: s.bn2 } };
}

// ── 2. Evaluation ────────────────────────────────────────────────────────────────────────────────────────────

/** Accuracy, per-class F1, ties and silent outputs on `data` (eval mode: BatchNorm uses its running statistics). */
export function evaluate(net: Net, params: Params, bn: BnStats, data: Digits, T: number) {
  const predictions = new Int32Array(data.count);
  let ties = 0;
  let silent = 0;
  batches(data, 256, undefined).forEach((b, i) => {
    const counts = tf.tidy(() => {
      const img = tf.tensor4d(b.images, [b.size, 1, 28, 28]);
      return tf.sum(forward(net, params, bn, img, T, key(0), false).spikes, 0); // spike counts [B, 10]
    });
    const d = decide(counts.dataSync(), 10); // the most spikes wins; a tie goes to the lowest class
    counts.dispose();
    predictions.set(d.predictions, i * 256);
    ties += d.ties;
    silent += d.silent;
  });
  const metrics = classMetrics(confusionMatrix(data.labels, predictions, 10));
  return { accuracy: accuracy(data.labels, predictions), f1: metrics.f1, ties, silent, images: data.count };
}

// ── 3. Saving and loading ────────────────────────────────────────────────────────────────────────────────────

/** Writes params, BatchNorm statistics and the config to `path` (atomically: the old file or the new, never half). */
export const saveCsnn = (path: string, config: CsnnConfig, params: Params, bn: BnStats) =>
  saveCheckpoint(path, { meta: { config: { ...config, channels: [...config.channels] } }, trees: { params, bn } });

/** Reads a checkpoint of {@link saveCsnn}: the network rebuilt from its config, params and statistics checked against it. */
export function loadCsnn(path: string) {
  const ckpt = loadCheckpointOrThrow(path); // a corrupt, truncated or foreign file throws, naming the file
  const config = (ckpt.meta as { config: CsnnConfig }).config;
  const net = csnn(config);
  const template = net.init(key(0));
  const bnTemplate = tf.tidy(() => {
    const s = net.initialState(template, [config.timeSteps, 1, 1, 28, 28], key(0));
    return { bn1: s.bn1, bn2: s.bn2 };
  });
  const params = restoreLike('params', template, ckpt.trees['params']); // names, shapes and dtypes must match
  const bn = restoreLike('bn', bnTemplate, ckpt.trees['bn']);
  treeDispose([template, bnTemplate]);
  if (params._tag === 'Left') throw params.left;
  if (bn._tag === 'Left') throw bn.left;
  return { config, net, params: params.right, bn: bn.right };
}

// ── 4. Training ──────────────────────────────────────────────────────────────────────────────────────────────

/** The tutorial's settings. */
export type CnnOptions = {
  readonly dataDir?: string; //      default FASHION_MNIST_DIR (Debian's dataset-fashion-mnist)
  readonly outDir?: string; //       where the checkpoint goes, default 'out/fashion-mnist-cnn'
  readonly config?: CsnnConfig; //   default T = 4, channels 16/32, τ = 2
  readonly epochs?: number; //       default 1
  readonly batchSize?: number; //    default 32
  readonly lr?: number; //           default 3e-3, cosine-decayed to 0 over the run
  readonly validation?: number; //   training images held out for validation, default 5000
  readonly seed?: number; //         default 0
  readonly backend?: BackendName; // default 'wasm'
  readonly log?: (line: string) => void;
};

/** Trains the CSNN on Fashion-MNIST, validates after each epoch, tests once, saves and loads the checkpoint. */
export async function fashionMnistCnn(options: CnnOptions = {}) {
  const { epochs = 1, batchSize = 32, lr = 3e-3, validation = 5000, seed = 0, log = () => {} } = options;
  const config = options.config ?? { timeSteps: 4, channels: [16, 32], tau: 2 };
  const T = config.timeSteps;
  await setBackend(options.backend ?? 'wasm'); // Node: wasm is several times faster than 'cpu' here
  const started = performance.now();
  const data = loadFashionMnist(options.dataDir ?? FASHION_MNIST_DIR); // official split: 60,000 / 10,000
  const split = validationSplit(foldIn(key(seed), 0), data.train, validation); // keyed: the same split everywhere
  const net = csnn(config);
  let params = net.init(foldIn(key(seed), 1));
  let bn: BnStats = tf.tidy(() => {
    const s = net.initialState(params, [T, batchSize, 1, 28, 28], key(0));
    return { bn1: s.bn1, bn2: s.bn2 };
  });
  const steps = epochs * Math.ceil(split.train.count / batchSize);
  const opt = adam({ lr: cosineDecay({ lr, decaySteps: steps }) });
  let optState = opt.init(params);
  const losses: number[] = [];
  const validationAccuracy: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const kEpoch = foldIn(key(seed), 2 + epoch);
    batches(split.train, batchSize, kEpoch).forEach((b, i) => {
      const img = tf.tensor4d(b.images, [b.size, 1, 28, 28]);
      const label = tf.tensor1d(b.labels, 'int32');
      const { value, grads, aux } = valueAndGradTreeAux((p: Params) => {
        const out = forward(net, p, bn, img, T, foldIn(kEpoch, i), true); // train mode: batch statistics
        return [rateMse(out.spikes, label), out.bn] as const;
      }, params);
      [params, optState] = optimizerStep(opt, grads, optState, params);
      treeDispose(bn);
      bn = aux; // the running statistics moved towards this batch's
      losses.push(value.dataSync()[0] as number);
      tf.dispose([img, label, value]);
      if (i % 200 === 0) log(`epoch ${epoch + 1} batch ${i}: loss ${losses.at(-1)?.toFixed(4)}`);
    });
    if (split.validation.count > 0) {
      validationAccuracy.push(evaluate(net, params, bn, split.validation, T).accuracy);
      log(`epoch ${epoch + 1}: validation accuracy ${validationAccuracy.at(-1)?.toFixed(4)} (${split.validation.count} images)`);
    }
  }
  const test = evaluate(net, params, bn, data.test, T); // the official test set, once, at the end
  log(`test accuracy: ${test.accuracy.toFixed(4)} (${test.images} images; ${test.ties} ties, ${test.silent} silent)`);
  const checkpoint = join(options.outDir ?? 'out/fashion-mnist-cnn', 'csnn.spikefn');
  saveCsnn(checkpoint, config, params, bn);
  treeDispose([params, bn, optState]);
  return { losses, validationAccuracy, test, checkpoint, seconds: (performance.now() - started) / 1000 };
}

// `npx tsx --conditions=@spikefn/source docs/examples/tutorial-fashion-mnist-cnn.ts [DATA_DIR] [EPOCHS]` from the repository root
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dataDir = FASHION_MNIST_DIR, epochs = '1'] = process.argv.slice(2);
  const r = await fashionMnistCnn({ dataDir, epochs: Number(epochs), log: console.log });
  const loaded = loadCsnn(r.checkpoint);
  const again = evaluate(loaded.net, loaded.params, loaded.bn, loadFashionMnist(dataDir).test, loaded.config.timeSteps);
  console.log(`${r.checkpoint} loaded back: test accuracy ${again.accuracy.toFixed(4)}; done in ${r.seconds.toFixed(0)} s`);
}
