/**
 * `nirNetwork({ nodes, edges })`: a graph of NIR node layers as one spikefn layer.
 *
 * - A chain (Input → … → Output, one path and no other edge) runs as `sequential` of `@spikefn/core`: params and
 *   state are records named like the nodes (`state.lif.v`).
 * - Any other graph runs on the graph runner: within step `t`, nodes run in the order of {@link schedule}; a node
 *   receives the **sum** of its incoming edges (NIRTorch's rule); an instantaneous edge carries its source's output of
 *   step `t`, a delayed (recurrent) edge the output of step `t − 1`, zeros at `t = 0`. Params are named like the
 *   nodes; the state is `{ nodes: { NAME: node state }, delayed: { SOURCE: previous output } }`.
 *
 * Either way `step(params, state, x)` takes the Input node's value `x: [B, ...shape]` and returns the Output node's,
 * and `scan` (or `runSequence`) runs it over `[T, B, ...shape]`. Node `i` (in the order of `nodes`) gets the key
 * `foldIn(key, i)` on the graph runner (and its position in the chain under `sequential`); NIR nodes draw no
 * randomness, so this only matters for layers that do.
 *
 * @category graphs
 */
import * as tf from '@spikefn/core/tf';
import {
  foldIn,
  scan,
  sequential,
  SpikefnArgumentError,
  tidyStep,
  type Ctx,
  type Key,
  type Layer,
  type Shape,
  type Tree,
} from '@spikefn/core';
import type { NirNodeLayer } from './node-layer.js';
import { schedule, type Schedule } from './schedule.js';

/** The params of a network: each node's params under its name. @category graphs */
export type NirNetworkParams = { readonly [node: string]: Tree };

/** The graph runner's state: each node's state, and the previous output of every source of a delayed edge. @category graphs */
export type NirGraphState = {
  /** Each node's state, by name. */
  readonly nodes: { readonly [node: string]: Tree };
  /** The previous step's output of each node that feeds a delayed edge (zeros before the first step). */
  readonly delayed: { readonly [node: string]: tf.Tensor };
};

/** The structure of a {@link NirNetwork}: its node layers, edges and schedule. @category graphs */
export type NirNetworkInfo = {
  /** The node layers, by name. */
  readonly nodes: { readonly [node: string]: NirNodeLayer };
  /** The edges, `[source, target]`. */
  readonly edges: readonly (readonly [string, string])[];
  /** The evaluation order and the delayed edges. */
  readonly schedule: Schedule;
  /** Whether the layer runs as a `sequential` chain (else on the graph runner). */
  readonly runsAsChain: boolean;
};

/** A NIR graph as a spikefn layer, with its structure for {@link toNir} and {@link traceNir}. @category graphs */
export interface NirNetwork extends Layer<NirNetworkParams, Tree> {
  /** The graph. */
  readonly nir: NirNetworkInfo;
}

/** The spec of {@link nirNetwork}: node layers by name and the edges between them. @category graphs */
export type NirNetworkSpec = {
  /** The node layers, by name; exactly one Input and one Output node. */
  readonly nodes: { readonly [node: string]: NirNodeLayer };
  /** The edges, `[source, target]`: identity connections; a node sums what reaches it. */
  readonly edges: readonly (readonly [string, string])[];
};

const integerName = /^(0|[1-9]\d*)$/;

