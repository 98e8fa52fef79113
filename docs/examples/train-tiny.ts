import * as tf from '@spikefn/core/tf';
import { foldIn, key, sequential, seqToANN, multiStep, treeDispose } from '@spikefn/core';
import { linear } from '@spikefn/layers';
import { lifNode } from '@spikefn/neurons';
import { poisson, rateMse, valueAndGradTree, adam, optimizerStep } from '@spikefn/learning';

/** Learns to tell two rate patterns apart with BPTT through a LIF layer; returns the loss before and after. */
export function trainTiny(steps = 40) {
  const T = 8;
  const net = sequential({ fc: seqToANN(linear({ inFeatures: 6, outFeatures: 2 })), lif: multiStep(lifNode({ tau: 2 })) });
  const patterns = tf.tensor2d([
    [0.9, 0.9, 0.9, 0.1, 0.1, 0.1],
    [0.1, 0.1, 0.1, 0.9, 0.9, 0.9],
  ]); // firing probabilities
  const labels = tf.tensor1d([0, 1], 'int32');
  const opt = adam({ lr: 0.05 });
  let params = net.init(key(1));
  let optState = opt.init(params);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const xs = poisson(foldIn(key(2), i), patterns, T); // [T, 2, 6] spikes, a fresh draw per step
    const { value, grads } = valueAndGradTree((p) => {
      const s0 = net.initialState(p, xs.shape, key(3)); // every sample starts from rest
      const [s, out] = net.step(p, s0, xs, { training: true, key: key(3) });
      treeDispose(s);
      return rateMse(out, labels);
    }, params);
    losses.push(value.dataSync()[0] as number);
    [params, optState] = optimizerStep(opt, grads, optState, params);
    treeDispose([xs, value, grads]);
  }
  treeDispose([params, optState, patterns, labels]);
  return { first: losses[0] as number, last: losses[losses.length - 1] as number, losses };
}
