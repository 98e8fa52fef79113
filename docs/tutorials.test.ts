// The three tutorials (docs/tutorial-*.md): each page embeds its example file verbatim, and the example runs here on
// a small synthetic dataset written in the real file formats (IDX for the image tutorials, N-MNIST's binary events
// for the event-camera one), so the code a reader copies is the code that is tested.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, setBackend, treeDispose, treeLeaves } from '@spikefn/core';
import { encodeIdx, eventFrames } from '@spikefn/node';
import { firstSnn } from './examples/tutorial-first-snn.js';
import { csnn, evaluate, fashionMnistCnn, loadCsnn, saveCsnn } from './examples/tutorial-fashion-mnist-cnn.js';
import { eventCamera, frameOptions, readNMnistFolder } from './examples/tutorial-event-camera.js';

const page = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
const example = (name: string) => readFileSync(new URL(`./examples/${name}`, import.meta.url), 'utf8');

/** A small deterministic generator (an LCG), so the synthetic data does not depend on the code under test. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * An easy 10-class image set in MNIST's IDX format: class c is a bright horizontal band on rows 4 + 2c and 5 + 2c
 * (pixels 180–255) over dim noise (0–40). A one-layer network separates it easily; chance is 10 %.
 */
function writeBands(dir: string, nTrain: number, nTest: number, seed: number): void {
  mkdirSync(dir, { recursive: true });
  const rnd = lcg(seed);
  const part = (name: string, n: number) => {
    const images = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 10;
      labels[i] = c;
      for (let p = 0; p < 784; p++) {
        const row = Math.floor(p / 28);
        const band = row === 4 + 2 * c || row === 5 + 2 * c;
        images[i * 784 + p] = band ? 180 + Math.floor(rnd() * 76) : Math.floor(rnd() * 41);
      }
    }
    writeFileSync(
      join(dir, `${name}-images-idx3-ubyte.gz`),
      encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: images }, { gzip: true }),
    );
    writeFileSync(join(dir, `${name}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n], data: labels }));
  };
  part('train', nTrain);
  part('t10k', nTest);
}

/** N-MNIST's 5-byte events, written from the format's description: x, y, p·128 | t >> 16, t >> 8 & 255, t & 255. */
const nmnistBytes = (events: readonly { x: number; y: number; p: number; t: number }[]): Uint8Array =>
  Uint8Array.from(events.flatMap((e) => [e.x, e.y, (e.p << 7) | ((e.t >> 16) & 0x7f), (e.t >> 8) & 0xff, e.t & 0xff]));

/**
 * An easy N-MNIST-style folder (Train/<digit>/*.bin, Test/<digit>/*.bin): a sample of class c has 300 events on the
 * vertical line x = 3c + 2 (random rows 4–29, random polarity, times increasing over 300 ms) and 60 noise events
 * anywhere. Returns the number of events of each file, by split, in the order readNMnistFolder lists them.
 */
function writeEventFolder(dir: string, perClass: Record<'Train' | 'Test', number>, seed: number): Record<'Train' | 'Test', number[]> {
  const rnd = lcg(seed);
  const counts: Record<'Train' | 'Test', number[]> = { Train: [], Test: [] };
  for (const split of ['Train', 'Test'] as const) {
    for (let c = 0; c < 10; c++) {
      mkdirSync(join(dir, split, String(c)), { recursive: true });
      for (let k = 0; k < perClass[split]; k++) {
        const events = Array.from({ length: 360 }, (_, i) => {
          const onLine = i % 6 !== 5;
          return {
            x: onLine ? 3 * c + 2 : Math.floor(rnd() * 34),
            y: onLine ? 4 + Math.floor(rnd() * 26) : Math.floor(rnd() * 34),
            p: rnd() < 0.5 ? 1 : 0,
            t: 1000 * i + Math.floor(rnd() * 500),
          };
        });
        writeFileSync(join(dir, split, String(c), `${String(k).padStart(5, '0')}.bin`), nmnistBytes(events));
        counts[split].push(events.length);
      }
    }
  }
  return counts;
}

const mean = (xs: readonly number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;

beforeAll(async () => {
  await setBackend('wasm'); // what the tutorials select; set here first so that the memory counts below start on it
});

describe('docs/tutorial-first-snn.md', () => {
  it('embeds docs/examples/tutorial-first-snn.ts verbatim', () => {
    expect(page('tutorial-first-snn.md')).toContain(example('tutorial-first-snn.ts'));
  });

  it('trains the one-layer SNN on an IDX folder: the loss falls, test accuracy is far above chance, no tensor left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutorial-first-snn-'));
    writeBands(dir, 640, 200, 1);
    const before = tf.memory().numTensors;
    const r = await firstSnn({ dataDir: dir, epochs: 2, batchSize: 32, lr: 1e-2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.losses).toHaveLength(2 * 20); // 640 / 32 batches per epoch
    expect(r.losses.every(Number.isFinite)).toBe(true);
    // MSE between rates in [0, 1] and one-hot targets: in [0, 1]; an untrained layer is near 1/10 (the one-hot's 1)
    expect(mean(r.losses.slice(-5))).toBeLessThan(mean(r.losses.slice(0, 5)) * 0.7);
    expect(r.test.images).toBe(200);
    expect(r.test.accuracy).toBeGreaterThan(0.8); // chance: 0.1
    expect(r.trainAccuracy).toHaveLength(2);
    expect(r.test.ties + r.test.silent).toBeLessThanOrEqual(200);
  });
});

describe('docs/tutorial-fashion-mnist-cnn.md', () => {
  it('embeds docs/examples/tutorial-fashion-mnist-cnn.ts verbatim', () => {
    expect(page('tutorial-fashion-mnist-cnn.md')).toContain(example('tutorial-fashion-mnist-cnn.ts'));
  });

  it('trains, validates and tests the CSNN, and the saved checkpoint loads back to the same test accuracy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutorial-cnn-'));
    writeBands(join(dir, 'data'), 400, 100, 2);
    const before = tf.memory().numTensors;
    const config = { timeSteps: 2, channels: [4, 8] as const, tau: 2 };
    const options = { config, epochs: 2, batchSize: 10, lr: 1e-2, validation: 100 };
    const r = await fashionMnistCnn({ dataDir: join(dir, 'data'), outDir: join(dir, 'out'), ...options });
    expect(tf.memory().numTensors).toBe(before);
    // 60 steps: BatchNorm's running statistics (momentum 0.1) have forgotten their initial variance of 1 (0.9⁶⁰ ≈ 0.002);
    // after 30, 4 % of it was left, 4 times the data's variance here, and every output was silent in eval mode
    expect(r.losses).toHaveLength(2 * 30); // (400 − 100) / 10 steps per epoch
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(mean(r.losses.slice(-5))).toBeLessThan(mean(r.losses.slice(0, 5)));
    expect(r.validationAccuracy).toHaveLength(2);
    expect(r.test.images).toBe(100);
    expect(r.test.accuracy).toBeGreaterThan(0.8); // chance: 0.1
    expect(r.test.f1).toHaveLength(10);
    // the checkpoint: the same network, the same BatchNorm statistics, hence the same test predictions
    const loaded = loadCsnn(r.checkpoint);
    expect(loaded.config).toEqual(config);
    const { test } = (await import('@spikefn/node')).loadIdxDataset(join(dir, 'data'));
    const again = evaluate(loaded.net, loaded.params, loaded.bn, test, config.timeSteps);
    expect(again).toEqual(r.test);
    treeDispose([loaded.params, loaded.bn]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saveCsnn then loadCsnn gives back equal params and statistics; a truncated file is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutorial-cnn-ckpt-'));
    const config = { timeSteps: 3, channels: [2, 3] as const, tau: 2 };
    const net = csnn(config);
    const params = net.init(key(7));
    const bn = tf.tidy(() => {
      const s = net.initialState(params, [3, 1, 1, 28, 28], key(0));
      return { bn1: { runningMean: tf.add(s.bn1.runningMean, 0.25), runningVar: s.bn1.runningVar }, bn2: s.bn2 };
    });
    const path = join(dir, 'csnn.spikefn');
    saveCsnn(path, config, params, bn);
    const loaded = loadCsnn(path);
    const flat = (t: unknown) => treeLeaves(t as never).map((x) => Array.from((x as tf.Tensor).dataSync()));
    expect(flat(loaded.params)).toEqual(flat(params));
    expect(flat(loaded.bn)).toEqual(flat(bn));
    expect(Array.from(loaded.bn.bn1.runningMean.dataSync()).every((v) => v === 0.25)).toBe(true); // 0 + 0.25
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    expect(() => loadCsnn(path)).toThrow(/csnn\.spikefn/);
    treeDispose([params, bn, loaded.params, loaded.bn]);
  });
});

describe('docs/tutorial-event-camera.md', () => {
  it('embeds docs/examples/tutorial-event-camera.ts verbatim', () => {
    expect(page('tutorial-event-camera.md')).toContain(example('tutorial-event-camera.ts'));
  });

  it('reads an N-MNIST folder written in its binary format, in folder order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutorial-events-read-'));
    const counts = writeEventFolder(dir, { Train: 2, Test: 1 }, 3);
    const train = readNMnistFolder(dir, 'Train');
    expect(Array.from(train.labels)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    expect(train.samples.map((s) => s.t.length)).toEqual(counts.Train);
    // every sixth event is noise; the others lie on the class's column x = 3c + 2
    const s7 = train.samples[14]!;
    expect(Array.from(s7.x).filter((x, i) => i % 6 !== 5 && x !== 23)).toEqual([]);
    // the tutorial's frames count every event once: T frames of one sample sum to its 360 events
    const frames = eventFrames([s7], frameOptions(4));
    expect(frames.shape).toEqual([4, 1, 2, 34, 34]);
    expect(tf.sum(frames).dataSync()[0]).toBe(360);
    tf.dispose(frames);
  });

  it('trains the event network on frames [T, B, 2, 34, 34]: the loss falls and test accuracy is far above chance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutorial-events-'));
    writeEventFolder(dir, { Train: 16, Test: 4 }, 4);
    const before = tf.memory().numTensors;
    const r = await eventCamera({ dataDir: dir, timeSteps: 4, channels: 4, epochs: 2, batchSize: 16, lr: 1e-2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.frameShape).toEqual([4, 40, 2, 34, 34]);
    expect(r.losses).toHaveLength(2 * 10); // 160 samples / 16 per batch
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(mean(r.losses.slice(-4))).toBeLessThan(mean(r.losses.slice(0, 4)));
    expect(r.testAccuracy).toBeGreaterThan(0.8); // chance: 0.1
  });
});
