/**
 * Gradients over parameter trees, on explicit tensors (never `variableGrads` over hidden global variables).
 *
 *   valueAndGradTree(f, p) = { value: f(p), grads: ∂f/∂p }   with `grads` a tree of `p`'s structure
 *
 * The loss function receives a tree of the same structure as `params` whose leaves are the tensors being
 * differentiated, and returns a scalar (or `[scalar, aux]`, see {@link valueAndGradTreeAux}). Gradients flow
 * through {@link scan} (backpropagation through time). A parameter that the loss does not depend on gets a zero
 * gradient, not an error. Memory: everything the loss function creates is freed except the returned value,
 * grads and aux, which the caller owns.
 *
 * @category training
 */
import * as tf from '@spikefn/core/tf';
import {
  emptyTree,
  treeLeaves as leaves,
  treeUnflatten as unflatten,
  type EmptyTree,
  type Tree,
  SpikefnArgumentError,
} from '@spikefn/core';
import type { GradientTransformation } from './optim/transform.js';
import { assertFinite } from './finite.js';

/** The result of {@link valueAndGradTree}. @category training */
export type ValueAndGrad<P extends Tree> = {
  /** The loss f(p), a scalar. */
  readonly value: tf.Scalar;
  /** ∂f/∂p, a tree of `params`' structure (zeros for leaves the loss does not use). */
  readonly grads: P;
};
/** The result of {@link valueAndGradTreeAux}: also the auxiliary tree that the loss returned. @category training */
export type ValueAndGradAux<P extends Tree, A extends Tree> = ValueAndGrad<P> & {
  /** The auxiliary tree the loss returned beside the loss, kept alive for the caller. */
  readonly aux: A;
};

/** The parts of tfjs's engine state that a failed gradient has to clean up (tfjs-core 4.22's `EngineState`). */
type TapeNode = { readonly saved?: readonly tf.Tensor[] };
type TapeState = { readonly activeTape: TapeNode[] | null; readonly gradientDepth: number };

const checkScalar = (fn: string, y: unknown): tf.Scalar => {
  if (!(y instanceof tf.Tensor) || y.rank !== 0) {
    throw new SpikefnArgumentError(
      fn,
      'lossFn',
      'a function returning a scalar tensor',
      y instanceof tf.Tensor ? `a tensor of shape [${y.shape.join(', ')}]` : String(y),
    );
  }
  return y as tf.Scalar;
};

/**
 * `lossFn(params) -> [loss, aux]`: the loss and the gradient with respect to every leaf of `params`, plus `aux`
 * (e.g. the new layer state, outputs for accuracy), kept alive for the caller. `aux` must not depend on gradients.
 *
 * @example
 * const { value, grads, aux } = valueAndGradTreeAux((p) => { const y = tf.mul(p.w, x); return [tf.sum(y), { y }]; }, { w });
 * @category training
 */
export function valueAndGradTreeAux<P extends Tree, A extends Tree>(
  lossFn: (params: P) => readonly [tf.Scalar, A],
  params: P,
): ValueAndGradAux<P, A> {
  const fn = 'valueAndGradTreeAux';
  const xs = leaves(params);
  if (xs.length === 0) throw new SpikefnArgumentError(fn, 'params', 'a tree with at least one tensor', 'an empty tree');
  for (const x of xs)
    if (x.dtype !== 'float32')
      throw new SpikefnArgumentError(fn, 'params', 'float32 leaves', `a ${x.dtype} leaf of shape [${x.shape.join(', ')}]`);
  const engine = tf.engine();
  const tapeState = (engine as unknown as { readonly state: TapeState }).state;
  const probe = tf.scalar(0);
  const firstNewId = probe.id + 1;
  probe.dispose();
  let aux: A | undefined;
  let loss: tf.Tensor | undefined;
  let tape: TapeNode[] | null = null;
  let tapeStart = 0;
  try {
    // allowNoGradients = true: a parameter the loss ignores gets a zero gradient instead of an error.
    const { value, grads } = engine.gradients(
      () => {
        tape = tapeState.activeTape;
        tapeStart = tape?.length ?? 0;
        const [l, a] = lossFn(unflatten(params, xs));
        loss = l;
        for (const t of leaves(a)) tf.keep(t);
        aux = a;
        return checkScalar(fn, l);
      },
      xs,
      undefined,
      true,
    );
    const filled = tf.tidy(() => grads.map((g, i) => (g === null || g === undefined ? tf.zerosLike(xs[i] as tf.Tensor) : g)));
    // Grads that were replaced by zeros were null; nothing else to dispose.
    return { value: value as tf.Scalar, grads: unflatten(params, filled), aux: aux as A };
  } catch (e) {
    // A loss (or its gradient) that throws leaves tf.memory().numTensors as it was: tfjs keeps the tensors that its
    // tape saved for the backward pass until a backward pass completes, and the aux tree (kept) and the loss value
    // (returned by the forward pass) outlive the tidy scopes. Free those this call created. Inside an outer gradient
    // (higher order) the tape belongs to the outer call, which frees it.
    if (tapeState.gradientDepth === 0 && tape !== null) {
      for (const node of (tape as TapeNode[]).slice(tapeStart)) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
    }
    const own = (t: tf.Tensor): boolean => t.id >= firstNewId && !t.isDisposed && !xs.includes(t);
    if (aux !== undefined) for (const t of new Set(leaves(aux))) if (own(t)) t.dispose();
    const l = loss as tf.Tensor | undefined;
    if (l instanceof tf.Tensor && own(l)) l.dispose();
    throw e;
  }
}

