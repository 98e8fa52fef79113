/**
 * The one door to TensorFlow.js for every spikefn package.
 *
 * `@tensorflow/tfjs-core`'s Node build registers no gradients, so `tf.grads` would fail there. Importing the union
 * package `@tensorflow/tfjs` once registers every gradient (in Node through its bundled build, in a browser bundle
 * through its ES modules). Import tensors and ops from here (`import * as tf from '@spikefn/core/tf'`) and
 * gradients are always available.
 *
 * @category backend
 */
import '@tensorflow/tfjs';

export * from '@tensorflow/tfjs-core';
