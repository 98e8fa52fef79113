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
import { treeLeaves as leaves, treeUnflatten as unflatten, type Tree, SpikefnArgumentError } from '@spikefn/core';

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
  let aux: A | undefined;
  // allowNoGradients = true: a parameter the loss ignores gets a zero gradient instead of an error.
  const { value, grads } = tf.engine().gradients(
    () => {
      const [loss, a] = lossFn(unflatten(params, xs));
      aux = a;
      for (const t of leaves(a)) tf.keep(t);
      return checkScalar(fn, loss);
    },
    xs,
    undefined,
    true,
  );
  const filled = tf.tidy(() => grads.map((g, i) => (g === null || g === undefined ? tf.zerosLike(xs[i] as tf.Tensor) : g)));
  // Grads that were replaced by zeros were null; nothing else to dispose.
  return { value: value as tf.Scalar, grads: unflatten(params, filled), aux: aux as A };
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

/**
 * Global-norm gradient clipping (PyTorch's `clip_grad_norm_`): `g · min(1, maxNorm / ‖g‖₂)` with the norm over all
 * leaves. Returns new tensors; the input grads are not disposed.
 *
 * @category training
 */
export function clipByGlobalNorm<P extends Tree>(grads: P, maxNorm: number): P {
  if (!(maxNorm > 0)) throw new SpikefnArgumentError('clipByGlobalNorm', 'maxNorm', 'a number > 0', String(maxNorm));
  const ls = leaves(grads);
  const out = tf.tidy(() => {
    const sq = tf.addN(ls.map((g) => tf.sum(tf.square(g))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(tf.sqrt(sq), 1e-6)));
    return ls.map((g) => tf.mul(g, scale));
  });
  return unflatten(grads, out);
}
