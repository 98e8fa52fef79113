/**
 * The registered gradient of `SpikefnNeuronForward`: it runs `SpikefnNeuronBackward` once, eagerly, and hands out
 * its results.
 *
 * Why a registered gradient and not `tf.customGrad`: tfjs 4.22's `customGrad` allows a single output tensor, and
 * the fused forward has several (spikes, the final v, and h / the v trace for records), each of which may carry a
 * gradient. The registered gradient receives one cotangent per output (null where none flows); per-input closures
 * would each run in their own tidy, so the backward runs before them.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { NEURON_BACKWARD, NEURON_FORWARD } from './attrs.js';

/** The gradient config of the fused forward (registered by `register`). */
export const neuronGradConfig: tf.GradConfig = {
  kernelName: NEURON_FORWARD,
  inputsToSave: ['x', 'v0', 'k'],
  outputsToSave: [false, false, true],
  gradFunc: (dy, saved, attrs) => {
    const dys = (Array.isArray(dy) ? dy : [dy]) as ReadonlyArray<tf.Tensor | null>;
    // h is saved where the forward output it (a record, or a backward on the JavaScript loops); the backward
    // kernel computes it again from x and v_0 where it is absent.
    const [x, v0, k, h] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const inputs: tf.NamedTensorMap = h === undefined ? { x, v0, k } : { x, v0, k, h };
    // tfjs fills the cotangent of an output outside the backprop graph with zeros. Outside a record, h is private
    // to the neuron's `sequence` (disposed there), so its cotangent is always that zero filler: skip it.
    const names =
      (attrs as { record?: boolean }).record === true ? (['dSpikes', 'dV', 'dH', 'dVSeq'] as const) : (['dSpikes', 'dV'] as const);
    names.forEach((n, i) => {
      const g = dys[i];
      if (g !== null && g !== undefined) inputs[n] = g;
    });
    const [dx, dv0, dk] = tf.engine().runKernel(NEURON_BACKWARD, inputs, attrs) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, v0: () => dv0 as tf.Tensor, k: () => dk as tf.Tensor };
  },
};
