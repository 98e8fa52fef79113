/**
 * `monitor`: monitors as values. SpikingJelly 0.0.0.0.8 records a run by keeping tensors inside modules (a neuron's
 * `v_seq`, `monitor_outputs`) and snnTorch by hooks; here a monitored layer returns what you ask for **beside** its
 * output, as plain tensors, step by step:
 *
 *   step(params, state, x, ctx) = [state', { output: y, records: { [layer]: { [probe]: value } } }]
 *
 * where `state'` and `y` are exactly those of the unmonitored layer (the same operations run in the same order, with
 * the same keys), and each probe of a layer reads, at that step:
 *
 * | probe | value |
 * |---|---|
 * | `'output'` (or `'spikes'`) | the layer's output y_t (a neuron's spikes s_t) |
 * | `'rate'` | the mean of y_t over every axis but the first: the fraction of a layer's neurons that fired, per sample (`[B]`; for a rank-1 output, its mean) |
 * | any other name, e.g. `'v'`, `'h'`, `'c'`, `'mask'`, or a dotted path `'cell.h'` | that leaf of the layer's state after the step (a neuron's membrane `v_t` after reset) |
 *
 * `run` scans `step` over `xs = [T, ...]` (keys `foldIn(ctx.key, t)`, as `scan`), so every record comes back
 * stacked over time: `records.lif1.v` is `[T, B, N]`. Records are fresh tensors (clones), yours to dispose; nothing
 * else is kept. The records do not enter the output, so a loss of the output has the gradients of the unmonitored
 * layer (the extra operations are clones and means beside the graph).
 *
 * Two forms:
 *
 * - `monitor(layer, probes)`: one layer, `records = { [probe]: value }`.
 * - `monitor({ fc1, lif1, … }, { lif1: ['spikes', 'v'], … })`: the layers of a {@link sequential}, recorded by name.
 *   Its `layer` **is** `sequential(layers)` (same params, state, keys: member i gets `foldIn(key, i)`), and
 *   `records = { lif1: { spikes, v }, … }` for the members named in `probes`.
 *
 * A member run over `[T, ...]` (a `multiStep(…)` layer inside a network that takes whole sequences) is one step for
 * the monitor: its records are its `[T, ...]` output and its state after the last step. To record a membrane at every
 * step, build the network from single-step members and `run` the monitor (or use a neuron's `record`).
 *
 * @category monitors
 */
import * as tf from './tf.js';
import { foldIn, isKey, type Key } from './key.js';
import type { AnyLayer, Ctx, Layer } from './layer.js';
import { scan, type ScanOptions } from './scan.js';
import { sequential, type SequentialParams, type SequentialState } from './sequential.js';
import { flattenWithPaths, type Tree } from './tree.js';
import { minRank, SpikefnArgumentError, type Shape } from './validate.js';

/**
 * What a monitor records of a layer at each step: `'output'`/`'spikes'` (its output), `'rate'` (the mean of its output
 * over every axis but the first), or the dotted path of a leaf of its state after the step (`'v'`, `'h'`, `'cell.c'`).
 *
 * @category monitors
 */
export type Probe = 'output' | 'spikes' | 'rate' | (string & {});

/** The records of one layer: one tensor per probe, named by the probe. @category monitors */
export type LayerRecords = { readonly [probe: string]: tf.Tensor };

/** The records of a monitored {@link sequential}: the {@link LayerRecords} of each member named in the probes. @category monitors */
export type SequentialRecords = { readonly [layer: string]: LayerRecords };

/** What a monitored step (or run) returns beside the state: the layer's output and the records. @category monitors */
export type Recorded<R> = {
  /** The layer's output, exactly the unmonitored layer's. */
  readonly output: tf.Tensor;
  /** The probes' values (stacked over time `[T, ...]` by {@link Monitored.run}). */
  readonly records: R;
};

/**
 * A monitored layer: `layer`'s params and state, a `step` returning {@link Recorded} values beside the state, and a
 * `run` over a sequence.
 *
 * @category monitors
 */
