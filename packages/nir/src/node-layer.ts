/**
 * A NIR node as a spikefn layer: a `Layer` of `@spikefn/core` (params and state as values, one `step`, run by
 * `scan`) that also knows its NIR type and how to turn its params back into a {@link NirNode} (for {@link toNir}).
 *
 * Params are the node's float parameters as float32 tensors under NIR's own names (`tau`, `v_leak`, `weight`, …), so
 * that a network imported from NIR can be trained and exported again. Structural values (a convolution's stride, a
 * pooling window, a delay) are fixed when the layer is built and stay out of the params.
 *
 * @category nodes
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError, tidyStep, type Ctx, type Key, type Layer, type Shape, type Tree } from '@spikefn/core';
import { isNirArray, sizeOf, type NirArray, type NirDtype, type NirNode, type NirValue } from './graph.js';

/** Float32 tensors under NIR's parameter names. @category nodes */
export type NirParams = { readonly [name: string]: tf.Tensor };

/** What a NIR node layer adds to a `Layer`: its NIR type and its way back to a NIR node. @category nodes */
export type NirNodeInfo<P extends Tree = Tree, S extends Tree = Tree> = {
  /** The NIR class name (`'LIF'`, `'Affine'`, …, `'I'` for the integrator). */
  readonly type: string;
  /** The NIR node for these params (values read back with `dataSync`, in the dtypes the node was built with). */
  toNode(params: P): NirNode;
  /**
   * A step that also returns named intermediate values: `v_pre_reset` (the membrane after integration, before the
   * reset) for spiking neurons; `{}` for other nodes. `step` is this step without them.
   */
  stepTraced(params: P, state: S, x: tf.Tensor, ctx: Ctx): readonly [S, tf.Tensor, { readonly [name: string]: tf.Tensor }];
  /** Input and Output nodes: the per-sample shape (without time and batch); `undefined` where it is inferred. */
  readonly shape?: Shape;
};

/** A layer made from a NIR node. @category nodes */
export interface NirNodeLayer<P extends Tree = Tree, S extends Tree = Tree> extends Layer<P, S> {
  /** The NIR side of the layer. */
  readonly nir: NirNodeInfo<P, S>;
}

/** Options of {@link nirNodeLayer} and {@link fromNir}. @category nodes */
export type NirImportOptions = {
  /**
   * The time step, in the time unit of the file's `tau` and `delay` values (seconds in SpikingJelly's and the
   * NIR paper's exporters). Only `dt/τ`, `dt·r` and `delay/dt` enter the equations. A finite number > 0.
   */
  readonly dt: number;
};

/** The node's name, for messages. */
export type Where = { readonly fn: string; readonly node: string };

/** `fn: argument 'graph.nodes.NAME.param' …`. */
export const nodeError = (w: Where, param: string, expected: string, got: string): SpikefnArgumentError =>
  new SpikefnArgumentError(w.fn, param === '' ? `graph.nodes.${w.node}` : `graph.nodes.${w.node}.${param}`, expected, got);

const showValue = (v: NirValue | undefined): string =>
  v === undefined ? 'nothing' : typeof v === 'string' ? `'${v}'` : `a ${v.dtype} array of shape [${v.shape.join(', ')}]`;

/** A required numeric parameter. */
export function arrayParam(w: Where, node: NirNode, name: string): NirArray {
  const v = node.params[name];
  if (!isNirArray(v)) throw nodeError(w, name, `a numeric dataset (a ${node.type} node needs '${name}')`, showValue(v));
  if (v.data.some((x) => !Number.isFinite(x))) throw nodeError(w, name, 'finite values', 'a non-finite value');
  return v;
}

/** An optional numeric parameter. */
export function optionalArrayParam(w: Where, node: NirNode, name: string): NirArray | undefined {
  return node.params[name] === undefined ? undefined : arrayParam(w, node, name);
}

/** A parameter that must be positive everywhere (time constants). */
export function positiveParam(w: Where, node: NirNode, name: string): NirArray {
  const v = arrayParam(w, node, name);
  if (v.data.some((x) => x <= 0))
    throw nodeError(w, name, 'values > 0', `[${v.data.slice(0, 8).join(', ')}${v.data.length > 8 ? ', …' : ''}]`);
  return v;
}

/** An integer parameter: a scalar or a list of integers. */
export function intsParam(w: Where, node: NirNode, name: string): number[] {
  const v = arrayParam(w, node, name);
  if (v.data.some((x) => !Number.isInteger(x))) throw nodeError(w, name, 'integers', `[${v.data.join(', ')}]`);
  return [...v.data];
}

