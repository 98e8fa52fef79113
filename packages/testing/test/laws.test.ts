// The noLeakOnError law itself: it passes for a layer that frees what it makes when a call fails, and names the
// failing call of one that leaks.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, stateless, tidyStep, type Layer } from '@spikefn/core';
import { leakedByFailure, noLeakOnError, toTensor } from '../src/index.js';

type S = { readonly v: tf.Tensor };
/** An integrator v' = v + x, y = v'; `leaky`: checks the input only after allocating outside any tidy. */
const integrator = (leaky: boolean): Layer<Record<string, never>, S> => ({
  kind: leaky ? 'leakyIntegrator' : 'integrator',
  init: () => ({}),
  outputShape: (_, s) => s,
  initialState: (_, s) => ({ v: tf.zeros([...s]) }),
  step: (_, state, x) => {
    if (leaky) tf.ones([3]); // allocated outside a tidy: survives a throw
    if (x.shape.join() !== state.v.shape.join()) throw new Error('shape mismatch');
    return tidyStep(() => {
      const v = tf.add(state.v, x);
      return [{ v }, v];
    });
  },
});

const xs = () => toTensor({ shape: [4, 2, 3], data: Array.from({ length: 24 }, (_, i) => i / 24) });

describe('noLeakOnError', () => {
  it('passes for a layer whose steps run in a tidy (scan, sequential and wrong-shaped inputs free everything)', () => {
    const x = xs();
    expect(() => noLeakOnError({ name: 'integrator', layer: integrator(false), params: {} }, x, key(0))).not.toThrow();
    const id = stateless({ kind: 'id', init: () => ({}), outputShape: (_, s) => s, apply: (_, t) => t });
    expect(() => noLeakOnError({ name: 'identity', layer: id, params: {} }, x, key(0))).not.toThrow();
    x.dispose();
  });

  it('fails, naming the call, for a layer that allocates outside a tidy before it throws', () => {
    const x = xs();
    expect(() => noLeakOnError({ name: 'leaky', layer: integrator(true), params: {} }, x, key(0))).toThrow(
      /leaky: step with a wrong-shaped input leaked 1 tensor\(s\)/,
    );
    x.dispose();
  });

  it('leakedByFailure counts what a throwing call left alive and returns its error', () => {
    const e = new Error('boom');
    const r = leakedByFailure(() => {
      tf.ones([2]);
      throw e;
    });
    expect(r).toEqual({ leaked: 1, error: e });
    expect(leakedByFailure(() => tf.ones([2]))).toEqual({ leaked: 0, error: undefined });
  });
});
