// The open neuron model (src/model.ts): the checks at its boundary, the fused specialisation used where it applies and
// the scan otherwise, and the generic layer laws of @spikefn/testing on every neuron built on it.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, multiStep, SpikefnArgumentError } from '@spikefn/core';
import type { Layer, Tree } from '@spikefn/core';
import { checkLayerLaws, floatData, timeBatchShapeArb } from '@spikefn/testing';
import { alifNode } from '../src/alif.js';
import { cubaLifNode } from '../src/cuba-lif.js';
import { eifNode } from '../src/eif.js';
import { izhikevichNode } from '../src/izhikevich.js';
import { liNode } from '../src/li.js';
import { neuron, type NeuronDynamics } from '../src/model.js';
import { qifNode } from '../src/qif.js';
import { sigmoid } from '../src/surrogate.js';

type S = { readonly v: tf.Tensor; readonly w: tf.Tensor };
type H = { readonly h: tf.Tensor };

/** A two-variable toy: h = v + x, s = Θ(h − 1), v' = h·(1 − s), w' = w + s (a spike counter). */
const toy = (extra: Partial<NeuronDynamics<Record<string, never>, S, H>> = {}): NeuronDynamics<Record<string, never>, S, H> => ({
  kind: 'toy',
  stateKeys: ['v', 'w'],
  init: () => ({}),
  initialState: (_p, shape) => ({ v: tf.zeros([...shape]), w: tf.zeros([...shape]) }),
  charge: (_p, { v }, x) => ({ h: tf.add(v, x) }),
  fire: (_p, { h }) => sigmoid(4).spike(tf.sub(h, 1)),
  reset: (_p, { h }, s, { w }) => ({ v: tf.mul(h, tf.sub(1, s as tf.Tensor)), w: tf.add(w, s as tf.Tensor) }),
  ...extra,
});

