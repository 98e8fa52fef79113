/**
 * Check points of the numerics guard around a layer's step (see numerics.ts): the step's input, params and state
 * before it runs, its output and new state after, under a location frame `{ name, kind }`; and, under a gradient
 * tape, identities that check the cotangents reaching them in the backward pass.
 *
 * @category numerics
 */
import type * as tf from './tf.js';
import type { Ctx, Layer } from './layer.js';
import { checkNumericsAt, guardGradients, inNumericsFrame, numericsCheckEnabled } from './numerics.js';
import { leaves, type Tree } from './tree.js';

/**
 * Runs `run(params, state, x)` (a step, or a multi-step form when `timeAxis`) checked when the numerics guard is on:
 * inside the location frame, with gradient guards on the input and params; afterwards (so that checks inside `run`,
 * which name inner layers, come first) its input, params and state, then its output and new state. Call it inside a
 * tidy. @internal
 */
export function checkedCall<P extends Tree, S extends Tree>(
  frame: { readonly name?: string; readonly kind: string },
  params: P,
  state: S,
  x: tf.Tensor,
  timeAxis: boolean,
  run: (params: P, state: S, x: tf.Tensor) => readonly [S, tf.Tensor],
): readonly [S, tf.Tensor] {
  if (!numericsCheckEnabled()) return run(params, state, x);
  return inNumericsFrame(frame, () => {
    const [s, y] = run(guardGradients('params', params), state, guardGradients('input', x, undefined, timeAxis));
    checkNumericsAt([['input', x]], timeAxis);
    checkNumericsAt([
      ['params', params],
      ['state', state],
    ]);
    checkNumericsAt([['output', y]], timeAxis);
    checkNumericsAt([['state', s]]);
    return [guardGradients('state', s, new Set(leaves(state))), guardGradients('output', y, undefined, timeAxis)] as const;
  });
}

/** `layer.step(params, state, x, ctx)`, checked when the numerics guard is on (call it inside a tidy). @internal */
export function checkedStep<P extends Tree, S extends Tree>(
  name: string | undefined,
  layer: Layer<P, S>,
  params: P,
  state: S,
  x: tf.Tensor,
  ctx: Ctx,
): readonly [S, tf.Tensor] {
  if (!numericsCheckEnabled()) return layer.step(params, state, x, ctx);
  return checkedCall(name === undefined ? { kind: layer.kind } : { name, kind: layer.kind }, params, state, x, false, (p, s, xt) =>
    layer.step(p, s, xt, ctx),
  );
}
