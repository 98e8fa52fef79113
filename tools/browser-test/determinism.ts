/**
 * Draws that must be bit-identical on every backend and in every runtime: the same key gives the same values in
 * Node and in a browser, on cpu and on WebGL. `run.ts` computes them in Node (cpu) and in Chromium (cpu, webgl) and
 * compares them exactly. Pure and synchronous; imports nothing Node-only.
 */
import * as tf from '@spikefn/core/tf';
import { key, foldIn, split, bernoulli, normal, uniform } from '@spikefn/core';
import { dropoutMask } from '@spikefn/layers';
import { poisson } from '@spikefn/learning';

/** Named draws as plain number arrays (float32 values, exact as doubles). */
export type Draws = Record<string, number[]>;

/** The draws: a dropout mask, Poisson spikes of a gradient image, uniform/normal/bernoulli samples, derived keys. */
export function draws(): Draws {
  return tf.tidy(() => {
    const k = key(2024);
    const [k1, k2, k3, k4] = split(k, 4) as [
      ReturnType<typeof key>,
      ReturnType<typeof key>,
      ReturnType<typeof key>,
      ReturnType<typeof key>,
    ];
    const pixels = tf.reshape(tf.linspace(0, 1, 28 * 28), [1, 28, 28]);
    // Values pass through each backend's tensors (upload, ops, download), not just the host arrays.
    const asArray = (t: tf.Tensor): number[] => Array.from(t.dataSync());
    return {
      keys: [...k, ...foldIn(k, 7), ...split(k1, 3).flat()],
      dropoutMask: asArray(dropoutMask(k1, 0.3, [4, 64])),
      dropout2dMaskTimesInput: asArray(tf.mul(dropoutMask(k2, 0.5, [2, 8, 1, 1]), tf.ones([2, 8, 3, 3]))),
      poissonSpikes: asArray(poisson(k3, pixels, 8)),
      poissonSpikeCountPerStep: asArray(tf.sum(poisson(k3, pixels, 8), [1, 2, 3])),
      uniform: asArray(uniform(k4, [100], -2, 3)),
      normal: asArray(normal(foldIn(k4, 1), [100], 0.5, 2)),
      bernoulli: asArray(bernoulli(foldIn(k4, 2), 0.25, [100])),
    };
  });
}

/** Names of the draws that differ between `a` and `b` (exact comparison), with the first differing index. */
export function diffDraws(a: Draws, b: Draws): string[] {
  const out: string[] = [];
  for (const name of Object.keys(a)) {
    const x = a[name] ?? [];
    const y = b[name];
    if (y === undefined) {
      out.push(`${name}: missing`);
      continue;
    }
    if (x.length !== y.length) {
      out.push(`${name}: length ${y.length}, want ${x.length}`);
      continue;
    }
    const i = x.findIndex((v, j) => !Object.is(v, y[j]));
    if (i >= 0) out.push(`${name}[${i}]: ${y[i]}, want ${x[i]}`);
  }
  return out;
}
