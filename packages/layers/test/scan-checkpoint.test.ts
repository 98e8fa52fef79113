// Gradient checkpointing in scan (options.checkpointEvery): the same values and gradients as the plain scan, for a
// linear layer with params followed by a LIF neuron (surrogate gradient), over random T, k and shapes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, scanLayer, sequential, split, treeDispose, uniform, type Key, type Tree } from '@spikefn/core';
import { lifNode } from '@spikefn/neurons';
import { linear } from '../src/index.js';

type Run = { value: number[]; ys: number[]; v: number[]; grads: number[][] };

/**
 * loss = Σ cy · ys + Σ cv · v_T (random cotangents for the outputs and the final carry); its value and its gradients
 * with respect to the linear layer's weight and bias, the input sequence and the initial membrane.
 */
function lossAndGrads(T: number, B: number, nIn: number, nOut: number, seed: number, every: number | undefined): Run {
  const [kInit, kX, kV, kCy, kCv] = split(key(seed), 5) as [Key, Key, Key, Key, Key];
  const net = sequential({ fc: linear({ inFeatures: nIn, outFeatures: nOut }), lif: lifNode({ tau: 2, vThreshold: 0.5 }) });
  const params = net.init(kInit);
  const xs = uniform(kX, [T, B, nIn], -1, 2);
  const v0 = uniform(kV, [B, nOut], 0, 0.5);
  const cy = uniform(kCy, [T, B, nOut], -1, 1);
  const cv = uniform(kCv, [B, nOut], -1, 1);
  const ctx = { training: true, key: kInit };
  let ys: tf.Tensor | undefined;
  let vT: tf.Tensor | undefined;
  const f = (w: tf.Tensor, b: tf.Tensor, x: tf.Tensor, v: tf.Tensor): tf.Scalar => {
    const p = { fc: { weight: w, bias: b }, lif: params.lif };
    const s0 = { fc: {}, lif: { v } };
    const [s, y] = scanLayer(net as never, p, s0, x, ctx, every === undefined ? {} : { checkpointEvery: every });
    ys = tf.keep(tf.clone(y));
    vT = tf.keep(tf.clone((s as { lif: { v: tf.Tensor } }).lif.v));
    return tf.add(tf.sum(tf.mul(y, cy)), tf.sum(tf.mul((s as { lif: { v: tf.Tensor } }).lif.v, cv)));
  };
  const { value, grads } = tf.valueAndGrads(f as never)([params.fc.weight, params.fc.bias as tf.Tensor, xs, v0]);
  const out: Run = {
    value: Array.from(value.dataSync()),
    ys: Array.from((ys as tf.Tensor).dataSync()),
    v: Array.from((vT as tf.Tensor).dataSync()),
    grads: grads.map((g) => Array.from(g.dataSync())),
  };
  tf.dispose([value, ...grads, ys as tf.Tensor, vT as tf.Tensor, xs, v0, cy, cv]);
  treeDispose(params as unknown as Tree);
  return out;
}

const close = (got: number[], want: number[]): void => {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((g, i) => {
    expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(1e-5 * scale);
  });
};

describe('scan with checkpointEvery', () => {
  it('equals the plain scan in value and gradient (linear + LIF; params, inputs, initial state)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 14 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(1000),
        (T, k, B, nIn, nOut, seed) => {
          const before = tf.memory().numTensors;
          const plain = lossAndGrads(T, B, nIn, nOut, seed, undefined);
          const ckpt = lossAndGrads(T, B, nIn, nOut, seed, k);
          expect(tf.memory().numTensors).toBe(before);
          expect(ckpt.ys).toEqual(plain.ys);
          expect(ckpt.v).toEqual(plain.v);
          close(ckpt.value, plain.value);
          ckpt.grads.forEach((g, i) => {
            close(g, plain.grads[i] as number[]);
          });
          // The surrogate gradient reaches the weight (not a vacuous comparison of zeros).
          expect((plain.grads[0] as number[]).some((g) => g !== 0)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('two checkpointed layers in one loss: the second scans a sequence made inside the loss, freed before the backward pass', () => {
    const T = 11;
    const [k1, k2, kX] = split(key(7), 3) as [Key, Key, Key];
    const net1 = sequential({ fc: linear({ inFeatures: 3, outFeatures: 4 }), lif: lifNode({ vThreshold: 0.4 }) });
    const net2 = sequential({ fc: linear({ inFeatures: 4, outFeatures: 2 }), lif: lifNode({ vThreshold: 0.3 }) });
    const p1 = net1.init(k1);
    const p2 = net2.init(k2);
    const xs = uniform(kX, [T, 2, 3], 0, 2);
    const ctx = { training: true, key: k1 };
    const grads = (e1?: number, e2?: number): number[][] => {
      const f = (w1: tf.Tensor, w2: tf.Tensor, x: tf.Tensor): tf.Scalar => {
        const q1 = { fc: { weight: w1, bias: p1.fc.bias as tf.Tensor }, lif: p1.lif };
        const q2 = { fc: { weight: w2, bias: p2.fc.bias as tf.Tensor }, lif: p2.lif };
        const [s1, h] = scanLayer(
          net1 as never,
          q1,
          net1.initialState(q1, [2, 3], k1),
          x,
          ctx,
          e1 === undefined ? {} : { checkpointEvery: e1 },
        );
        const [s2, y] = scanLayer(
          net2 as never,
          q2,
          net2.initialState(q2, [2, 4], k2),
          h,
          ctx,
          e2 === undefined ? {} : { checkpointEvery: e2 },
        );
        treeDispose([s1, s2]);
        return tf.sum(tf.mul(y, tf.reshape(tf.range(0, y.size), y.shape)));
      };
      const g = tf.grads(f as never)([p1.fc.weight, p2.fc.weight, xs]);
      const out = g.map((t) => Array.from(t.dataSync()));
      tf.dispose(g);
      return out;
    };
    const before = tf.memory().numTensors;
    const plain = grads();
    for (const [e1, e2] of [
      [3, 4],
      [1, 11],
      [5, undefined],
      [undefined, 2],
    ] as const) {
      grads(e1, e2).forEach((g, i) => {
        close(g, plain[i] as number[]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    expect((plain[0] as number[]).some((g) => g !== 0)).toBe(true);
    treeDispose([p1, p2, xs] as unknown as Tree);
  });
});
