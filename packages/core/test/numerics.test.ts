// The numerics guard: the first layer (container path and kind), time step and tensor where a NaN or ±Infinity
// appears, forward and backward; no change of results and no leak while it checks; nothing while it is off.
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import {
  checkNumerics,
  evalCtx,
  key,
  multiStep,
  numericsCheckEnabled,
  numericsGuard,
  NumericsError,
  runSequence,
  scan,
  seqToANN,
  sequential,
  setNumericsCheck,
  SpikefnArgumentError,
  stateless,
  treeDispose as dispose,
  type Layer,
  type Tree,
} from '../src/index.js';
import { leakedBy } from '@spikefn/testing';
import { toy } from './toy.js';

const ctx = evalCtx(key(0));
/** y = 2·x. */
const double = stateless({ kind: 'double', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.mul(x, 2) });
/** y = log(x): NaN for x < 0, −Infinity for x = 0. */
const log = stateless({ kind: 'log', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.log(x) });
/** y = sqrt(x): finite forward at 0, infinite gradient there. */
const sqrt = stateless({ kind: 'sqrt', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.sqrt(x) });
/** y = w·x with a param. */
const scale = stateless({ kind: 'scale', init: () => ({ w: tf.scalar(1) }), outputShape: (_, s) => s, apply: (p, x) => tf.mul(x, p.w) });

/** xs [T=5, B=2, F=3] of ones, with `value` at [t, b, f]. */
const ones = (t: number, b: number, f: number, value: number): tf.Tensor =>
  tf.tidy(() => {
    const data = new Float32Array(5 * 2 * 3).fill(1);
    data[t * 6 + b * 3 + f] = value;
    return tf.tensor(data, [5, 2, 3]);
  });

function caught(f: () => unknown): NumericsError {
  try {
    const out = f();
    dispose(out as Tree);
  } catch (e) {
    if (e instanceof NumericsError) return e;
    throw e;
  }
  throw new Error('expected a NumericsError, got a result');
}

afterEach(() => {
  setNumericsCheck(false);
});

