// multiStep / runSequence with options.checkpointEvery: the checkpointed scan of step (scan-checkpoint.ts) behind the
// containers. The same values as without, the same gradients for the params and the input, the steps recomputed
// in the backward pass, no leaked tensors, and bad options refused.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key } from '../src/key.js';
import { trainCtx, type Layer } from '../src/layer.js';
import { multiStep } from '../src/multi-step.js';
import { uniform } from '../src/random.js';
import { runSequence } from '../src/scan.js';
import { SpikefnArgumentError } from '../src/validate.js';
import { toy, type ToyParams, type ToyState } from './toy.js';

const k = key(5);

/** The toy layer with its steps counted. */
function counted(): { layer: Layer<ToyParams, ToyState>; calls: { n: number } } {
  const base = toy(3);
  const calls = { n: 0 };
  return {
    calls,
    layer: {
      ...base,
      step: (p, s, x, ctx) => {
        calls.n++;
        return base.step(p, s, x, ctx);
      },
    },
  };
}

/** Σ c·ys + Σ v_T through multiStep(toy, options): ys are 0/1, so the gradient comes through v_T. */
const lossOf =
  (layer: Layer<ToyParams, ToyState>, every: number | undefined) =>
  (w: tf.Tensor, xs: tf.Tensor): tf.Scalar => {
    const net = multiStep(layer, every === undefined ? {} : { checkpointEvery: every });
    const [s, ys] = net.step({ w }, { v: tf.zeros([2, 3]) }, xs, trainCtx(k));
    return tf.add(tf.sum(tf.mul(ys, tf.reshape(tf.range(1, ys.size + 1), ys.shape))), tf.sum(tf.mul(s.v, 3)));
  };

describe('multiStep(layer, { checkpointEvery })', () => {
  it('gives the same outputs and state, and the same gradients for params and input, recomputing steps in the backward pass', () => {
    const w = tf.tensor1d([0.9, 1.1, 0.7]);
    const xs = uniform(k, [10, 2, 3], 0, 1.2);
    const plain = counted();
    const [pw, px] = tf.grads(lossOf(plain.layer, undefined))([w, xs]) as [tf.Tensor, tf.Tensor];
    expect(plain.calls.n).toBe(10);
    expect(Array.from(pw.dataSync()).some((g) => g !== 0)).toBe(true);
    for (const every of [1, 3, 4, 10, 25]) {
      const ck = counted();
      const before = tf.memory().numTensors;
      const [cw, cx] = tf.grads(lossOf(ck.layer, every))([w, xs]) as [tf.Tensor, tf.Tensor];
      expect(tf.memory().numTensors - before).toBe(2);
      expect(ck.calls.n).toBe(20); // each step forward, then again in the backward pass
      for (const [a, b] of [
        [pw, cw],
        [px, cx],
      ] as const) {
        const want = a.dataSync();
        b.dataSync().forEach((g, i) => {
          expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i] as number)));
        });
      }
      // Values: bit for bit, as without checkpointing.
      tf.tidy(() => {
        const a = multiStep(plain.layer).step({ w }, { v: tf.zeros([2, 3]) }, xs, trainCtx(k));
        const b = multiStep(ck.layer, { checkpointEvery: every }).step({ w }, { v: tf.zeros([2, 3]) }, xs, trainCtx(k));
        expect(Array.from(b[1].dataSync())).toEqual(Array.from(a[1].dataSync()));
        expect(Array.from(b[0].v.dataSync())).toEqual(Array.from(a[0].v.dataSync()));
      });
      tf.dispose([cw, cx]);
    }
    tf.dispose([w, xs, pw, px]);
  });

  it('a layer with a sequence form runs as the checkpointed scan of its step (its sequence is not called)', () => {
    const ck = counted();
    let sequenceCalls = 0;
    const withSequence: Layer<ToyParams, ToyState> = {
      ...ck.layer,
      sequence: (p, s, xs, ctx) => {
        sequenceCalls++;
        return runSequence(ck.layer, p, s, xs, ctx);
      },
    };
    const w = tf.tensor1d([0.9, 1.1, 0.7]);
    const xs = uniform(k, [8, 2, 3], 0, 1.2);
    const [gPlain, xPlain] = tf.grads(lossOf(withSequence, undefined))([w, xs]) as [tf.Tensor, tf.Tensor];
    expect(sequenceCalls).toBe(1);
    ck.calls.n = 0;
    const [gCk, xCk] = tf.grads(lossOf(withSequence, 3))([w, xs]) as [tf.Tensor, tf.Tensor];
    expect(sequenceCalls).toBe(1);
    expect(ck.calls.n).toBe(16);
    const want = gPlain.dataSync();
    gCk.dataSync().forEach((g, i) => {
      expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i] as number)));
    });
    tf.dispose([w, xs, gPlain, gCk, xPlain, xCk]);
  });

  it('runSequence takes the same option; without a gradient being recorded nothing is recomputed', () => {
    const ck = counted();
    tf.tidy(() => {
      const xs = uniform(k, [6, 2, 3], 0, 1.2);
      const p = { w: tf.tensor1d([1, 1, 1]) };
      const [, ys] = runSequence(ck.layer, p, { v: tf.zeros([2, 3]) }, xs, trainCtx(k), { checkpointEvery: 2 });
      expect(ys.shape).toEqual([6, 2, 3]);
    });
    expect(ck.calls.n).toBe(6);
  });

  it('refuses a checkpointEvery that is not an integer >= 1, and options that are not a record', () => {
    const layer = toy(3);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => multiStep(layer, { checkpointEvery: bad })).toThrow(SpikefnArgumentError);
      expect(() => multiStep(layer, { checkpointEvery: bad })).toThrow(/multiStep\(toy\): argument 'options.checkpointEvery'/);
    }
    expect(() => multiStep(layer, null as never)).toThrow(/multiStep\(toy\): argument 'options'/);
    tf.tidy(() => {
      expect(() =>
        runSequence(layer, { w: tf.ones([3]) }, { v: tf.zeros([3]) }, tf.zeros([2, 3]), trainCtx(k), { checkpointEvery: 0 }),
      ).toThrow(/toy.sequence: argument 'options.checkpointEvery'/);
    });
  });
});
