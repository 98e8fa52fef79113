/**
 * What the NIR neurons share: their params must broadcast to the per-sample input shape; the output has the input's
 * shape; every state variable starts at 0 (NIR defines no initial state; the fixtures' README, "Initial state").
 */
import * as tf from '@spikefn/core/tf';
import type { Shape } from '@spikefn/core';
import { checkBroadcast, sampleShape, type NirParams, type Where } from '../node-layer.js';

/** The output shape of a neuron (its input's), after checking that every param broadcasts to it. */
export function neuronShape(w: Where, params: NirParams, inputShape: Shape): Shape {
  const sample = sampleShape(w, 'x', inputShape);
  for (const [name, t] of Object.entries(params)) checkBroadcast(w, name, t.shape, sample);
  return inputShape;
}

/** Zeros of the input's shape for each named state variable. */
export function zeroState<K extends string>(names: readonly K[], inputShape: Shape): { readonly [k in K]: tf.Tensor } {
  return Object.fromEntries(names.map((n) => [n, tf.zeros([...inputShape])])) as { readonly [k in K]: tf.Tensor };
}

/** `v + (dt/τ)·(v_leak − v + r·x)`: forward Euler of `τ v̇ = (v_leak − v) + R I` over one step `dt`. */
export function leakyEuler(v: tf.Tensor, x: tf.Tensor, dt: number, tau: tf.Tensor, r: tf.Tensor, vLeak: tf.Tensor): tf.Tensor {
  const drive = tf.add(tf.sub(vLeak, v), tf.mul(r, x));
  return tf.add(v, tf.mul(tf.div(tf.scalar(dt, 'float32'), tau), drive));
}

/** Fire and reset: `z = v > v_threshold` (strict), `v ← v_reset` where `z = 1`. Returns `[v after reset, z]`. */
export function fireAndReset(v: tf.Tensor, vThreshold: tf.Tensor, vReset: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const fired = tf.greater(v, vThreshold);
  const z = tf.cast(fired, 'float32');
  return [tf.where(fired, tf.add(tf.zerosLike(v), vReset), v), z];
}
