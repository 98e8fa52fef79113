// Shared checks of the neurons built on the open model (not a test file itself): a hand-run loop of `step`, closeness
// of plain arrays, and the laws every model layer has (step loop = sequence = composed forms, finite gradients, no
// leaked tensors).
import fc from 'fast-check';
import { expect } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key } from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import type { ModelLayer, StateRecord } from '../src/model.js';

/** float32 numbers in [min, max], no NaN or infinity. */
export const f32 = (min: number, max: number): fc.Arbitrary<number> =>
  fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });

/** One float32 rounding. */
export const fr = Math.fround;

/** Runs `step` over the time axis by hand (no scan): the outputs, one array per step. */
export function loopSteps<P extends Tree, S extends StateRecord>(
  layer: ModelLayer<P, S, Tree>,
  params: P,
  state: S,
  xs: tf.Tensor,
): number[][] {
  const T = xs.shape[0] as number;
  const ys: number[][] = [];
  let s = state;
  tf.tidy(() => {
    for (let t = 0; t < T; t++) {
      const x = tf.squeeze(tf.slice(xs, [t], [1]), [0]);
      const [next, y] = layer.step(params, s, x, evalCtx(key(t)));
      ys.push(Array.from(y.dataSync()));
      s = next;
    }
  });
  return ys;
}

/** Throws unless `got[i]` is within `atol + rtol·abs(want[i])` of `want[i]` everywhere (same length). */
export function expectNear(what: string, got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-6, rtol = 1e-6): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} vs ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) throw new Error(`${what}: differs at ${i}: got ${g}, want ${w}`);
  }
}

/**
 * The laws every model layer has, on one input `xs = [T, ...]`:
 * - a hand-run loop of `step` = `sequence` = `sequenceComposed` = `record`'s output, bit for bit;
 * - the gradient of `sum(y·g)` with respect to `xs` exists, is finite and, when `nonZeroGrad`, not all zero;
 * - `sequence`, `record` and the gradient leave `tf.memory().numTensors` unchanged apart from what they return.
 */
export function checkModelLaws<P extends Tree, S extends StateRecord, R extends Tree>(
  name: string,
  layer: ModelLayer<P, S, R>,
  params: P,
  xs: tf.Tensor,
  outputOf: (rec: R) => tf.Tensor,
  nonZeroGrad = true,
): void {
  const state = layer.initialState(params, xs.shape.slice(1), key(0));
  const ys = loopSteps(layer as unknown as ModelLayer<P, S, Tree>, params, state, xs);
  const flat = ys.flat();
  tf.tidy(() => {
    expect(Array.from(layer.sequence(params, state, xs)[1].dataSync()), `${name}: sequence = loop of step`).toEqual(flat);
    expect(Array.from(layer.sequenceComposed(params, state, xs)[1].dataSync()), `${name}: sequenceComposed`).toEqual(flat);
    expect(Array.from(outputOf(layer.record(params, state, xs)[1]).dataSync()), `${name}: record's output`).toEqual(flat);
    expect(Array.from(outputOf(layer.recordComposed(params, state, xs)[1]).dataSync()), `${name}: recordComposed`).toEqual(flat);
  });
  const g = tf.randomNormal(xs.shape, 0, 1, 'float32', 3);
  const before = tf.memory().numTensors;
  const [s1, y1] = layer.sequence(params, state, xs);
  const [s2, r2] = layer.record(params, state, xs);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.sequence(params, state, x)[1], g)))(xs);
  const returned = [...new Set([...Object.values(s1), y1, ...Object.values(s2), ...leavesOf(r2), grad])];
  expect(tf.memory().numTensors - before, `${name}: tensors left besides the returned ones`).toBe(returned.length);
  const gv = Array.from(grad.dataSync());
  expect(
    gv.every((v) => Number.isFinite(v)),
    `${name}: finite gradient`,
  ).toBe(true);
  if (nonZeroGrad)
    expect(
      gv.some((v) => v !== 0),
      `${name}: some non-zero gradient`,
    ).toBe(true);
  for (const t of returned) t.dispose();
  g.dispose();
  for (const t of Object.values(state)) t.dispose();
}

const leavesOf = (r: Tree): tf.Tensor[] =>
  r instanceof tf.Tensor ? [r] : Array.isArray(r) ? r.flatMap(leavesOf) : Object.values(r as Record<string, Tree>).flatMap(leavesOf);