/** A graph of NIR node layers as one layer (a `sequential` chain where it is a chain). @category graphs */
export function nirNetwork(spec: NirNetworkSpec): NirNetwork {
  const fn = 'nirNetwork';
  if (spec === null || typeof spec !== 'object' || spec.nodes === null || typeof spec.nodes !== 'object')
    throw new SpikefnArgumentError(fn, 'spec', '{ nodes, edges }', String(spec));
  for (const [name, layer] of Object.entries(spec.nodes))
    if (layer === null || typeof layer !== 'object' || typeof layer.step !== 'function' || layer.nir === undefined)
      throw new SpikefnArgumentError(fn, `spec.nodes.${name}`, 'a NIR node layer (from nirNodeLayer)', String(layer));
  const plan = schedule(fn, Object.fromEntries(Object.entries(spec.nodes).map(([n, l]) => [n, { type: l.nir.type }])), spec.edges);
  // `sequential` refuses integer-like names (JavaScript reorders them): such a chain runs on the graph runner.
  const chain = plan.chain?.every((n) => !integerName.test(n)) ? plan.chain : undefined;
  const runsAsChain = chain !== undefined;
  const info: NirNetworkInfo = { nodes: spec.nodes, edges: spec.edges, schedule: plan, runsAsChain };
  const graph = graphLayer(spec.nodes, plan);
  if (chain !== undefined) {
    const seq = sequential(Object.fromEntries(chain.map((n) => [n, spec.nodes[n] as NirNodeLayer])));
    return {
      kind: 'nir.chain',
      nir: info,
      init: (key) => graph.init(key),
      outputShape: (params, inputShape) => seq.outputShape(params as never, inputShape),
      initialState: (params, inputShape, key) => seq.initialState(params as never, inputShape, key),
      step: (params, state, x, ctx) => seq.step(params as never, state as never, x, ctx),
    };
  }
  return { ...graph, nir: info };
}

/** The per-node shapes of a graph for a one-step input shape: `[inputs, outputs]`. */
export function graphShapes(
  nodes: { readonly [node: string]: NirNodeLayer },
  plan: Schedule,
  params: NirNetworkParams,
  inputShape: Shape,
  fn = 'nirNetwork',
): [Record<string, Shape>, Record<string, Shape>] {
  const ins: Record<string, Shape> = {};
  const outs: Record<string, Shape> = {};
  for (const name of plan.order) {
    const layer = nodes[name] as NirNodeLayer;
    let shape: Shape = inputShape;
    if (name !== plan.input) {
      const first = (plan.incoming[name] ?? []).find((e) => !e.delayed);
      shape = outs[first?.source as string] as Shape;
    }
    ins[name] = shape;
    outs[name] = layer.outputShape(params[name] as Tree, shape);
  }
  for (const [name, edges] of Object.entries(plan.incoming)) {
    for (const e of edges) {
      const got = outs[e.source] as Shape;
      const want = ins[name] as Shape;
      if (got.length !== want.length || got.some((d, i) => d !== want[i]))
        throw new SpikefnArgumentError(
          fn,
          `graph.edges (${e.source} -> ${name})`,
          `an output of shape [${want.join(', ')}], as '${name}'s other inputs`,
          `shape [${got.join(', ')}] from '${e.source}'`,
        );
    }
  }
  return [ins, outs];
}

/** The graph runner (any graph) as a layer over {@link NirGraphState}. */
function graphLayer(nodes: { readonly [node: string]: NirNodeLayer }, plan: Schedule): Layer<NirNetworkParams, NirGraphState> {
  const names = Object.keys(nodes);
  const index = Object.fromEntries(names.map((n, i) => [n, i]));
  return {
    kind: 'nir.graph',
    init: (key) => Object.fromEntries(names.map((n, i) => [n, (nodes[n] as NirNodeLayer).init(foldIn(key, i))])),
    outputShape: (params, inputShape) => graphShapes(nodes, plan, params, inputShape)[1][plan.output] as Shape,
    initialState: (params, inputShape, key) => {
      const [ins, outs] = graphShapes(nodes, plan, params, inputShape);
      return {
        nodes: Object.fromEntries(
          names.map((n, i) => [n, (nodes[n] as NirNodeLayer).initialState(params[n] as Tree, ins[n] as Shape, foldIn(key, i))]),
        ),
        delayed: Object.fromEntries(plan.delayedSources.map((s) => [s, tf.zeros([...(outs[s] as Shape)])])),
      };
    },
    step: (params, state, x, ctx) =>
      tidyStep(() => {
        const [next, outs] = runGraph(nodes, plan, index, params, state, x, ctx, false);
        return [next, outs[plan.output] as tf.Tensor];
      }),
  };
}

