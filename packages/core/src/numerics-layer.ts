/**
 * `numericsGuard(layer, name)`: a named check point of the numerics guard (see numerics.ts) around any layer.
 *
 * @category numerics
 */
import { runSequence } from './scan.js';
import { tidyStep, type Layer } from './layer.js';
import { checkedStep } from './numerics-guard.js';
import { inNumericsFrame, numericsCheckEnabled } from './numerics.js';
import type { Tree } from './tree.js';
import { SpikefnArgumentError } from './validate.js';

/**
 * A named check point of the numerics guard around any layer: `numericsGuard(layer, 'encoder')` behaves exactly as
 * `layer` (same params, state, outputs; no cost while the guard is off), and while it is on (see `checkNumerics`)
 * checks the layer's input, params, state and output under the name `'encoder'`, forward and backward. Containers of
 * spikefn already check their members; use this for a layer run on its own or inside a container of your own.
 *
 * @category numerics
 */
export function numericsGuard<P extends Tree, S extends Tree>(layer: Layer<P, S>, name: string): Layer<P, S> {
  if (layer === null || typeof layer !== 'object' || typeof layer.step !== 'function')
    throw new SpikefnArgumentError('numericsGuard', 'layer', 'a layer', String(layer));
  if (typeof name !== 'string' || name === '') throw new SpikefnArgumentError('numericsGuard', 'name', 'a non-empty string', String(name));
  const guarded: Layer<P, S> = {
    kind: layer.kind,
    init: (key) => layer.init(key),
    initialState: (params, inputShape, key) => layer.initialState(params, inputShape, key),
    outputShape: (params, inputShape) => layer.outputShape(params, inputShape),
    step: (params, state, x, ctx) =>
      numericsCheckEnabled() ? tidyStep(() => checkedStep(name, layer, params, state, x, ctx)) : layer.step(params, state, x, ctx),
  };
  if (layer.sequence === undefined) return guarded;
  return { ...guarded, sequence: (params, state, xs, ctx) => inNumericsFrame({ name }, () => runSequence(layer, params, state, xs, ctx)) };
}
