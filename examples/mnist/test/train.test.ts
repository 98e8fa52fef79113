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
import { DivergenceError, disposeRun, evaluate, initRun, runKeys, trainEpoch, type RunState, type TrainConfig } from '../src/train.js';
import { saveCheckpoint } from '@spikefn/node';

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
  it('records the loss and accuracy of every step; their batch-weighted mean is the epoch mean', () => {
    const c: TrainConfig = { ...TINY, trainSize: 40, epochs: 1 }; // batches of 16, 16, 8
    const { train } = data(c);
    const out = trainEpoch(c, model(c), initRun(c), train);
    expect(out.stepLoss.length).toBe(3);
    expect(out.stepAcc.length).toBe(3);
    const sizes = [16, 16, 8];
    expect(out.stepLoss.reduce((a, l, i) => a + l * (sizes[i] as number), 0) / 40).toBeCloseTo(out.loss, 6);
    expect(out.stepAcc.reduce((a, x, i) => a + x * (sizes[i] as number), 0) / 40).toBeCloseTo(out.acc, 12);
    disposeRun(out.run);
  });
  it('divergence: a non-finite parameter stops training at that step with a DivergenceError, leaking nothing', () => {
    const c: TrainConfig = { ...TINY, lr: 1e308, epochs: 1 };
    const r0 = initRun(c);
    const before = tf.memory().numTensors;
    const leaves = treeLeaves([r0.params, r0.state, r0.opt] as never).length;
    let err: unknown;
    try {
      trainEpoch(c, model(c), r0, data(c).train);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err).toMatchObject({ epoch: 1, step: 1 });
    expect((err as Error).message).toMatch(/^training diverged at epoch 1, step 1: parameter \S+ \((NaN|-?Infinity)\) is not finite$/);
    expect(tf.memory().numTensors).toBe(before - leaves); // the run was consumed, nothing else is left
  });
  it('evaluation counts ties and silent outputs and returns the labels it scored', () => {
    const { test } = data(TINY);
    const run = initRun(TINY);
    const ev = evaluate(TINY, model(TINY), run, test, 5);
    expect(Array.from(ev.labels)).toEqual(Array.from(test.labels));
    expect(ev.ties + ev.silent).toBeLessThanOrEqual(test.count);
    // an untrained network at T = 2 barely fires: most outputs are silent
    expect(ev.silent).toBeGreaterThan(0);
    disposeRun(run);
  });
  it("loadRun refuses a stored config out of the flags' ranges, and fills in the history of older checkpoints", () => {
    const run = initRun(TINY);
    const path = join(dir, 'cfg.spikefn');
    const before = tf.memory().numTensors;
    for (const [bad, msg] of [
      [{ batchSize: -5 }, /batchSize must be an integer from 2 to 65536, got -5/],
      [{ epochs: 1e12 }, /epochs must be an integer from 0 to 10000/],
      [{ channels: [90000, 4] }, /channels must be two integers from 1 to 1024/],
      [{ lr: null }, /lr must be a finite number > 0/],
      [{ loss: 'hinge' }, /loss must be one of mse, ce, tet/],
    ] as const) {
      saveRun(path, { ...TINY, ...bad } as TrainConfig, run);
      expect(() => loadRun(path)).toThrow(msg);
      expect(tf.memory().numTensors).toBe(before); // the file's tensors are disposed on failure
    }
    // a checkpoint of an earlier version: history without the per-step fields
    const meta = {
      config: TINY,
      key: [0, 0],
      epochsDone: 1,
      history: { epoch: [1], trainLoss: [0.5], trainAcc: [0.5], testAcc: [0.5], seconds: [1] },
    };
    saveCheckpoint(path, { meta, trees: { params: run.params, state: run.state, opt: run.opt } as never });
    const loaded = loadRun(path);
    expect(loaded.run.history).toEqual({
      epoch: [1],
      trainLoss: [0.5],
      trainAcc: [0.5],
      testAcc: [0.5],
      seconds: [1],
      stepLoss: [],
      stepAcc: [],
      stepsPerEpoch: [],
    });
    disposeRun(loaded.run);
    disposeRun(run);
  });
});
