/**
 * `sequential({a: layerA, b: layerB, ...})`: layers applied in order within one time step,
 * `y = b(a(x))`, with params and state as records named like the layers (`state.lif1.v`), so a trace can be read
 * by name. The functional form of `nn.Sequential` with stateful members.
 *
 * Keys: layer `i` gets `foldIn(key, i)` for init, initial state and each step.
 *
 * @category combinators
 */
import * as tf from './tf.js';
import { foldIn } from './key.js';
import { checkCtx, tidyStep, type AnyLayer, type Layer, type ParamsOf, type StateOf } from './layer.js';
import { checkedStep } from './numerics-guard.js';
import { SpikefnArgumentError, type Shape } from './validate.js';

/** The params of a `sequential` of layers `L`. @category combinators */
export type SequentialParams<L extends Record<string, AnyLayer>> = { readonly [K in keyof L]: ParamsOf<L[K]> };
/** The state of a `sequential` of layers `L`. @category combinators */
export type SequentialState<L extends Record<string, AnyLayer>> = { readonly [K in keyof L]: StateOf<L[K]> };

/** Layers in order, named. Names must not look like integers (JavaScript would reorder them). @category combinators */
export function sequential<L extends Record<string, AnyLayer>>(layers: L): Layer<SequentialParams<L>, SequentialState<L>> {
  const entries = Object.entries(layers);
  if (entries.length === 0) throw new SpikefnArgumentError('sequential', 'layers', 'at least one named layer', 'none');
  for (const [name, layer] of entries) {
    if (/^(0|[1-9]\d*)$/.test(name))
      throw new SpikefnArgumentError(
        'sequential',
        `layers.${name}`,
        'a name that is not an integer (integer keys are reordered by JavaScript)',
        `'${name}'`,
      );
    if (layer === null || typeof layer !== 'object' || typeof layer.step !== 'function')
      throw new SpikefnArgumentError('sequential', `layers.${name}`, 'a layer', String(layer));
  }
  type P = SequentialParams<L>;
  type S = SequentialState<L>;
  const shapes = (params: P, inputShape: Shape): Shape[] => {
    const out: Shape[] = [inputShape];
    for (const [name, layer] of entries) out.push(layer.outputShape(params[name], out[out.length - 1] as Shape));
    return out;
  };
  return {
    kind: 'sequential',
    // init and initialState run in a tf.tidy: a member that throws frees what the members before it made.
    init: (key) =>
      tf.tidy(
        () => Object.fromEntries(entries.map(([name, layer], i) => [name, layer.init(foldIn(key, i))])) as unknown as tf.TensorContainer,
      ) as unknown as P,
    outputShape: (params, inputShape) => shapes(params, inputShape)[entries.length] as Shape,
    initialState: (params, inputShape, key) => {
      const ins = shapes(params, inputShape);
      return tf.tidy(
        () =>
          Object.fromEntries(
            entries.map(([name, layer], i) => [name, layer.initialState(params[name], ins[i] as Shape, foldIn(key, i))]),
          ) as unknown as tf.TensorContainer,
      ) as unknown as S;
    },
    step: (params, state, x, ctx) => {
      checkCtx('sequential.step', ctx);
      return tidyStep(() => {
        const next: Record<string, unknown> = {};
        let y: tf.Tensor = x;
        entries.forEach(([name, layer], i) => {
          const [s, out] = checkedStep(name, layer, params[name], state[name], y, { training: ctx.training, key: foldIn(ctx.key, i) });
          next[name] = s;
          y = out;
        });
        return [next as S, y];
      });
    },
  };
}
