import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeLeaves } from '@spikefn/core';
import { CheckpointError } from '@spikefn/learning';
import { loadMnist, trainTestSplit } from '@spikefn/node';
import { loadRun, saveRun } from '../src/checkpoint.js';
import { model } from '../src/model.js';
import { disposeRun, evaluate, initRun, runKeys, trainEpoch, type RunState, type TrainConfig } from '../src/train.js';

// A tiny network and a few batches (cpu backend): seconds, not minutes.
const TINY: TrainConfig = {
  timeSteps: 2,
  channels: [2, 4],
  encoding: 'direct',
  tau: 2,
  epochs: 2,
  batchSize: 16,
  lr: 0.01,
  seed: 3,
  loss: 'mse',
  trainSize: 32,
  testSize: 16,
};
const dir = mkdtempSync(join(tmpdir(), 'mnist-example-'));

const data = (c: TrainConfig) => trainTestSplit(runKeys(c.seed).split, loadMnist(), c.trainSize, c.testSize);
const values = (run: RunState): number[][] => treeLeaves([run.params, run.state, run.opt] as never).map((t) => Array.from(t.dataSync()));

function trainFrom(c: TrainConfig, run: RunState, until: number): RunState {
  const net = model(c);
  const { train } = data(c);
  let r = run;
  while (r.epochsDone < until) r = trainEpoch(c, net, r, train).run;
  return r;
}

describe('MNIST example training', () => {
  it('same seed, same result: two runs give bit-identical params, state and accuracy', () => {
    const a = trainFrom(TINY, initRun(TINY), 1);
    const b = trainFrom(TINY, initRun(TINY), 1);
    expect(values(a)).toEqual(values(b));
    const { test } = data(TINY);
    expect(evaluate(TINY, model(TINY), a, test).accuracy).toBe(evaluate(TINY, model(TINY), b, test).accuracy);
    disposeRun(a);
    disposeRun(b);
  });
  it('resume: 1 epoch, checkpoint to a file, load, 1 more epoch = 2 epochs uninterrupted (exactly)', () => {
    const whole = trainFrom(TINY, initRun(TINY), 2);
    const half = trainFrom(TINY, initRun(TINY), 1);
    const path = join(dir, 'half.spikefn');
    saveRun(path, TINY, half);
    disposeRun(half);
    const loaded = loadRun(path);
    expect(loaded.config).toEqual(TINY);
    expect(loaded.run.epochsDone).toBe(1);
    const resumed = trainFrom(loaded.config, loaded.run, 2);
    expect(values(resumed)).toEqual(values(whole));
    disposeRun(whole);
    disposeRun(resumed);
  });
  it('the loss falls on a small training set', () => {
    const c: TrainConfig = { ...TINY, trainSize: 48, epochs: 3 };
    const net = model(c);
    const { train } = data(c);
    let r = initRun(c);
    const losses: number[] = [];
    for (let e = 0; e < 3; e++) {
      const out = trainEpoch(c, net, r, train);
      losses.push(out.loss);
      r = out.run;
    }
    expect(losses[2]).toBeLessThan(losses[0] as number);
    disposeRun(r);
  });
  it('a corrupted or mismatched checkpoint is refused with a clear error', () => {
    const run = initRun(TINY);
    const path = join(dir, 'c.spikefn');
    saveRun(path, TINY, run);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
    writeFileSync(path, bytes);
    expect(() => loadRun(path)).toThrow(CheckpointError);
    expect(() => loadRun(path)).toThrow(/checksum/);
    // a checkpoint whose config says 4 conv channels but whose tensors have 2 (as if edited by hand): mismatch.
    saveRun(path, { ...TINY, channels: [4, 4] }, run);
    expect(() => loadRun(path)).toThrow(/conv1\.weight' is float32 \[2, 1, 3, 3\], the model expects float32 \[4, 1, 3, 3\]/);
    disposeRun(run);
  });
  it('poisson encoding trains too, and leaves no tensors behind per epoch', () => {
    const c: TrainConfig = { ...TINY, encoding: 'poisson', epochs: 1 };
    const r0 = initRun(c);
    const before = tf.memory().numTensors;
    const r1 = trainFrom(c, r0, 1);
    expect(tf.memory().numTensors).toBe(before);
    disposeRun(r1);
  });
});
