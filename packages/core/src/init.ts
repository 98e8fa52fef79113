/**
 * Parameter initialisers on explicit keys, matching PyTorch's defaults so that a spikefn layer starts from the same
 * distribution as its SpikingJelly counterpart.
 *
 * kaimingUniform(a = √5), PyTorch's default for `Linear`/`Conv2d` weights (He et al., "Delving Deep into
 * Rectifiers", ICCV 2015): `U(-b, b)` with `b = gain·√(3 / fan_in)`, `gain = √(2 / (1 + a²))`, which for a = √5 is
 * `b = 1/√fan_in`. Biases: `U(-1/√fan_in, 1/√fan_in)`.
 *
 * @category init
 */
import type * as tf from './tf.js';
import { checkKey, type Key } from './key.js';
import { uniform } from './random.js';
import { positiveInt, type Shape } from './validate.js';

/** `U(-b, b)` with `b = √(6 / ((1 + a²)·fan_in))`; `a = √5` gives PyTorch's default `b = 1/√fan_in`. @category init */
export function kaimingUniform(key: Key, shape: Shape, fanIn: number, a = Math.sqrt(5)): tf.Tensor {
  checkKey('kaimingUniform', key);
  positiveInt('kaimingUniform', 'fanIn', fanIn);
  const bound = Math.sqrt(6 / ((1 + a * a) * fanIn));
  return uniform(key, shape, -bound, bound);
}

/** PyTorch's default bias init: `U(-1/√fan_in, 1/√fan_in)`. @category init */
export function fanInUniform(key: Key, shape: Shape, fanIn: number): tf.Tensor {
  checkKey('fanInUniform', key);
  positiveInt('fanInUniform', 'fanIn', fanIn);
  const bound = 1 / Math.sqrt(fanIn);
  return uniform(key, shape, -bound, bound);
}