export interface Monitored<P extends Tree, S extends Tree, R> {
  /** `monitor(<layer kind>)`. */
  readonly kind: string;
  /** The layer being watched (`sequential(layers)` for the named form); its `init`/`initialState` are the ones below. */
  readonly layer: Layer<P, S>;
  /** `layer.init`. */
  init(key: Key): P;
  /** `layer.initialState`. */
  initialState(params: P, inputShape: Shape, key: Key): S;
  /** `layer.outputShape`. */
  outputShape(params: P, inputShape: Shape): Shape;
  /** One step of `layer` with the records of that step: `[state', { output, records }]`. */
  step(params: P, state: S, x: tf.Tensor, ctx: Ctx): readonly [S, Recorded<R>];
  /** `scan` of `step` over `xs = [T, ...]` (step t's key `foldIn(ctx.key, t0 + t)`): the output and every record stacked over time. */
  run(params: P, state: S, xs: tf.Tensor, ctx: Ctx, options?: ScanOptions): [S, Recorded<R>];
}

const isLayer = (x: unknown): x is AnyLayer =>
  x !== null && typeof x === 'object' && typeof (x as AnyLayer).step === 'function' && typeof (x as AnyLayer).init === 'function';

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

function checkProbes(fn: string, name: string, probes: unknown): readonly string[] {
  if (!Array.isArray(probes) || probes.length === 0)
    throw new SpikefnArgumentError(fn, name, "a non-empty list of probes ('spikes', 'rate', 'v', …)", show(probes));
  probes.forEach((p, i) => {
    if (typeof p !== 'string' || p === '')
      throw new SpikefnArgumentError(fn, `${name}[${i}]`, "a probe name ('output', 'spikes', 'rate' or a state leaf such as 'v')", show(p));
  });
  if (new Set(probes).size !== probes.length) throw new SpikefnArgumentError(fn, name, 'distinct probe names', show(probes));
  return probes as readonly string[];
}

function checkContext(fn: string, ctx: unknown): Ctx {
  const c = ctx as Partial<Ctx> | null;
  if (c === null || typeof c !== 'object' || typeof c.training !== 'boolean' || !isKey(c.key))
    throw new SpikefnArgumentError(fn, 'ctx', 'a context { training: boolean, key } (evalCtx(key) or trainCtx(key))', show(ctx));
  return c as Ctx;
}

/** The probes of one layer at one step (inside a tidy). */
function read(fn: string, layerName: string, probes: readonly string[], y: tf.Tensor, state: Tree): LayerRecords {
  const out: Record<string, tf.Tensor> = {};
  let leaves: Map<string, tf.Tensor> | undefined;
  for (const p of probes) {
    if (p === 'output' || p === 'spikes') out[p] = tf.clone(y);
    else if (p === 'rate')
      out[p] =
        y.rank <= 1
          ? tf.mean(y)
          : tf.mean(
              y,
              Array.from({ length: y.rank - 1 }, (_, i) => i + 1),
            );
    else {
      leaves ??= new Map(flattenWithPaths(state).map(([path, t]) => [path.join('.'), t]));
      const leaf = leaves.get(p);
      if (leaf === undefined) {
        const have = [...leaves.keys()];
        throw new SpikefnArgumentError(
          fn,
          layerName === '' ? 'probes' : `probes.${layerName}`,
          `'output', 'spikes', 'rate' or a state leaf of ${layerName === '' ? 'the layer' : `layer '${layerName}'`} (${have.length === 0 ? 'it has no state' : `it has ${have.map((h) => `'${h}'`).join(', ')}`})`,
          `'${p}'`,
        );
      }
      out[p] = tf.clone(leaf);
    }
  }
  return out;
}

function withRun<P extends Tree, S extends Tree, R>(m: Omit<Monitored<P, S, R>, 'run'>): Monitored<P, S, R> {
  return {
    ...m,
    run: (params, state, xs, ctx, options = {}) => {
      const fn = `${m.kind}.run`;
      checkContext(fn, ctx);
      if (!(xs instanceof tf.Tensor)) throw new SpikefnArgumentError(fn, 'xs', 'a tensor [T, ...]', show(xs));
      minRank(fn, 'xs', xs, 1, 'a leading time axis [T, ...]');
      return scan<S, Recorded<R> & Tree>(
        (s, x, k) => m.step(params, s, x, { training: ctx.training, key: k }) as readonly [S, Recorded<R> & Tree],
        state,
        xs,
        ctx.key,
        options,
      ) as [S, Recorded<R>];
    },
  };
}