/** The float32 tensor of a numeric parameter. */
export const tensorOf = (a: NirArray): tf.Tensor => tf.tensor(Float32Array.from(a.data), [...a.shape], 'float32');

/** A tensor back to a NIR array of the given dtype (a float param stays in its stored dtype). */
export function arrayOf(t: tf.Tensor, dtype: NirDtype = 'float32'): NirArray {
  const values = Array.from(t.dataSync());
  return { dtype, shape: [...t.shape], data: dtype === 'float32' ? values.map(Math.fround) : values };
}

/** The params' tensors as NIR arrays, each in the dtype the node stored (`float32` by default). */
export function paramsToNir(params: NirParams, dtypes: { readonly [name: string]: NirDtype }): Record<string, NirArray> {
  return Object.fromEntries(Object.entries(params).map(([k, t]) => [k, arrayOf(t, dtypes[k] ?? 'float32')]));
}

/** Checks that a param's shape broadcasts against the per-sample shape (`[C, H, W]` takes `[C, H, W]`, `[W]` or `[]`). */
export function checkBroadcast(w: Where, name: string, paramShape: Shape, sample: Shape): void {
  const ok =
    paramShape.length <= sample.length && paramShape.every((d, i) => d === 1 || d === sample[sample.length - paramShape.length + i]);
  if (!ok)
    throw nodeError(
      w,
      name,
      `a shape that broadcasts to the per-sample input shape [${sample.join(', ')}]`,
      `shape [${paramShape.join(', ')}]`,
    );
}

/** Definition of a NIR node layer, turned into one by {@link makeNodeLayer}. */
export type NodeDef<S extends Tree> = {
  readonly kind: string;
  readonly type: string;
  /** The stored float parameters that become the layer's params. */
  readonly floats: { readonly [name: string]: NirArray };
  /** The NIR params that are not learnable (copied into the exported node as they were read). */
  readonly fixed?: { readonly [name: string]: NirValue };
  /** Per-sample shape of an Input/Output node. */
  readonly shape?: Shape;
  outputShape(params: NirParams, inputShape: Shape): Shape;
  initialState(params: NirParams, inputShape: Shape, key: Key): S;
  /** One step: `[state', y, intermediates]`. Runs inside a `tf.tidy`. */
  step(params: NirParams, state: S, x: tf.Tensor, ctx: Ctx): readonly [S, tf.Tensor, { readonly [name: string]: tf.Tensor }];
};

/** A {@link NirNodeLayer} from its definition: params from the stored floats, steps in `tidyStep`. */
export function makeNodeLayer<S extends Tree>(def: NodeDef<S>): NirNodeLayer<NirParams, S> {
  const dtypes = Object.fromEntries(Object.entries(def.floats).map(([k, a]) => [k, a.dtype]));
  const stepTraced = (params: NirParams, state: S, x: tf.Tensor, ctx: Ctx): readonly [S, tf.Tensor, Record<string, tf.Tensor>] =>
    tf.tidy(() => {
      const [s, y, extra] = def.step(params, state, x, ctx);
      return [s, y, extra] as unknown as tf.TensorContainer;
    }) as unknown as [S, tf.Tensor, Record<string, tf.Tensor>];
  const info: NirNodeInfo<NirParams, S> = {
    type: def.type,
    toNode: (params) => ({ type: def.type, params: { ...(def.fixed ?? {}), ...paramsToNir(params, dtypes) } }),
    stepTraced,
    ...(def.shape === undefined ? {} : { shape: def.shape }),
  };
  return {
    kind: def.kind,
    nir: info,
    init: () => Object.fromEntries(Object.entries(def.floats).map(([k, a]) => [k, tensorOf(a)])),
    outputShape: def.outputShape,
    initialState: def.initialState,
    step: (params, state, x, ctx) =>
      tidyStep(() => {
        const [s, y] = def.step(params, state, x, ctx);
        return [s, y];
      }),
  };
}

/** The batch and per-sample parts of a one-step input shape `[B, ...]`. */
export function sampleShape(w: Where, name: string, shape: Shape): Shape {
  if (shape.length < 1) throw nodeError(w, '', `an input ${name} of shape [B, ...] (batch first)`, `shape [${shape.join(', ')}]`);
  return shape.slice(1);
}

/** `dt`, checked. */
export function checkDt(fn: string, dt: unknown): number {
  if (typeof dt !== 'number' || !Number.isFinite(dt) || dt <= 0)
    throw new SpikefnArgumentError(
      fn,
      'options.dt',
      'the time step: a finite number > 0 (in the unit of the file\u2019s tau values)',
      String(dt),
    );
  return dt;
}

export { sizeOf };
