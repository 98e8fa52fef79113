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
 * `checkpointEvery: k` bounds the memory of BPTT (gradient checkpointing, scan-checkpoint.ts): while a gradient is
 * recorded, the loop runs as segments of k steps that keep only their input carry and are recomputed in the backward
 * pass. Tensors the body closes over (params) reach the gradient only through `options.params`.
 *
 * @category time
 */
import * as tf from './tf.js';
import { checkKey, foldIn, type Key } from './key.js';
import { leaves, unflatten, type Tree } from './tree.js';
import { checkCtx, type AnyLayer, type Ctx, type Layer } from './layer.js';
import { checkedCall, checkedStep } from './numerics-guard.js';
import { checkNumericsAt, guardGradients, inNumericsFrame, numericsCheckEnabled } from './numerics.js';
import { checkpointedScan } from './scan-checkpoint.js';
import { minRank, positiveInt, SpikefnArgumentError } from './validate.js';

/** A scan body: `(carry, x_t, key_t, t) -> [carry', y_t]`. @category time */
export type ScanBody<S extends Tree, Y extends Tree> = (state: S, x: tf.Tensor, key: Key, t: number) => readonly [S, Y];

/** Options of {@link scan}. @category time */
export type ScanOptions = {
  /** Index of the first step (an integer ≥ 0, default 0): step `t` gets index and key `foldIn(key, t0 + t)`. */
  readonly t0?: number;
  /**
   * Gradient checkpointing (an integer k ≥ 1): while a gradient is being recorded, keep only every k-th carry and
   * recompute the steps in between in the backward pass (see scan-checkpoint.ts). Same values and gradients as
   * without; memory for BPTT grows with T/k plus one segment of k steps. Ignored when no gradient is recorded.
   */
  readonly checkpointEvery?: number;
  /**
   * With `checkpointEvery`: the tensors the body closes over that gradients must reach (a layer's params). They must
   * stay alive until the gradient is computed. Default: none (gradients reach only `state0` and `xs`).
   */
  readonly params?: Tree;
};