/** One step of the graph: every node's output (and, when `traced`, its intermediates under `NAME.what`). */
function runGraph(
  nodes: { readonly [node: string]: NirNodeLayer },
  plan: Schedule,
  index: { readonly [node: string]: number },
  params: NirNetworkParams,
  state: NirGraphState,
  x: tf.Tensor,
  ctx: Ctx,
  traced: boolean,
): [NirGraphState, Record<string, tf.Tensor>, Record<string, Record<string, tf.Tensor>>] {
  const outs: Record<string, tf.Tensor> = {};
  const extras: Record<string, Record<string, tf.Tensor>> = {};
  const nextNodes: Record<string, Tree> = {};
  for (const name of plan.order) {
    const layer = nodes[name] as NirNodeLayer;
    let input = x;
    if (name !== plan.input) {
      const parts = (plan.incoming[name] ?? []).map((e) => (e.delayed ? state.delayed[e.source] : outs[e.source]) as tf.Tensor);
      input = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.addN(parts);
    }
    const c: Ctx = { training: ctx.training, key: foldIn(ctx.key, index[name] as number) };
    if (traced) {
      const [s, y, extra] = layer.nir.stepTraced(params[name] as Tree, state.nodes[name] as Tree, input, c);
      nextNodes[name] = s;
      outs[name] = y;
      extras[name] = { ...extra };
    } else {
      const [s, y] = layer.step(params[name] as Tree, state.nodes[name] as Tree, input, c);
      nextNodes[name] = s;
      outs[name] = y;
    }
  }
  const delayed = Object.fromEntries(plan.delayedSources.map((s) => [s, outs[s] as tf.Tensor]));
  return [{ nodes: nextNodes, delayed }, outs, extras];
}

/** What {@link traceNir} returns: every node's output and state at every step, stacked on a leading time axis. @category graphs */
export type NirTrace = {
  /** The Output node's values `[T, B, ...]` (what the network's layer returns). */
  readonly output: tf.Tensor;
  /** Every node's output `[T, B, ...]`, by name (Input and Output included). */
  readonly outputs: { readonly [node: string]: tf.Tensor };
  /**
   * Every stateful node's state after each step (`v` after the reset, `i`, the delay `buffer`), and for spiking
   * neurons `v_pre_reset` (the membrane after integration, before the reset): `{ NAME: { what: [T, B, ...] } }`.
   */
  readonly states: { readonly [node: string]: { readonly [what: string]: tf.Tensor } };
};

/**
 * Runs a {@link NirNetwork} over `xs = [T, B, ...shape]` from its initial state on the graph runner, recording every
 * node's output and state at every step (for checking an import against reference values, or for plotting).
 * Whatever it returns is the caller's to dispose.
 *
 * @category graphs
 */
export function traceNir(net: NirNetwork, params: NirNetworkParams, xs: tf.Tensor, key: Key, training = false): NirTrace {
  const fn = 'traceNir';
  if (net === null || typeof net !== 'object' || net.nir === undefined || net.nir.schedule === undefined)
    throw new SpikefnArgumentError(fn, 'net', 'a network from fromNir or nirNetwork', String(net));
  if (!(xs instanceof tf.Tensor) || xs.rank < 2) throw new SpikefnArgumentError(fn, 'xs', 'a tensor [T, B, ...]', String(xs));
  const { nodes, schedule: plan } = net.nir;
  const names = Object.keys(nodes);
  const index = Object.fromEntries(names.map((n, i) => [n, i]));
  const runner = graphLayer(nodes, plan);
  const s0 = runner.initialState(params, xs.shape.slice(1), key);
  type Rec = { readonly outputs: Record<string, tf.Tensor>; readonly states: Record<string, Record<string, tf.Tensor>> };
  const [final, rec] = scan<NirGraphState, Rec>(
    (state, x, k) => {
      const [next, outs, extras] = runGraph(nodes, plan, index, params, state, x, { training, key: k }, true);
      const states: Record<string, Record<string, tf.Tensor>> = {};
      for (const name of names) {
        const s = next.nodes[name] as Tree;
        const flat: Record<string, tf.Tensor> = {};
        if (s instanceof tf.Tensor) flat['state'] = s;
        else if (!Array.isArray(s)) for (const [k2, v] of Object.entries(s)) if (v instanceof tf.Tensor) flat[k2] = v;
        for (const [k2, v] of Object.entries(extras[name] ?? {})) flat[k2] = v;
        if (Object.keys(flat).length > 0) states[name] = flat;
      }
      return [next, { outputs: outs, states }];
    },
    s0,
    xs,
    key,
  );
  tf.dispose([final, s0] as unknown as tf.TensorContainer);
  return { output: rec.outputs[plan.output] as tf.Tensor, outputs: rec.outputs, states: rec.states };
}