/**
 * `lossFn(params) -> loss`: the loss and its gradient with respect to every leaf of `params`, as a tree of the same
 * structure (`tf.valueAndGrads` over the flattened tree).
 *
 * @example
 * const { value, grads } = valueAndGradTree((p) => tf.sum(tf.square(p.w)), { w: tf.tensor1d([1, 2]) }); // grads.w = [2, 4]
 * @category training
 */
export function valueAndGradTree<P extends Tree>(lossFn: (params: P) => tf.Scalar, params: P): ValueAndGrad<P> {
  const { value, grads } = valueAndGradTreeAux<P, readonly []>((p) => [lossFn(p), []], params);
  return { value, grads };
}

/** The gradient tree alone (the value is disposed). @category training */
export function gradTree<P extends Tree>(lossFn: (params: P) => tf.Scalar, params: P): P {
  const { value, grads } = valueAndGradTree(lossFn, params);
  value.dispose();
  return grads;
}

/** Options of {@link clipByGlobalNorm}. @category training */
export type ClipOptions = {
  /** Clip grads that hold NaN or ±Infinity instead of throwing (every leaf then becomes NaN or 0). Default false. */
  readonly allowNonFinite?: boolean;
};

/**
 * Global-norm gradient clipping (PyTorch's `clip_grad_norm_`): `g · min(1, maxNorm / (‖g‖₂ + 1e-6))` with the norm
 * over all leaves. Returns new tensors; the input grads are not disposed.
 *
 * Non-finite grads: a NaN or ±Infinity anywhere makes ‖g‖ non-finite and the scale NaN or 0, which would silently turn
 * every leaf NaN (or zero). So unless `options.allowNonFinite`, the grads are checked first (one reduction and one
 * scalar read, see {@link allFinite}) and a `NumericsError` names the first non-finite leaf (`grads.fc.weight`). Finite
 * grads whose squares overflow float32 (entries above about 1.8e19) have ‖g‖ = ∞ and clip to zero.
 *
 * @example
 * const clipped = clipByGlobalNorm(grads, 1);
 * @category training
 */
export function clipByGlobalNorm<P extends Tree>(grads: P, maxNorm: number, options?: ClipOptions): P;
/**
 * The same clipping as a stateless gradient transformation (Optax's `clip_by_global_norm`), for {@link chain}:
 * `update(u, {}, p) = [clipByGlobalNorm(u, maxNorm), {}]`.
 *
 * @example
 * const opt = asOptimizer('clipped-adam', chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3)));
 * @category training
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyTree>;
export function clipByGlobalNorm<P extends Tree>(
  gradsOrMaxNorm: P | number,
  maxNorm?: number,
  options: ClipOptions = {},
): P | GradientTransformation<EmptyTree> {
  if (typeof gradsOrMaxNorm === 'number') {
    const max = gradsOrMaxNorm;
    checkMaxNorm(max);
    return { init: () => emptyTree, update: (updates, state) => [clipByGlobalNorm(updates, max), state] };
  }
  checkMaxNorm(maxNorm);
  if (options.allowNonFinite !== true) assertFinite('clipByGlobalNorm', 'grads', gradsOrMaxNorm);
  const ls = leaves(gradsOrMaxNorm);
  const out = tf.tidy(() => {
    const sq = tf.addN(ls.map((g) => tf.sum(tf.square(g))));
    const scale = tf.minimum(1, tf.div(maxNorm as number, tf.add(tf.sqrt(sq), 1e-6)));
    return ls.map((g) => tf.mul(g, scale));
  });
  return unflatten(gradsOrMaxNorm, out);
}

const checkMaxNorm = (maxNorm: number | undefined): void => {
  if (!(typeof maxNorm === 'number' && maxNorm > 0))
    throw new SpikefnArgumentError('clipByGlobalNorm', 'maxNorm', 'a number > 0', String(maxNorm));
};