describe('neuron(dynamics)', () => {
  it('steps by its equations; the default record holds the output, every state and every charged variable', () => {
    tf.tidy(() => {
      const layer = neuron(toy());
      const xs = tf.tensor2d([[0.5], [0.5], [0.75], [0.25]]);
      const [sT, rec] = layer.record({}, layer.initialState({}, [1], key(0)), xs);
      // h: 0.5, 1 (fires: v = 0), 0.75, 1 (fires); w counts the spikes.
      expect(Array.from(rec.charged.h.dataSync())).toEqual([0.5, 1, 0.75, 1]);
      expect(Array.from(rec.output.dataSync())).toEqual([0, 1, 0, 1]);
      expect(Array.from(rec.state.v.dataSync())).toEqual([0.5, 0, 0.75, 0]);
      expect(Array.from(rec.state.w.dataSync())).toEqual([0, 1, 1, 2]);
      expect(Array.from(sT.w.dataSync())).toEqual([2]);
    });
  });

  it('uses the fused specialisation where it returns a result, and the scan where it returns undefined', () => {
    let calls = 0;
    let available = true;
    const layer = neuron(
      toy({
        fused: {
          sequence: (_p, state, xs) => {
            calls++;
            // A stand-in kernel: the same numbers through the scan (what a real kernel must equal).
            return available ? neuron(toy()).sequenceComposed({}, state, xs) : undefined;
          },
        },
      }),
    );
    tf.tidy(() => {
      const xs = tf.tensor2d([[0.5], [0.7]]);
      const s0 = layer.initialState({}, [1], key(0));
      const fusedRun = Array.from(layer.sequence({}, s0, xs)[1].dataSync());
      available = false;
      const fallback = Array.from(layer.sequence({}, s0, xs)[1].dataSync());
      expect(calls).toBe(2);
      expect(fusedRun).toEqual([0, 1]);
      expect(fallback).toEqual([0, 1]);
      // No fused record: record is the scan.
      expect(Array.from(layer.record({}, s0, xs)[1].output.dataSync())).toEqual([0, 1]);
      expect(calls).toBe(2);
    });
  });

  it('a model without fire must give output; malformed dynamics are refused, naming the field', () => {
    const { fire: _fire, ...silent } = toy();
    expect(() => neuron(silent)).toThrow(/neuron: argument 'dynamics.output'/);
    expect(() => neuron({ ...toy(), stateKeys: [] })).toThrow(/neuron: argument 'dynamics.stateKeys'/);
    expect(() => neuron({ ...toy(), kind: '' })).toThrow(/neuron: argument 'dynamics.kind'/);
    expect(() => neuron({ ...toy(), charge: undefined as never })).toThrow(/neuron: argument 'dynamics.charge'/);
    expect(() => neuron(null as never)).toThrow(SpikefnArgumentError);
  });

  it('checks the state at every call: every variable present, live, float32, all of one shape, the input shape', () => {
    const layer = neuron(toy());
    const ctx = evalCtx(key(0));
    tf.tidy(() => {
      const x = tf.zeros([2]);
      expect(() => layer.step({}, { v: tf.zeros([2]) } as never, x, ctx)).toThrow(
        /toy.step: argument 'state' expected a neuron state \{ v, w: Tensor \}/,
      );
      expect(() => layer.step({}, { v: tf.zeros([2]), w: tf.zeros([3]) }, x, ctx)).toThrow(
        /toy.step: argument 'state.w' expected shape \[2\]/,
      );
      expect(() => layer.step({}, { v: tf.zeros([2]), w: tf.zeros([2], 'int32') }, x, ctx)).toThrow(
        /toy.step: argument 'state.w' expected dtype float32/,
      );
      expect(() => layer.step({}, layer.initialState({}, [3], key(0)), x, ctx)).toThrow(/toy.step: argument 'x' expected shape \[3\]/);
      expect(() => layer.sequence({}, layer.initialState({}, [2], key(0)), tf.zeros([4, 3]))).toThrow(
        /toy.sequence: argument 'xs \(without its time axis\)' expected shape \[2\]/,
      );
      expect(() => layer.record({}, layer.initialState({}, [2], key(0)), tf.zeros([0, 2]))).toThrow(
        /toy.record: argument 'xs' expected a time axis of length >= 1/,
      );
    });
    const stale = layer.initialState({}, [2], key(0));
    stale.w.dispose();
    tf.tidy(() => {
      expect(() => layer.sequence({}, stale, tf.zeros([3, 2]))).toThrow(/argument 'state.w' expected a live tensor/);
    });
    stale.v.dispose();
  });

  it('multiStep(alifNode(), { checkpointEvery }) gives the values and input gradients of the plain run', () => {
    const layer = alifNode({ tau: 3, tauA: 8, beta: 1.5, surrogate: sigmoid(2) });
    const xs = tf.randomUniform([12, 2, 3], 0, 3, 'float32', 2);
    const g = tf.randomNormal([12, 2, 3], 0, 1, 'float32', 3);
    const s0 = layer.initialState({}, [2, 3], key(0));
    const run = (every: number | undefined) => (x: tf.Tensor) =>
      tf.sum(tf.mul(multiStep(layer, every === undefined ? {} : { checkpointEvery: every }).step({}, s0, x, evalCtx(key(0)))[1], g));
    const plain = tf.grad(run(undefined))(xs);
    for (const every of [1, 5, 12]) {
      const ck = tf.grad(run(every))(xs);
      const want = plain.dataSync();
      ck.dataSync().forEach((v, i) => {
        expect(Math.abs(v - (want[i] as number))).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i] as number)));
      });
      expect(tf.tidy(() => Array.from(run(every)(xs).dataSync()))).toEqual(tf.tidy(() => Array.from(run(undefined)(xs).dataSync())));
      ck.dispose();
    }
    expect(Array.from(plain.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose([xs, g, s0, plain]);
  });

  it('multiStep of a model layer runs its sequence', () => {
    tf.tidy(() => {
      const layer = alifNode({ tau: 3 });
      const xs = tf.randomUniform([6, 2, 3], 0, 3, 'float32', 1);
      const s0 = layer.initialState({}, [2, 3], key(0));
      const [, y] = multiStep(layer).step({}, s0, xs, evalCtx(key(0)));
      expect(Array.from(y.dataSync())).toEqual(Array.from(layer.sequence({}, s0, xs)[1].dataSync()));
    });
  });
});

// The laws of @spikefn/testing: determinism, chunking invariance, reset = initial state, batch independence, carry
// shape and dtype, no leak; single step through scan, and through multiStep.
const FEATURES = [3];
const neurons: Array<[string, Layer<Tree, Tree>]> = [
  ['alifNode', alifNode({ tau: 3, tauA: 10, beta: 1 }) as unknown as Layer<Tree, Tree>],
  ['cubaLifNode', cubaLifNode({ tauSyn: 2, tauMem: 3, wIn: 2, vThreshold: 0.5 }) as unknown as Layer<Tree, Tree>],
  ['izhikevichNode', izhikevichNode({ dt: 1 }) as unknown as Layer<Tree, Tree>],
  ['qifNode', qifNode() as unknown as Layer<Tree, Tree>],
  ['eifNode', eifNode() as unknown as Layer<Tree, Tree>],
  ['liNode', liNode({ tau: 3 }) as unknown as Layer<Tree, Tree>],
];

describe.each(neurons)('layer laws: %s', (name, layer) => {
  it('determinism, chunking invariance, reset, batch independence, carry shape, no leak (single step through scan)', () => {
    checkLayerLaws({ name, layer, params: {} }, FEATURES, { numRuns: 6 });
  });

  it('the same laws through multiStep', () => {
    const inputs = timeBatchShapeArb({ features: [4, ...FEATURES], maxT: 3, maxBatch: 3 })
      .filter((shape) => (shape[0] as number) >= 2)
      .chain((shape) => floatData(shape, -1, 2));
    checkLayerLaws({ name: `multiStep(${name})`, layer: multiStep(layer), params: {} }, [4, ...FEATURES], {
      numRuns: 4,
      inputs,
      mixesBatch: true,
    });
  });
});
