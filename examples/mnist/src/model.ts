/**
 * The spiking CNN of the MNIST example, in SpikingJelly's style (its `CSNN` for (Fashion-)MNIST), multi-step over
 * `[T, B, ...]`:
 *
 *   x [B, 1, 28, 28] ─ encoder ─▶ conv 3×3 (1→c1, pad 1) ─ BN ─ LIF ─ maxpool 2        → [T, B, c1, 14, 14]
 *                                 conv 3×3 (c1→c2, pad 1) ─ BN ─ LIF ─ maxpool 2       → [T, B, c2, 7, 7]
 *                                 flatten ─ linear (c2·49 → 10) ─ LIF                  → spikes [T, B, 10]
 *
 * The prediction is the class whose output neuron fires most (argmax of the firing rate); with T = 4 steps two
 * neurons often fire equally often, so ties are broken by the output layer's mean input current ({@link predict}).
 *
 * With the `direct` encoding (the default) the input is the same at every step, so the first conv and BatchNorm
 * are computed **once** on `[B, 1, 28, 28]` and the result repeated over T (SpikingJelly's "static conv" trick:
 * identical values, T times less work); with `poisson` they run on all `T·B` spike frames.
 *
 * Params: `{ conv1, bn1, conv2, bn2, fc }`. State that outlives a batch: the BatchNorm running statistics
 * `{ bn1, bn2 }` (checkpointed). Neuron membranes start at rest for every batch (a fresh `initialState`).
 *
 * @category examples
 */
import * as tf from '@spikefn/core/tf';
import { foldIn, key as makeKey, type Key, seqToANN } from '@spikefn/core';
import type { Ctx } from '@spikefn/core';
import {
  batchNorm2d,
  type BatchNormParams,
  type BatchNormState,
  conv2d,
  type Conv2dParams,
  linear,
  type LinearParams,
  maxPool2d,
} from '@spikefn/layers';
import { poisson } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';

/** The network's hyper-parameters (stored in checkpoints). @category examples */
export type ModelConfig = {
  readonly timeSteps: number;
  readonly channels: readonly [number, number];
  readonly encoding: 'direct' | 'poisson';
  readonly tau: number;
};

/** Learnable parameters. @category examples */
export type ModelParams = {
  readonly conv1: Conv2dParams;
  readonly bn1: BatchNormParams;
  readonly conv2: Conv2dParams;
  readonly bn2: BatchNormParams;
  readonly fc: LinearParams;
};
/** State kept across batches: BatchNorm running statistics. @category examples */
export type ModelState = { readonly bn1: BatchNormState; readonly bn2: BatchNormState };
/** Spikes of each LIF layer, `[T, B, ...]`. @category examples */
export type LayerSpikes = { readonly lif1: tf.Tensor; readonly lif2: tf.Tensor; readonly lif3: tf.Tensor; readonly current: tf.Tensor };

/** The names of the spiking layers, in order. @category examples */
export const SPIKING_LAYERS = ['lif1', 'lif2', 'lif3'] as const;

/**
 * Predicted classes `[B]`: argmax of `count + ½·sigmoid(mean_t current)`, i.e. the spike count decides and the mean
 * input current of the output neurons (`[T, B, 10]`) only breaks ties (the added term is in (0, ½)).
 *
 * @category examples
 */
export const predict = (spikes: tf.Tensor, current: tf.Tensor): tf.Tensor =>
  tf.tidy(() => tf.argMax(tf.add(tf.sum(spikes, 0), tf.mul(0.5, tf.sigmoid(tf.mean(current, 0)))), 1));

