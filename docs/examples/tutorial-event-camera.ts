import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@spikefn/core/tf';
import { type BackendName, foldIn, key, multiStep, seqToANN, sequential, setBackend, treeDispose } from '@spikefn/core';
import { batchNorm2d, conv2d, flatten, linear, maxPool2d } from '@spikefn/layers';
import { accuracy, adam, decide, optimizerStep, rateMse, valueAndGradTreeAux } from '@spikefn/learning';
import { eventFrames, type Events, type FrameOptions, NMNIST_SIZE, permutation, readNMnist } from '@spikefn/node';
import { lifNode } from '@spikefn/neurons';

// ── 1. Events from files ─────────────────────────────────────────────────────────────────────────────────────

/** Labelled event streams. */
export type EventSet = { readonly samples: readonly Events[]; readonly labels: Int32Array };

/** N-MNIST as SpikingJelly extracts it: `dir/Train/<digit>/*.bin` and `dir/Test/<digit>/*.bin`, one file per sample. */
export function readNMnistFolder(dir: string, split: 'Train' | 'Test'): EventSet {
  const samples: Events[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const folder = join(dir, split, String(digit));
    for (const file of readdirSync(folder)
      .filter((f) => f.endsWith('.bin'))
      .sort()) {
      samples.push(readNMnist(join(folder, file))); // { t (µs), x, y, p }, one entry per event
      labels.push(digit);
    }
  }
  return { samples, labels: Int32Array.from(labels) };
}

// ── 2. Frames from events, and a small network over them ─────────────────────────────────────────────────────

/** T frames per sample, each with the sample's events split into T equal counts (34 × 34 pixels, 2 polarities). */
export const frameOptions = (T: number): FrameOptions => ({ frames: T, splitBy: 'number', ...NMNIST_SIZE });

/** conv3×3(2→c)-BN-LIF-maxpool2 (34 → 17), then flatten-linear-LIF: output spikes [T, B, 10]. */
export const eventNet = (channels: number) =>
  sequential({
    conv: seqToANN(conv2d({ inChannels: 2, outChannels: channels, kernelSize: 3, padding: 1, bias: false })),
    bn: seqToANN(batchNorm2d({ numFeatures: channels })),
    lif1: multiStep(lifNode({ tau: 2, detachReset: true })),
    pool: seqToANN(maxPool2d({ kernelSize: 2 })),
    flatten: seqToANN(flatten()),
    fc: seqToANN(linear({ inFeatures: channels * 17 * 17, outFeatures: 10 })),
    lif2: multiStep(lifNode({ tau: 2, detachReset: true })),
  });

type Net = ReturnType<typeof eventNet>;
type Params = ReturnType<Net['init']>;
type Bn = ReturnType<Net['initialState']>['bn'];

/** The samples at `idx` as frames [T, B, 2, 34, 34] (event counts) and labels [B]. */
function batch(set: EventSet, idx: ArrayLike<number>, T: number) {
  const frames = eventFrames(
    Array.from(idx, (i) => set.samples[i] as Events),
    frameOptions(T),
  );
  return { frames, labels: Int32Array.from(idx, (i) => set.labels[i] as number) };
}

/** Spikes and the new BatchNorm statistics; call inside tf.tidy or valueAndGradTreeAux (they free the rest). */
function forward(net: Net, params: Params, bn: Bn, frames: tf.Tensor, training: boolean) {
  const s0 = { ...net.initialState(params, frames.shape, key(0)), bn }; // neurons at rest, statistics carried
  const [s, spikes] = net.step(params, s0, frames, { training, key: key(0) });
  return { spikes, bn: s.bn };
}

// ── 3. Training and evaluation ───────────────────────────────────────────────────────────────────────────────

/** The tutorial's settings. */
export type EventOptions = {
  readonly dataDir: string; //       the extracted N-MNIST folder (Train/, Test/)
  readonly timeSteps?: number; //    frames per sample, default 10
  readonly channels?: number; //     default 16
  readonly epochs?: number; //       default 1
  readonly batchSize?: number; //    default 32
  readonly lr?: number; //           default 1e-3
  readonly seed?: number; //         default 0
  readonly backend?: BackendName; // default 'wasm'
  readonly log?: (line: string) => void;
};

/** Trains the network on N-MNIST's training samples and evaluates it on its test samples. */
export async function eventCamera(options: EventOptions) {
  const { timeSteps: T = 10, channels = 16, epochs = 1, batchSize = 32, lr = 1e-3, seed = 0, log = () => {} } = options;
  await setBackend(options.backend ?? 'wasm'); // Node: wasm is several times faster than 'cpu' here
  const train = readNMnistFolder(options.dataDir, 'Train');
  const test = readNMnistFolder(options.dataDir, 'Test');
  const net = eventNet(channels);
  let params = net.init(foldIn(key(seed), 0));
  let bn: Bn = tf.tidy(() => net.initialState(params, [T, 1, 2, 34, 34], key(0)).bn);
  const opt = adam({ lr });
  let optState = opt.init(params);
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = permutation(foldIn(key(seed), 1 + epoch), train.samples.length); // a keyed shuffle per epoch
    for (let at = 0; at < order.length; at += batchSize) {
      const b = batch(train, order.subarray(at, at + batchSize), T);
      const label = tf.tensor1d(b.labels, 'int32');
      const { value, grads, aux } = valueAndGradTreeAux((p: Params) => {
        const out = forward(net, p, bn, b.frames, true);
        return [rateMse(out.spikes, label), out.bn] as const;
      }, params);
      [params, optState] = optimizerStep(opt, grads, optState, params);
      treeDispose(bn);
      bn = aux;
      losses.push(value.dataSync()[0] as number);
      tf.dispose([b.frames, label, value]);
      if (losses.length % 50 === 1) log(`epoch ${epoch + 1} step ${losses.length}: loss ${losses.at(-1)?.toFixed(4)}`);
    }
  }
  const predictions = new Int32Array(test.samples.length);
  const frameShape: number[] = [];
  let ties = 0;
  let silent = 0;
  for (let at = 0; at < test.samples.length; at += 128) {
    const idx = Int32Array.from({ length: Math.min(128, test.samples.length - at) }, (_, i) => at + i);
    const b = batch(test, idx, T);
    if (at === 0) frameShape.push(...b.frames.shape); // [T, B, 2, 34, 34]
    const counts = tf.tidy(() => tf.sum(forward(net, params, bn, b.frames, false).spikes, 0)); // [B, 10]
    const d = decide(counts.dataSync(), 10); // the most spikes wins; a tie goes to the lowest class
    predictions.set(d.predictions, at);
    ties += d.ties;
    silent += d.silent;
    tf.dispose([b.frames, counts]);
  }
  const testAccuracy = accuracy(test.labels, predictions);
  log(`test accuracy: ${testAccuracy.toFixed(4)} (${test.samples.length} samples; ${ties} ties, ${silent} silent)`);
  treeDispose([params, bn, optState]);
  return { losses, testAccuracy, ties, silent, frameShape };
}

// `npx tsx --conditions=@spikefn/source docs/examples/tutorial-event-camera.ts N_MNIST_DIR [EPOCHS]` from the repository root
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dataDir = 'data/n-mnist', epochs = '1'] = process.argv.slice(2);
  await eventCamera({ dataDir, epochs: Number(epochs), log: console.log });
}
