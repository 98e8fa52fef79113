/**
 * The one door to TensorFlow.js for every spikefn package: `@tensorflow/tfjs-core`, with its gradients registered.
 *
 * `import * as tf from '@spikefn/core/tf'` gives tfjs-core's ops and types. Importing it also registers tfjs-core's
 * own gradient definitions (`register_all_gradients`): in a bundler from tfjs-core's ES modules, in Node from a copy
 * built into `dist/` (tfjs-core's Node entry registers none). Nothing else of TensorFlow.js is loaded: backends are
 * chosen with `setBackend`, and tfjs's chained ops (`x.reshape(...)`) are not registered; spikefn calls ops as
 * functions (`tf.reshape(x, ...)`).
 *
 * @packageDocumentation
 * @module @spikefn/core/tf
 */
import '@tensorflow/tfjs-core';
import '#tfjs-gradients';

export * from '@tensorflow/tfjs-core';