/** Builds the layers of the network for a config. @category examples */
export function model(config: ModelConfig) {
  const [c1, c2] = config.channels;
  const conv1 = conv2d({ inChannels: 1, outChannels: c1, kernelSize: 3, padding: 1, bias: false });
  const bn1 = batchNorm2d({ numFeatures: c1 });
  const conv2 = seqToANN(conv2d({ inChannels: c1, outChannels: c2, kernelSize: 3, padding: 1, bias: false }));
  const bn2 = seqToANN(batchNorm2d({ numFeatures: c2 }));
  const pool = seqToANN(maxPool2d({ kernelSize: 2 }));
  const fc = seqToANN(linear({ inFeatures: c2 * 49, outFeatures: 10 }));
  const neuron = lifNode({ tau: config.tau, detachReset: true });
  const T = config.timeSteps;

  const init = (key: Key): ModelParams => ({
    conv1: conv1.init(foldIn(key, 0)),
    bn1: bn1.init(foldIn(key, 1)),
    conv2: conv2.init(foldIn(key, 2)),
    bn2: bn2.init(foldIn(key, 3)),
    fc: fc.init(foldIn(key, 4)),
  });
  const initialState = (params: ModelParams): ModelState => ({
    bn1: bn1.initialState(params.bn1, [2, c1, 28, 28], foldIn(key0, 1)),
    bn2: bn2.initialState(params.bn2, [T, 2, c2, 14, 14], foldIn(key0, 3)),
  });

  /** `[T, B, ...]` spikes of a LIF layer from its input currents, membranes at rest. */
  const spikes = (xs: tf.Tensor): tf.Tensor => {
    const s0 = neuron.initialState({}, xs.shape.slice(1), key0);
    const [s, ys] = neuron.sequence({}, s0, xs);
    tf.dispose([s.v, s0.v]);
    return ys;
  };

  /**
   * The forward pass: `x [B, 1, 28, 28]` in [0, 1] → `[state', outputs [T, B, 10], spikes of every LIF layer]`.
   * `ctx.key` draws the Poisson spikes. Differentiable with respect to `params` (BPTT through the LIF layers).
   */
  const forward = (params: ModelParams, state: ModelState, x: tf.Tensor, ctx: Ctx): [ModelState, tf.Tensor, LayerSpikes] => {
    const B = x.shape[0] as number;
    let s1: BatchNormState;
    let cur1: tf.Tensor;
    if (config.encoding === 'direct') {
      // static conv: conv1 + BN once, repeated over T (a rank-2 broadcast multiply, cheap and differentiable).
      const [, a] = conv1.step(params.conv1, {}, x, ctx);
      const [s, b] = bn1.step(params.bn1, state.bn1, a, ctx);
      s1 = s;
      cur1 = tf.reshape(tf.mul(tf.ones([T, 1]), tf.reshape(b, [1, -1])), [T, B, c1, 28, 28]);
    } else {
      const frames = poisson(ctx.key, x, T); // [T, B, 1, 28, 28]
      const [, a] = seqToANN(conv1).step(params.conv1, {}, frames, ctx);
      const [s, b] = seqToANN(bn1).step(params.bn1, state.bn1, a, ctx);
      s1 = s;
      cur1 = b;
    }
    const lif1 = spikes(cur1);
    const [, p1] = pool.step({}, {}, lif1, ctx);
    const [, a2] = conv2.step(params.conv2, {}, p1, ctx);
    const [s2, b2] = bn2.step(params.bn2, state.bn2, a2, ctx);
    const lif2 = spikes(b2);
    const [, p2] = pool.step({}, {}, lif2, ctx);
    const flat = tf.reshape(p2, [T, B, c2 * 49]);
    const [, z] = fc.step(params.fc, {}, flat, ctx);
    const lif3 = spikes(z);
    return [{ bn1: s1, bn2: s2 }, lif3, { lif1, lif2, lif3, current: z }];
  };

  /** Membrane traces of the output layer for a batch (eval mode): `{ spikes, v, vBeforeReset }`, each `[T, B, 10]`. */
  const outputTrace = (params: ModelParams, state: ModelState, x: tf.Tensor, ctx: Ctx) =>
    tf.tidy(() => {
      const [, , sp] = forward(params, state, x, ctx);
      const B = x.shape[0] as number;
      // the output layer's input currents again, then the neuron's record form.
      const [, p2] = pool.step({}, {}, sp.lif2, ctx);
      const [, z] = fc.step(params.fc, {}, tf.reshape(p2, [T, B, c2 * 49]), ctx);
      const s0 = neuron.initialState({}, z.shape.slice(1), key0);
      const [, rec] = neuron.record({}, s0, z);
      return { ...rec, lif1: sp.lif1, lif2: sp.lif2 };
    });

  return { config, init, initialState, forward, outputTrace, neuron };
}

const key0 = makeKey(0);

/** The network record of {@link model}. @category examples */
export type Model = ReturnType<typeof model>;
