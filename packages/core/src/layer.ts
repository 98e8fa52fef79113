/**
 * A layer is a record of pure functions over explicit values (the idea of Optax's `(init, update)` pair and
 * Equinox's explicit state, applied to SpikingJelly's modules):
 *
 * - `init(key) -> params`: learnable tensors, drawn from `key`.
 * - `initialState(params, inputShape, key) -> state`: the memory SpikingJelly keeps with `register_memory`.
 *   Resetting a network is calling this again: there is no `reset()`.
 * - `step(params, state, x, ctx) -> [state', y]`: one time step, **carry first**, so a step with its params applied
 *   is a {@link scan} body as it stands. (fp-ts's `State` returns `[A, S]`; spikefn returns `[S, A]` like
 *   `jax.lax.scan`.)
 * - `outputShape(params, inputShape)`: what `step` returns for an input of that shape, so that containers can
 *   build the initial states of the layers after this one.
 * - `sequence?`: an optional faster multi-step form over `[T, ...]` (a fused kernel). When present, it must equal
 *   scanning `step`; {@link runSequence} uses it.
 *
 * Stateless layers have the empty state `{}` (never `null`). Nothing in a layer is mutated: a step returns new
 * tensors and never disposes its inputs; {@link scan} owns the memory of a time loop.
 *
 * @category layers
 */
import * as tf from './tf.js';
import { checkKey, isKey, type Key } from './key.js';
import type { Empty, Tree } from './tree.js';
import { SpikefnArgumentError, type Shape } from './validate.js';

/** What a step may depend on besides params, state and input: train/eval mode and a per-step key. @category layers */
export type Ctx = {
  /** Train mode (`true`: dropout applies its mask, BatchNorm uses and updates batch statistics) or eval mode (`false`). */
  readonly training: boolean;
  /** The key of this step; stochastic layers draw from it (in a {@link scan}, `foldIn(key, t)`). */
  readonly key: Key;
};

/** A layer: pure functions over params `P` and state `S`. @category layers */
export interface Layer<P extends Tree = Tree, S extends Tree = Tree> {
  /** A short name such as `'lif'` or `'sequential'`, for messages and printing. */
  readonly kind: string;
  /** The learnable params, drawn from `key` (`{}` for a layer without params). */
  init(key: Key): P;
  /** The state before the first step for inputs of one step's shape `inputShape` (e.g. `[N, C]`); resetting is calling it again. */
  initialState(params: P, inputShape: Shape, key: Key): S;
  /** The shape `step` returns for a one-step input of shape `inputShape`. */
  outputShape(params: P, inputShape: Shape): Shape;
  /** One time step: `[state', y]`, carry first. Pure: returns new tensors and disposes none of its inputs. */
  step(params: P, state: S, x: tf.Tensor, ctx: Ctx): readonly [S, tf.Tensor];
  /** Optional multi-step form over `xs = [T, ...]`, equal to scanning `step` (see {@link runSequence}). */
  sequence?(params: P, state: S, xs: tf.Tensor, ctx: Ctx): readonly [S, tf.Tensor];
}

/** Any layer, for heterogeneous collections. @category layers */
// biome-ignore lint/suspicious/noExplicitAny: containers call each member with params/state looked up by name from their own mapped records, which TypeScript cannot tie to that member's P and S; `Layer<Tree, Tree>` would need a cast at every such call
export type AnyLayer = Layer<any, any>;

/** The params type of a layer. @category layers */
export type ParamsOf<L> = L extends Layer<infer P, Tree> ? P : never;
/** The state type of a layer. @category layers */
export type StateOf<L> = L extends Layer<Tree, infer S> ? S : never;

/** Builds a stateless layer from a pure function `apply(params, x, ctx) -> y`. @category layers */
export function stateless<P extends Tree>(def: {
  readonly kind: string;
  init(key: Key): P;
  outputShape(params: P, inputShape: Shape): Shape;
  apply(params: P, x: tf.Tensor, ctx: Ctx): tf.Tensor;
}): Layer<P, Empty> {
  return {
    kind: def.kind,
    init: def.init,
    outputShape: def.outputShape,
    initialState: () => ({}) as Empty,
    step: (params, state, x, ctx) => {
      checkCtx(`${def.kind}.step`, ctx);
      return tidyStep(() => [state, def.apply(params, x, ctx)]);
    },
  };
}

const showValue = (v: unknown): string => {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v !== 'object' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/**
 * Throws a {@link SpikefnArgumentError} naming `fn` unless `ctx` is a {@link Ctx}: a record whose `training` is a
 * boolean (`'no'` or `0` is refused, not read as train or eval mode) and whose `key` is a {@link Key}. Containers,
 * {@link runSequence} and the layers that read the context call it where a context enters.
 *
 * @category layers
 */
export function checkCtx(fn: string, ctx: unknown, name = 'ctx'): Ctx {
  if (ctx === null || typeof ctx !== 'object')
    throw new SpikefnArgumentError(fn, name, 'a context { training: boolean, key } (evalCtx(key) or trainCtx(key))', showValue(ctx));
  const c = ctx as { training?: unknown; key?: unknown };
  if (typeof c.training !== 'boolean') throw new SpikefnArgumentError(fn, `${name}.training`, 'a boolean', showValue(c.training));
  if (!isKey(c.key)) throw new SpikefnArgumentError(fn, `${name}.key`, 'a key made by key(seed)', showValue(c.key));
  return ctx as Ctx;
}

/** An eval-mode context (`training: false`) with the given key. @category layers */
export const evalCtx = (key: Key): Ctx => ({ training: false, key: checkKey('evalCtx', key) });
/** A train-mode context (`training: true`) with the given key. @category layers */
export const trainCtx = (key: Key): Ctx => ({ training: true, key: checkKey('trainCtx', key) });

/**
 * Runs a step body in one `tf.tidy`: intermediates are freed, the returned state and output are kept.
 * Every layer's `step` goes through it, so a step leaves `tf.memory().numTensors` unchanged apart from what it returns.
 *
 * @category layers
 */
export function tidyStep<S extends Tree>(body: () => readonly [S, tf.Tensor]): [S, tf.Tensor] {
  return tf.tidy(() => {
    const [s, y] = body();
    return [s, y] as unknown as tf.TensorContainer;
  }) as unknown as [S, tf.Tensor];
}