describe('checkNumerics: forward', () => {
  it('names the layer in its container, its kind, the time step, the tensor and the element', () => {
    const net = sequential({ a: double, b: log, c: double });
    const xs = ones(3, 1, 2, -1); // log(−2) = NaN at step 3, sample 1, feature 2
    const state = net.initialState({ a: {}, b: {}, c: {} }, [2, 3], key(0));
    // Off: the NaN passes silently.
    const [, ys] = runSequence(net, { a: {}, b: {}, c: {} }, state, xs, ctx);
    expect(Number.isNaN(ys.dataSync()[3 * 6 + 5])).toBe(true);
    ys.dispose();
    const e = caught(() => checkNumerics(() => runSequence(net, { a: {}, b: {}, c: {} }, state, xs, ctx)));
    expect(e.message).toBe(
      "checkNumerics: NaN in the output of layer 'b' (log) at time step 3 (forward pass; first at element [1, 2], 1 non-finite value)",
    );
    expect([e.pass, e.layer, e.kind, e.step, e.tensor, e.index, e.count]).toEqual(['forward', 'b', 'log', 3, 'output', [1, 2], 1]);
    expect(Number.isNaN(e.value)).toBe(true);
    xs.dispose();
  });

  it('a non-finite input is named as the input of the first layer; nested containers give dotted paths', () => {
    const inner = sequential({ conv: double, act: log });
    const net = sequential({ pre: double, block: inner });
    const params = net.init(key(0));
    const state = net.initialState(params, [2, 3], key(0));
    const bad = ones(1, 0, 0, Number.POSITIVE_INFINITY);
    const e1 = caught(() => checkNumerics(() => runSequence(net, params, state, bad, ctx)));
    expect([e1.layer, e1.kind, e1.step, e1.tensor, e1.value]).toEqual(['pre', 'double', 1, 'input', Number.POSITIVE_INFINITY]);
    const zero = ones(4, 1, 1, 0); // log(0) = −Infinity inside the block
    const e2 = caught(() => checkNumerics(() => runSequence(net, params, state, zero, ctx)));
    expect(e2.message).toMatch(/^checkNumerics: -Infinity in the output of layer 'block\.act' \(log\) at time step 4 /);
    dispose([bad, zero]);
  });

  it('non-finite params and state are named (params.w, state.v)', () => {
    const net = sequential({ fc: scale, t: toy(3) });
    const params = { fc: { w: tf.scalar(Number.NaN) }, t: { w: tf.ones([3]) } };
    const xs = ones(0, 0, 0, 1);
    const state = net.initialState(params, [2, 3], key(0));
    const e = caught(() => checkNumerics(() => runSequence(net, params, state, xs, ctx)));
    expect([e.layer, e.tensor, e.step]).toEqual(['fc', 'params.w', 0]);
    const badState = { fc: {}, t: { v: tf.fill([2, 3], Number.NEGATIVE_INFINITY) } };
    const ok = { fc: { w: tf.scalar(1) }, t: params.t };
    const e2 = caught(() => checkNumerics(() => runSequence(net, ok, badState, xs, ctx)));
    expect([e2.layer, e2.kind, e2.tensor, e2.step, e2.index]).toEqual(['t', 'toy', 'state.v', 0, [0, 0]]);
    dispose([params, xs, state, badState, ok.fc]);
  });

  it('a fused multi-step form (sequence) reports the step from the leading time axis; seqToANN too', () => {
    const fused: Layer<Tree, Tree> = {
      ...log,
      kind: 'fusedLog',
      sequence: (_p, s, xs) => [s, tf.log(xs)],
    };
    const net = sequential({ enc: seqToANN(double), f: multiStep(fused) });
    const xs = ones(2, 0, 1, -3);
    const state = net.initialState({ enc: {}, f: {} }, xs.shape, key(0));
    const e = caught(() => checkNumerics(() => net.step({ enc: {}, f: {} }, state, xs, ctx)));
    expect([e.layer, e.kind, e.step, e.tensor, e.index]).toEqual(['f', 'fusedLog', 2, 'output', [2, 0, 1]]);
    const enc = sequential({ enc: seqToANN(log) });
    const e2 = caught(() => checkNumerics(() => enc.step({ enc: {} }, { enc: {} }, xs, ctx)));
    expect([e2.layer, e2.step, e2.tensor]).toEqual(['enc', 2, 'output']);
    xs.dispose();
  });

  it('a bare scan body is checked at every step; numericsGuard names a layer run on its own', () => {
    const xs = ones(3, 0, 0, -1);
    const e = caught(() => checkNumerics(() => scan((s: tf.Tensor, x) => [s, tf.log(x)] as const, tf.scalar(0), xs, key(0))));
    expect([e.layer, e.kind, e.step, e.tensor]).toEqual(['', 'scan body', 3, 'output']);
    expect(e.message).toMatch(/^checkNumerics: NaN in the output of the scan body at time step 3/);
    const guarded = numericsGuard(log, 'readout');
    const x = tf.tensor2d([[1, -1]]);
    const e2 = caught(() => checkNumerics(() => guarded.step({}, {}, x, ctx)));
    expect(e2.message).toMatch(/^checkNumerics: NaN in the output of layer 'readout' \(log\) \(forward pass; first at element \[0, 1\]/);
    dispose([xs, x]);
  });

  it('gives the same results as without the check, and leaks nothing, when every value is finite', () => {
    const net = multiStep(sequential({ a: double, t: toy(3), b: double }));
    const params = net.init(key(1));
    const xs = ones(2, 1, 1, 0.7);
    const state = net.initialState(params, xs.shape, key(0));
    const plain = net.step(params, state, xs, ctx);
    const checked = checkNumerics(() => net.step(params, state, xs, ctx));
    expect(Array.from(checked[1].dataSync())).toEqual(Array.from(plain[1].dataSync()));
    expect(leakedBy(() => checkNumerics(() => net.step(params, state, xs, ctx)) as unknown as Tree)).toBe(0);
    // Through a gradient too: the guards' identities pass gradients unchanged (a smooth loss of the membrane).
    const v0 = tf.zeros([2, 3]);
    const loss = (w: tf.Tensor) => tf.sum(tf.square(runSequence(toy(3), { w }, { v: v0 }, xs, ctx)[0].v)) as tf.Scalar;
    const g0 = tf.grads(loss)([params.t.w]);
    const g1 = checkNumerics(() => tf.grads(loss)([params.t.w]));
    expect(Array.from((g1[0] as tf.Tensor).dataSync())).toEqual(Array.from((g0[0] as tf.Tensor).dataSync()));
    dispose([params, xs, state, plain, checked, g0, g1, v0]);
  });
});

describe('checkNumerics: backward', () => {
  it('names the layer whose backward pass produced the first non-finite gradient (sqrt at 0: dy/dx = ∞)', () => {
    const net = sequential({ a: scale, root: sqrt, b: double });
    const xs = ones(2, 1, 0, 0); // sqrt(0) = 0, finite; its derivative 1/(2·sqrt(0)) = ∞
    const state = { a: {}, root: {}, b: {} };
    const loss = (w: tf.Tensor): tf.Scalar => tf.sum(runSequence(net, { a: { w }, root: {}, b: {} }, state, xs, ctx)[1]) as tf.Scalar;
    const w = tf.scalar(1);
    // Off: the gradient is silently infinite (or NaN).
    const [g] = tf.grads(loss)([w]);
    expect(Number.isFinite((g as tf.Tensor).dataSync()[0])).toBe(false);
    const e = caught(() => checkNumerics(() => tf.grads(loss)([w])));
    expect([e.pass, e.layer, e.kind, e.step, e.tensor, e.index, e.value]).toEqual([
      'backward',
      'root',
      'sqrt',
      2,
      'input',
      [1, 0],
      Number.POSITIVE_INFINITY,
    ]);
    expect(e.message).toBe(
      "checkNumerics: Infinity in the gradient of the input of layer 'root' (sqrt) at time step 2 (backward pass; first at element [1, 0], 1 non-finite value)",
    );
    dispose([xs, w, g as tf.Tensor]);
  });
});

describe('the mode', () => {
  it('checkNumerics scopes the mode to one synchronous call; setNumericsCheck turns it on globally', () => {
    expect(numericsCheckEnabled()).toBe(false);
    expect(checkNumerics(() => numericsCheckEnabled())).toBe(true);
    expect(numericsCheckEnabled()).toBe(false);
    expect(setNumericsCheck(true)).toBe(false);
    expect(numericsCheckEnabled()).toBe(true);
    expect(setNumericsCheck(false)).toBe(true);
    expect(() => checkNumerics(async () => 1)).toThrow(SpikefnArgumentError);
    expect(() => checkNumerics(async () => 1)).toThrow(/checkNumerics: argument 'f' expected a synchronous function/);
    expect(() => setNumericsCheck('yes' as never)).toThrow(/setNumericsCheck: argument 'enabled' expected a boolean, got yes/);
    expect(numericsCheckEnabled()).toBe(false);
  });
});
