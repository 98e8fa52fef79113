import { pathToFileURL } from 'node:url';
import * as tf from '@spikefn/core/tf';
import { type BackendName, foldIn, key, type Key, multiStep, seqToANN, sequential, setBackend, treeDispose } from '@spikefn/core';
import { flatten, linear } from '@spikefn/layers';
import { accuracy, adam, decide, optimizerStep, poisson, rateMse, valueAndGradTreeAux } from '@spikefn/learning';
import { type Batch, batches, type Digits, loadIdxDataset } from '@spikefn/node';
import { atan, lifNode } from '@spikefn/neurons';

/** The tutorial's settings; the defaults are SpikingJelly's, except T = 8 time steps instead of 100. */
export type FirstSnnOptions = {
  /** A folder with the four MNIST-format IDX files (train-images-idx3-ubyte[.gz], …, t10k-labels-idx1-ubyte[.gz]). */
  readonly dataDir: string;
  readonly timeSteps?: number; // T, default 8
  readonly tau?: number; //       default 2
  readonly batchSize?: number; // default 64
  readonly lr?: number; //        default 1e-3
  readonly epochs?: number; //    default 1
  readonly seed?: number; //      default 0
  readonly backend?: BackendName; // default 'wasm'
  readonly log?: (line: string) => void;
};

/** nn.Sequential(nn.Flatten(), nn.Linear(784, 10, bias=False), neuron.LIFNode(tau, surrogate_function=ATan())). */
export const oneLayerSnn = (tau: number) =>
  sequential({
    flatten: seqToANN(flatten()), //                                               [T, B, 1, 28, 28] → [T, B, 784]
    fc: seqToANN(linear({ inFeatures: 28 * 28, outFeatures: 10, bias: false })), // [T, B, 784] → [T, B, 10]
    lif: multiStep(lifNode({ tau, surrogate: atan() })), //                         spikes [T, B, 10]
  });

type Net = ReturnType<typeof oneLayerSnn>;
type Params = ReturnType<Net['init']>;

/** A batch as tensors: images [B, 1, 28, 28] in [0, 1] and labels [B] (int32). */
const tensors = (b: Batch) => [tf.tensor4d(b.images, [b.size, 1, 28, 28]), tf.tensor1d(b.labels, 'int32')] as const;

/** Output spikes [T, B, 10] for Poisson-encoded images, every neuron starting at rest (functional.reset_net). */
function run(net: Net, params: Params, img: tf.Tensor, T: number, k: Key, training: boolean): tf.Tensor {
  const xs = poisson(k, img, T); // [T, B, 1, 28, 28]: a fresh Bernoulli draw per step, as encoder(img) in the loop
  const [, spikes] = net.step(params, net.initialState(params, xs.shape, k), xs, { training, key: k });
  return spikes; // called inside tf.tidy or valueAndGradTreeAux, which free xs and the states
}

/** Accuracy on `data`: the class whose output neuron fires most (`decide`: a tie goes to the lowest class). */
export function evaluate(net: Net, params: Params, data: Digits, T: number, k: Key) {
  const predictions = new Int32Array(data.count);
  let ties = 0;
  let silent = 0;
  batches(data, 256, undefined).forEach((b, i) => {
    const counts = tf.tidy(() => tf.sum(run(net, params, tensors(b)[0], T, foldIn(k, i), false), 0)); // [B, 10]
    const d = decide(counts.dataSync(), 10);
    counts.dispose();
    predictions.set(d.predictions, i * 256);
    ties += d.ties;
    silent += d.silent;
  });
  return { accuracy: accuracy(data.labels, predictions), ties, silent, images: data.count };
}

/** Trains the one-layer SNN on the training set and evaluates it on the official test set. */
export async function firstSnn(options: FirstSnnOptions) {
  const { timeSteps: T = 8, tau = 2, batchSize = 64, lr = 1e-3, epochs = 1, seed = 0, log = () => {} } = options;
  await setBackend(options.backend ?? 'wasm'); // in Node the fast one: XNNPACK and spikefn's SIMD kernels, every core
  const started = performance.now();
  const data = loadIdxDataset(options.dataDir); // { train, test }: the official split, pixels / 255
  const net = oneLayerSnn(tau);
  const opt = adam({ lr });
  let params = net.init(foldIn(key(seed), 0));
  let optState = opt.init(params);
  const losses: number[] = [];
  const trainAccuracy: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const kEpoch = foldIn(key(seed), 1 + epoch);
    let correct = 0;
    batches(data.train, batchSize, kEpoch).forEach((b, i) => {
      const [img, label] = tensors(b);
      const { value, grads, aux } = valueAndGradTreeAux((p: Params) => {
        const spikes = run(net, p, img, T, foldIn(kEpoch, i), true);
        return [rateMse(spikes, label), { counts: tf.sum(spikes, 0) }] as const; // mse(out_fr, one_hot(label))
      }, params);
      [params, optState] = optimizerStep(opt, grads, optState, params); // Adam; frees the old params and state
      losses.push(value.dataSync()[0] as number);
      correct += accuracy(b.labels, decide(aux.counts.dataSync(), 10).predictions) * b.size;
      tf.dispose([img, label, value, aux.counts]);
      if (i % 100 === 0) log(`epoch ${epoch + 1} batch ${i}: loss ${losses.at(-1)?.toFixed(4)}`);
    });
    trainAccuracy.push(correct / data.train.count);
    log(`epoch ${epoch + 1}: train accuracy ${(correct / data.train.count).toFixed(4)}`);
  }
  const test = evaluate(net, params, data.test, T, foldIn(key(seed), 1000));
  log(`test accuracy: ${test.accuracy.toFixed(4)} (${test.images} images; ${test.ties} ties, ${test.silent} silent)`);
  treeDispose([params, optState]);
  return { losses, trainAccuracy, test, seconds: (performance.now() - started) / 1000 };
}

// `npx tsx --conditions=@spikefn/source docs/examples/tutorial-first-snn.ts DATA_DIR [EPOCHS]` from the repository root
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dataDir = '/usr/share/datasets/fashion-mnist', epochs = '1'] = process.argv.slice(2);
  const r = await firstSnn({ dataDir, epochs: Number(epochs), log: console.log });
  console.log(`done in ${r.seconds.toFixed(0)} s`);
}