/** Records `probes` of one layer at every step. @category monitors */
export function monitor<P extends Tree, S extends Tree>(layer: Layer<P, S>, probes: readonly Probe[]): Monitored<P, S, LayerRecords>;
/** Records, by name, the `probes` of members of `sequential(layers)` at every step. @category monitors */
export function monitor<L extends Record<string, AnyLayer>>(
  layers: L,
  probes: { readonly [K in keyof L]?: readonly Probe[] },
): Monitored<SequentialParams<L>, SequentialState<L>, { readonly [K in keyof L]?: LayerRecords }>;
export function monitor(target: AnyLayer | Record<string, AnyLayer>, probes: unknown): Monitored<Tree, Tree, unknown> {
  if (isLayer(target)) return monitorOne(target, checkProbes('monitor', 'probes', probes));
  if (target === null || typeof target !== 'object')
    throw new SpikefnArgumentError('monitor', 'layer', 'a layer or a record of named layers', show(target));
  return monitorNamed(target as Record<string, AnyLayer>, probes);
}

function monitorOne(layer: AnyLayer, probes: readonly string[]): Monitored<Tree, Tree, LayerRecords> {
  const kind = `monitor(${layer.kind})`;
  return withRun({
    kind,
    layer,
    init: (key) => layer.init(key),
    initialState: (params, inputShape, key) => layer.initialState(params, inputShape, key),
    outputShape: (params, inputShape) => layer.outputShape(params, inputShape),
    step: (params, state, x, ctx) => {
      checkContext(`${kind}.step`, ctx);
      return tf.tidy(() => {
        const [s, y] = layer.step(params, state, x, ctx);
        return [s, { output: y, records: read(`${kind}.step`, '', probes, y, s) }] as unknown as tf.TensorContainer;
      }) as unknown as [Tree, Recorded<LayerRecords>];
    },
  });
}

function monitorNamed(layers: Record<string, AnyLayer>, probes: unknown): Monitored<Tree, Tree, SequentialRecords> {
  const net = sequential(layers) as unknown as Layer<Tree, Tree>; // checks the layers and their names
  const kind = 'monitor(sequential)';
  if (probes === null || typeof probes !== 'object' || Array.isArray(probes))
    throw new SpikefnArgumentError('monitor', 'probes', 'a record { layerName: [probes] }', show(probes));
  const entries = Object.entries(layers);
  const names = entries.map(([n]) => n);
  const wanted = new Map<string, readonly string[]>();
  for (const [name, list] of Object.entries(probes as Record<string, unknown>)) {
    if (!names.includes(name))
      throw new SpikefnArgumentError(
        'monitor',
        `probes.${name}`,
        `the name of a layer (${names.map((n) => `'${n}'`).join(', ')})`,
        `'${name}'`,
      );
    wanted.set(name, checkProbes('monitor', `probes.${name}`, list));
  }
  return withRun({
    kind,
    layer: net,
    init: (key) => net.init(key),
    initialState: (params, inputShape, key) => net.initialState(params, inputShape, key),
    outputShape: (params, inputShape) => net.outputShape(params, inputShape),
    step: (params, state, x, ctx) => {
      const fn = `${kind}.step`;
      checkContext(fn, ctx);
      const p = params as Record<string, Tree>;
      const st = state as Record<string, Tree>;
      return tf.tidy(() => {
        // sequential's step, member by member (member i's key is foldIn(ctx.key, i)), reading the probes on the way.
        const next: Record<string, Tree> = {};
        const records: Record<string, LayerRecords> = {};
        let y = x;
        entries.forEach(([name, layer], i) => {
          const [s, out] = layer.step(p[name], st[name], y, { training: ctx.training, key: foldIn(ctx.key, i) });
          next[name] = s;
          y = out;
          const ps = wanted.get(name);
          if (ps !== undefined) records[name] = read(fn, name, ps, out, s);
        });
        return [next, { output: y, records }] as unknown as tf.TensorContainer;
      }) as unknown as [Tree, Recorded<SequentialRecords>];
    },
  });
}
