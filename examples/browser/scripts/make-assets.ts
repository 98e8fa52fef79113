/**
 * Copies the MNIST example's checkpoint into the page's public folder and writes `samples.json` (held-out digits of
 * that run's own keyed split, two per class, for the page's "Sample digit" button and the browser tests).
 *
 *   pnpm start -- --epochs 2 --out out/mnist           # the MNIST example trains and writes out/mnist/checkpoint.spikefn
 *   pnpm --filter @spikefn/example-browser assets      # copies it here (or: tsx scripts/make-assets.ts PATH)
 *
 * The checkpoint is copied byte for byte: the page decodes the very file the example wrote.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpointOrThrow, loadMnist, trainTestSplit, PIXELS } from '@spikefn/node';
import { setBackend, treeDispose } from '@spikefn/core';
import { runKeys, type TrainConfig } from '@spikefn/example-mnist/src/train';

const here = dirname(fileURLToPath(import.meta.url));
const from = resolve(process.argv[2] ?? join(here, '../../../out/mnist/checkpoint.spikefn'));
const pub = join(here, '../public');

await setBackend('cpu');
const ckpt = loadCheckpointOrThrow(from);
for (const t of Object.values(ckpt.trees)) treeDispose(t);
const meta = ckpt.meta as unknown as { config: TrainConfig; history?: { testAcc?: number[] } };
copyFileSync(from, join(pub, 'checkpoint.spikefn'));
const { test } = trainTestSplit(runKeys(meta.config.seed).split, loadMnist(), meta.config.trainSize, meta.config.testSize);
const perClass = new Map<number, number>();
const samples: { label: number; pixels: number[] }[] = [];
for (let i = 0; i < test.count && samples.length < 20; i++) {
  const label = test.labels[i] as number;
  if ((perClass.get(label) ?? 0) >= 2) continue;
  perClass.set(label, (perClass.get(label) ?? 0) + 1);
  samples.push({ label, pixels: Array.from(test.images.subarray(i * PIXELS, (i + 1) * PIXELS), (v) => Math.round(v * 1000) / 1000) });
}
samples.sort((a, b) => a.label - b.label);
writeFileSync(join(pub, 'samples.json'), JSON.stringify(samples));
console.log(
  `assets: ${from} → public/checkpoint.spikefn (test accuracy ${meta.history?.testAcc?.at(-1) ?? '?'}); ${samples.length} held-out digits → public/samples.json`,
);
