/**
 * `scan`: the one time loop of spikefn (as `jax.lax.scan`). Every multi-step API runs through it.
 *
 *   scan(f, s₀, xs, key) = [s_T, ys],  where  [s_{t+1}, y_t] = f(s_t, xs[t], k_t, t)  and  k_t = foldIn(key, t₀ + t)
 *
 * `xs` has a leading time axis `[T, ...]`; it is unstacked once. `ys` is each leaf of the per-step outputs stacked
 * on a new leading axis. Memory: every step runs in its own `tf.tidy`; the previous carry is disposed as soon as
 * the next one exists; the caller's `s₀` is never disposed; what is returned is the caller's to dispose.
 * Gradients flow through the loop (BPTT): tfjs keeps what the backward pass needs, so disposing a carry is safe.
 *
 * `t₀` (default 0) offsets the step index and key: running `xs ++ ys` equals running `xs` with `t₀ = 0`, then `ys`
 * from the final state with `t₀ = len(xs)` (chunking invariance), stochastic bodies included.
 *
 * @category time
 */
import * as tf from './tf.js';
import { foldIn, type Key } from './key.js';
import { leaves, unflatten, type Tree } from './tree.js';
import type { AnyLayer, Ctx, Layer } from './layer.js';
import { minRank, SpikefnArgumentError } from './validate.js';

/** A scan body: `(carry, x_t, key_t, t) -> [carry', y_t]`. @category time */
export type ScanBody<S extends Tree, Y extends Tree> = (state: S, x: tf.Tensor, key: Key, t: number) => readonly [S, Y];

/** Options of {@link scan}. @category time */
export type ScanOptions = {
  /** Index of the first step (an integer ≥ 0, default 0): step `t` gets index and key `foldIn(key, t0 + t)`. */
  readonly t0?: number;
};

/** Runs `body` over the leading axis of `xs` from `state0`. Returns `[finalState, stackedOutputs]`. @category time */
export function scan<S extends Tree, Y extends Tree>(
  body: ScanBody<S, Y>,
  state0: S,
  xs: tf.Tensor,
  key: Key,
  options: ScanOptions = {},
): [S, Y] {
  minRank('scan', 'xs', xs, 1, 'a leading time axis [T, ...]');
  const T = xs.shape[0] as number;
  if (T < 1) throw new SpikefnArgumentError('scan', 'xs', 'a time axis of length >= 1', `shape [${xs.shape.join(', ')}]`);
  const t0 = options.t0 ?? 0;
  if (!Number.isInteger(t0) || t0 < 0) throw new SpikefnArgumentError('scan', 'options.t0', 'an integer >= 0', String(t0));

  const initial = new Set(leaves(state0));
  const produced = new Set<tf.Tensor>();
  // tfjs 4.22's Unpack gradient passes a lone dy as a tensor, not a list, and fails when T = 1: reshape there.
  const slices = T === 1 ? [tf.reshape(xs, xs.shape.slice(1))] : tf.unstack(xs);
  const ys: Y[] = [];
  let state = state0;
  for (let t = 0; t < T; t++) {
    const x = slices[t] as tf.Tensor;
    const prev = state;
    const [next, y] = tf.tidy(() => {
      const out = body(prev, x, foldIn(key, t0 + t), t0 + t);
      return [out[0], out[1]] as unknown as tf.TensorContainer;
    }) as unknown as [S, Y];
    for (const leaf of leaves(y)) produced.add(leaf);
    const live = new Set(leaves(next));
    if (prev !== state0) for (const leaf of leaves(prev)) if (!initial.has(leaf) && !live.has(leaf) && !produced.has(leaf)) leaf.dispose();
    if (!live.has(x) && !produced.has(x)) x.dispose();
    state = next;
    ys.push(y);
  }
  const first = ys[0] as Y;
  const stacked = tf.tidy(() => {
    const perStep = ys.map((y) => leaves(y));
    return leaves(first).map((_, j) => tf.stack(perStep.map((ls) => ls[j] as tf.Tensor)));
  });
  const final = new Set(leaves(state));
  for (const leaf of produced) if (!final.has(leaf) && !initial.has(leaf)) leaf.dispose();
  return [state, unflatten(first, stacked)];
}

/**
 * Runs a layer over a sequence `xs = [T, ...]`: its fused `sequence` form when it has one, else `scan` over its
 * `step` with per-step keys from `ctx.key`. This is how `multiStep` and every multi-step API run a layer.
 *
 * @category time
 */
export function runSequence<P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
  params: P,
  state: S,
  xs: tf.Tensor,
  ctx: Ctx,
): [S, tf.Tensor] {
  if (layer.sequence !== undefined) {
    minRank(`${layer.kind}.sequence`, 'xs', xs, 1, 'a leading time axis [T, ...]');
    const [s, ys] = layer.sequence(params, state, xs, ctx);
    return [s, ys];
  }
  return scan<S, tf.Tensor>((s, x, k) => layer.step(params, s, x, { training: ctx.training, key: k }), state, xs, ctx.key);
}

/** `runSequence` without the fused path: always a `scan` of `step` (the reference the fused path is tested against). @category time */
export function scanLayer(
  layer: AnyLayer,
  params: Tree,
  state: Tree,
  xs: tf.Tensor,
  ctx: Ctx,
  options: ScanOptions = {},
): [Tree, tf.Tensor] {
  return scan<Tree, tf.Tensor>((s, x, k) => layer.step(params, s, x, { training: ctx.training, key: k }), state, xs, ctx.key, options);
}
