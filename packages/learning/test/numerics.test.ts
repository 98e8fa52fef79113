// Loud numerics in training: the one-reduction finiteness checks, clipByGlobalNorm on non-finite grads, and
// valueAndGradTree leaving tf.memory().numTensors unchanged when the loss (or its gradient) throws.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import {
  checkNumerics,
  evalCtx,
  key,
  multiStep,
  NumericsError,
  seqToANN,
  sequential,
  SpikefnArgumentError,
  stateless,
  treeDispose as dispose,
} from '@spikefn/core';
import { linear } from '@spikefn/layers';
import { allFinite, assertFinite, clipByGlobalNorm, nonFiniteLeaves, valueAndGradTree, valueAndGradTreeAux } from '../src/index.js';

const count = (): number => tf.memory().numTensors;

describe('allFinite, nonFiniteLeaves, assertFinite', () => {
  it('allFinite is one scalar read: true for finite trees, false for any NaN or ±Infinity anywhere', () => {
    const params = { fc: { weight: tf.ones([3, 2]), bias: tf.zeros([2]) }, n: tf.scalar(3, 'int32') };
    const loss = tf.scalar(0.25);
    expect(allFinite(loss, params)).toBe(true);
    expect(allFinite()).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const b = tf.tensor1d([1, bad]);
      expect(allFinite(params, { b })).toBe(false);
      b.dispose();
    }
    // Finite values whose squares would overflow are still finite.
    const big = tf.tensor1d([3e38, -3e38]);
    expect(allFinite(big)).toBe(true);
    const before = count();
    allFinite(loss, params);
    expect(count()).toBe(before);
    dispose([params, loss, big]);
  });

  it('nonFiniteLeaves and assertFinite name the leaves, the value and the first element', () => {
    const params = {
      fc: {
        weight: tf.tensor2d([
          [1, 2],
          [Number.NaN, Number.NaN],
        ]),
      },
      out: [tf.tensor1d([Number.NEGATIVE_INFINITY])],
    };
    const bad = nonFiniteLeaves(params, 'params');
    expect(bad.map((b) => [b.name, b.index, b.count])).toEqual([
      ['params.fc.weight', [1, 0], 2],
      ['params.out.0', [0], 1],
    ]);
    expect(() => assertFinite('train', 'params', params)).toThrow(NumericsError);
    expect(() => assertFinite('train', 'params', params)).toThrow(
      'train: params.fc.weight holds NaN (first at element [1, 0], 2 non-finite values); 2 leaves are not finite: params.fc.weight, params.out.0',
    );
    const w = tf.ones([2]);
    w.dispose();
    expect(() => allFinite({ w })).toThrow(/allFinite: argument 'trees\[0\]\.w' expected a live tensor/);
    dispose(params);
  });
});

describe('clipByGlobalNorm on non-finite grads', () => {
  it('throws a NumericsError naming the leaf instead of silently making every leaf NaN', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([Number.NaN]) };
    const before = count();
    expect(() => clipByGlobalNorm(grads, 1)).toThrow(NumericsError);
    expect(() => clipByGlobalNorm(grads, 1)).toThrow(/clipByGlobalNorm: grads\.b holds NaN/);
    expect(() => clipByGlobalNorm(1).update(grads, {}, grads)).toThrow(/clipByGlobalNorm: grads\.b holds NaN/);
    expect(count()).toBe(before);
    // Allowed: the documented outcome, every leaf NaN.
    const c = clipByGlobalNorm(grads, 1, { allowNonFinite: true });
    expect(Array.from(c.a.dataSync()).every(Number.isNaN)).toBe(true);
    dispose([grads, c]);
  });
});

describe('valueAndGradTree: a loss that throws leaks nothing', () => {
  const net = sequential({
    fc: seqToANN(linear({ inFeatures: 4, outFeatures: 3 })),
    act: multiStep(stateless({ kind: 'tanh', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.tanh(x) })),
  });
  const params = net.init(key(0));
  const xs = tf.randomNormal([6, 2, 4], 0, 1, 'float32', 1);
  const ctx = evalCtx(key(1));

  it('after building a graph through scan (the error after the forward pass)', () => {
    const before = count();
    expect(() =>
      valueAndGradTree((p) => {
        const [, ys] = net.step(p, net.initialState(p, xs.shape, key(2)), xs, ctx);
        tf.sum(ys);
        throw new Error('loss failed');
      }, params),
    ).toThrow('loss failed');
    expect(count()).toBe(before);
  });

  it('a loss that returns a non-scalar (aux kept), and a shape error inside scan', () => {
    const before = count();
    expect(() =>
      valueAndGradTreeAux((p) => {
        const [, ys] = net.step(p, net.initialState(p, xs.shape, key(2)), xs, ctx);
        return [ys as tf.Scalar, { ys, extra: tf.ones([3]) }];
      }, params),
    ).toThrow(SpikefnArgumentError);
    expect(count()).toBe(before);
    const wide = tf.zeros([6, 2, 5]);
    const b2 = count();
    expect(() =>
      valueAndGradTree((p) => tf.sum(net.step(p, net.initialState(p, [6, 2, 4], key(2)), wide, ctx)[1]) as tf.Scalar, params),
    ).toThrow(SpikefnArgumentError);
    expect(count()).toBe(b2);
    wide.dispose();
  });

  it('a backward pass stopped by the numerics guard (an infinite gradient) leaks nothing either', () => {
    const root = stateless({ kind: 'sqrt', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.sqrt(tf.relu(x)) });
    const deep = sequential({ fc: seqToANN(linear({ inFeatures: 4, outFeatures: 3 })), root: multiStep(root) });
    const p0 = deep.init(key(3));
    const bias = tf.zeros([3]); // zero input, zero bias: sqrt(relu(0)) at every element
    const p = { ...p0, fc: { ...p0.fc, bias } };
    const zeros = tf.zeros([6, 2, 4]);
    const before = count();
    let err: unknown;
    try {
      checkNumerics(() =>
        valueAndGradTree((q) => tf.sum(deep.step(q, deep.initialState(q, zeros.shape, key(0)), zeros, ctx)[1]) as tf.Scalar, p),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NumericsError);
    expect((err as NumericsError).pass).toBe('backward');
    expect((err as NumericsError).layer).toBe('root');
    // Backward runs from the last step: sqrt'(0) = ∞ meets relu'(0) = 0, a NaN at the input of step 5.
    expect((err as NumericsError).message).toMatch(
      /^checkNumerics: NaN in the gradient of the input of layer 'root' \(sqrt\) at time step 5 \(backward pass/,
    );
    expect(count()).toBe(before);
    dispose([p0, bias, zeros]);
  });

  it('still returns value, grads and aux when nothing throws (and leaks nothing else)', () => {
    const before = count();
    const { value, grads, aux } = valueAndGradTreeAux((p) => {
      const [, ys] = net.step(p, net.initialState(p, xs.shape, key(2)), xs, ctx);
      return [tf.sum(ys) as tf.Scalar, { ys }];
    }, params);
    expect(count()).toBe(before + 1 + 2 + 1);
    dispose([value, grads, aux]);
    expect(count()).toBe(before);
  });
});
