import * as tf from '@spikefn/core/tf';
import { key, split } from '@spikefn/core';
import { firstSpikeIndex, poisson, redundantOneHot, spikeSimilarLoss, tetLoss } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';

/** SpikingJelly's functional helpers on a LIF layer's output spikes [T, B, N] (time first, as everywhere in spikefn). */
export function functionalHelpers() {
  const [kData, kRun] = split(key(3), 2);
  const T = 10;
  return tf.tidy(() => {
    const labels = tf.tensor1d([0, 1, 1, 0], 'int32'); // B = 4 examples, 2 classes
    const rates = tf.tensor2d([
      [0.9, 0.9, 0.9, 0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1, 0.9, 0.9, 0.9],
      [0.1, 0.2, 0.1, 0.9, 0.8, 0.9],
      [0.8, 0.9, 0.9, 0.2, 0.1, 0.1],
    ]);
    const xs = tf.mul(poisson(kData, rates, T), 1.5); // [T, B, 6] input currents
    const neuron = lifNode({ tau: 2 });
    const [, spikes] = neuron.sequence({}, neuron.initialState({}, [4, 6], kRun), xs); // [T, B, 6]

    // 2 classes coded by 3 output neurons each: the [B, 6] targets of a population code.
    const codes = redundantOneHot(labels, 2, 3);
    // Examples with a common label should fire alike: the similarity of each example's spike train [T·6].
    const perExample = tf.transpose(spikes, [1, 0, 2]); // [B, T, 6]; spikeSimilarLoss flattens all but axis 0
    const similarity = spikeSimilarLoss(perExample, tf.oneHot(labels, 2), { kernel: { kind: 'gaussian', sigma: 4 } });
    // The TET cross-entropy of the outputs summed per class, [T, B, 2]
    // (SpikingJelly's temporal_efficient_training_cross_entropy).
    const logits = tf.sum(tf.reshape(spikes, [T, 4, 2, 3]), 3);
    const tet = tetLoss(logits, labels);
    // Each neuron's first spike, with time on axis 0.
    const first = firstSpikeIndex(spikes, { timeAxis: 0 });
    return { spikes, codes, similarity, tet, first };
  });
}
