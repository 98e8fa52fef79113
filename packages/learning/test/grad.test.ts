import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, scan, treeDispose as dispose } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { clipByGlobalNorm, gradTree, valueAndGradTree, valueAndGradTreeAux } from '../src/grad.js';

describe('valueAndGradTree', () => {
  it('returns the value and a gradient tree of the params structure', () => {
    const params = { a: tf.tensor1d([1, 2]), nested: [tf.scalar(3)] };
    const { value, grads } = valueAndGradTree(
      (p) => tf.add(tf.sum(tf.square(p.a)), tf.mul(p.nested[0] as tf.Tensor, 2)) as tf.Scalar,
      params,
    );
    expect(value.dataSync()[0]).toBeCloseTo(11);
    expect(Array.from(grads.a.dataSync())).toEqual([2, 4]);
    expect((grads.nested[0] as tf.Tensor).dataSync()[0]).toBe(2);
    dispose([params, grads, value]);
  });
  it('gives zeros for a parameter the loss ignores', () => {
    const params = { used: tf.scalar(2), unused: tf.ones([3]) };
    const g = gradTree((p) => tf.square(p.used) as tf.Scalar, params);
    expect(Array.from(g.unused.dataSync())).toEqual([0, 0, 0]);
    dispose([params, g]);
  });
  it('backpropagates through scan (BPTT): d/dw of s_T for s_{t+1} = w·s_t + x_t', () => {
    const xs = tf.tensor2d([[1], [2], [3]]);
    const params = { w: tf.scalar(0.5) };
    const { value, grads } = valueAndGradTree((p) => {
      const [s] = scan((s: tf.Tensor, x) => [tf.add(tf.mul(p.w, s), x), s] as const, tf.zeros([1]), xs, key(0));
      return tf.sum(s) as tf.Scalar;
    }, params);
    // s_T = w²·1 + w·2 + 3 → ds/dw = 2w + 2 = 3
    expect(value.dataSync()[0]).toBeCloseTo(0.25 + 1 + 3);
    expect(grads.w.dataSync()[0]).toBeCloseTo(3);
    dispose([xs, params, grads, value]);
  });
  it('keeps aux alive and leaks nothing else', () => {
    const params = { w: tf.tensor1d([1, -1]) };
    const x = tf.tensor1d([2, 3]);
    expect(
      leakedBy(() => {
        const r = valueAndGradTreeAux((p) => {
          const y = tf.mul(p.w, x);
          return [tf.sum(y) as tf.Scalar, { y }];
        }, params);
        expect(Array.from(r.aux.y.dataSync())).toEqual([2, -3]);
        return [r.value, r.grads, r.aux];
      }),
    ).toBe(0);
    dispose([params, x]);
  });
  it('rejects a non-scalar loss with a clear error', () => {
    const params = { w: tf.ones([2]) };
    expect(() => valueAndGradTree((p) => p.w as tf.Scalar, params)).toThrow(/scalar tensor/);
    dispose(params);
  });
  it('clipByGlobalNorm scales to the max norm', () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const c = clipByGlobalNorm(g, 1);
    expect(c.a.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(c.b.dataSync()[0]).toBeCloseTo(0.8, 5);
    dispose([g, c]);
  });
});