/** Runs `body` over the leading axis of `xs` from `state0`. Returns `[finalState, stackedOutputs]`. @category time */
export function scan<S extends Tree, Y extends Tree>(
  body: ScanBody<S, Y>,
  state0: S,
  xs: tf.Tensor,
  key: Key,
  options: ScanOptions = {},
): [S, Y] {
  if (typeof body !== 'function')
    throw new SpikefnArgumentError('scan', 'body', 'a function (state, x, key, t) => [state, y]', String(body));
  if (!(xs instanceof tf.Tensor)) throw new SpikefnArgumentError('scan', 'xs', 'a tensor [T, ...]', String(xs));
  checkKey('scan', key);
  minRank('scan', 'xs', xs, 1, 'a leading time axis [T, ...]');
  const T = xs.shape[0] as number;
  if (T < 1) throw new SpikefnArgumentError('scan', 'xs', 'a time axis of length >= 1', `shape [${xs.shape.join(', ')}]`);
  const t0 = options.t0 ?? 0;
  if (!Number.isInteger(t0) || t0 < 0) throw new SpikefnArgumentError('scan', 'options.t0', 'an integer >= 0', String(t0));
  if (options.checkpointEvery !== undefined) {
    const every = positiveInt('scan', 'options.checkpointEvery', options.checkpointEvery);
    if (tf.engine().isTapeOn()) {
      const { checkpointEvery: _every, params, ...plain } = options;
      return checkpointedScan<S, Y>(
        (s, chunk, start) => scan(body, s, chunk, key, { ...plain, t0: start }),
        state0,
        xs,
        t0,
        every,
        params ?? [],
      );
    }
  }

  // The whole loop runs in one tf.tidy as well as a tidy per step: when a step throws, every tensor made so far (the
  // unstacked slices, carries, outputs) is freed, and tf.memory().numTensors is what it was before the call.
  return tf.tidy(() => {
    const initial = new Set(leaves(state0));
    const produced = new Set<tf.Tensor>();
    const checking = numericsCheckEnabled();
    // tfjs 4.22's Unpack gradient passes a lone dy as a tensor, not a list, and fails when T = 1: reshape there.
    const slices = T === 1 ? [tf.reshape(xs, xs.shape.slice(1))] : tf.unstack(xs);
    const ys: Y[] = [];
    let state = state0;
    for (let t = 0; t < T; t++) {
      const x = slices[t] as tf.Tensor;
      const prev = state;
      const [next, y] = tf.tidy(() => {
        if (!checking) {
          const out = body(prev, x, foldIn(key, t0 + t), t0 + t);
          return [out[0], out[1]] as unknown as tf.TensorContainer;
        }
        return inNumericsFrame({ step: t0 + t }, () => {
          const [s1, y1] = body(prev, x, foldIn(key, t0 + t), t0 + t);
          checkNumericsAt([['input', x]]);
          checkNumericsAt([
            ['output', y1],
            ['state', s1],
          ]);
          return [guardGradients('state', s1, new Set(leaves(prev))), guardGradients('output', y1)] as unknown as tf.TensorContainer;
        });
      }) as unknown as [S, Y];
      for (const leaf of leaves(y)) produced.add(leaf);
      const live = new Set(leaves(next));
      if (prev !== state0)
        for (const leaf of leaves(prev)) if (!initial.has(leaf) && !live.has(leaf) && !produced.has(leaf)) leaf.dispose();
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
    return [state, unflatten(first, stacked)] as unknown as tf.TensorContainer;
  }) as unknown as [S, Y];
}

/** Options of {@link runSequence} and `multiStep`. @category time */
export type RunSequenceOptions = {
  /**
   * Gradient checkpointing (see {@link ScanOptions}): an integer k ≥ 1. The layer then runs as a checkpointed `scan`
   * of its `step`, also when it has a `sequence` form (a fused kernel, or a neuron's own scan, has no checkpointing);
   * its params receive gradients. Same values and gradients as without (the gradients up to the order of sums).
   */
  readonly checkpointEvery?: number;
};

/**
 * Runs a layer over a sequence `xs = [T, ...]`: its fused `sequence` form when it has one, else `scan` over its
 * `step` with per-step keys from `ctx.key`; with `options.checkpointEvery`, always the checkpointed `scan` of `step`.
 * This is how `multiStep` and every multi-step API run a layer.
 *
 * @category time
 */
export function runSequence<P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
  params: P,
  state: S,
  xs: tf.Tensor,
  ctx: Ctx,
  options: RunSequenceOptions = {},
): [S, tf.Tensor] {
  checkCtx(`${layer.kind}.sequence`, ctx);
  const every = checkRunSequenceOptions(`${layer.kind}.sequence`, options);
  if (layer.sequence !== undefined && every === undefined) {
    minRank(`${layer.kind}.sequence`, 'xs', xs, 1, 'a leading time axis [T, ...]');
    if (!numericsCheckEnabled()) {
      const [s, ys] = layer.sequence(params, state, xs, ctx);
      return [s, ys];
    }
    const run = layer.sequence.bind(layer);
    return tf.tidy(
      () => checkedCall({ kind: layer.kind }, params, state, xs, true, (p, s, x) => run(p, s, x, ctx)) as unknown as tf.TensorContainer,
    ) as unknown as [S, tf.Tensor];
  }
  return scan<S, tf.Tensor>(
    (s, x, k) => checkedStep(undefined, layer, params, s, x, { training: ctx.training, key: k }),
    state,
    xs,
    ctx.key,
    every === undefined ? {} : { checkpointEvery: every, params },
  );
}

/** Checks {@link RunSequenceOptions}; returns `checkpointEvery` (or undefined). @category time */
export function checkRunSequenceOptions(fn: string, options: RunSequenceOptions): number | undefined {
  if (options === null || typeof options !== 'object')
    throw new SpikefnArgumentError(fn, 'options', 'an options record ({ checkpointEvery?: number })', String(options));
  return options.checkpointEvery === undefined ? undefined : positiveInt(fn, 'options.checkpointEvery', options.checkpointEvery);
}

/**
 * `runSequence` without the fused path: always a `scan` of `step` (the reference the fused path is tested against).
 * With `options.checkpointEvery`, the layer's `params` receive gradients (they are `options.params` unless given).
 *
 * @category time
 */
export function scanLayer(
  layer: AnyLayer,
  params: Tree,
  state: Tree,
  xs: tf.Tensor,
  ctx: Ctx,
  options: ScanOptions = {},
): [Tree, tf.Tensor] {
  checkCtx(`${layer.kind}.sequence`, ctx);
  return scan<Tree, tf.Tensor>(
    (s, x, k) => checkedStep(undefined, layer, params, s, x, { training: ctx.training, key: k }),
    state,
    xs,
    ctx.key,
    // With checkpointEvery, the gradient reaches the layer's params.
    { params, ...options },
  );
}
