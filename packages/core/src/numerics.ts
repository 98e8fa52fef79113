/**
 * The numerics guard: an opt-in check, in the style of JAX's `jax_debug_nans` and PyTorch's
 * `torch.autograd.detect_anomaly`, that stops a computation at the first NaN or ±Infinity and says where it appeared:
 * the layer (its container path, e.g. `'conv.lif'`, and kind), the time step and the tensor (`'output'`,
 * `'state.v'`, `'params.weight'`, `'input'`), forward or backward.
 *
 *   checkNumerics(() => net.step(params, state, xs, ctx))                 forward: every layer's input, params, state, output
 *   checkNumerics(() => valueAndGradTree(loss, params))                    and backward: every cotangent reaching them
 *   setNumericsCheck(true)                                                 the same for all code until setNumericsCheck(false)
 *
 * What is checked: {@link scan} checks each step's input, output and carry; {@link sequential} checks each member's
 * input, params, state and output under the member's name; {@link runSequence} (so `multiStep`) checks a fused
 * sequence's output and final state, whose leading axis is time; `seqToANN`, `elementWiseRecurrent` and
 * `linearRecurrent` check their inner layer; {@link numericsGuard} adds a named check point around any layer. Checks
 * run innermost first, so the error names the first layer at which a value stopped being finite.
 *
 * Backward: while a gradient tape is recording, each checked tensor is passed through an identity whose gradient
 * checks the cotangent (dL/d tensor) before passing it on; the first non-finite cotangent in backward order throws.
 *
 * Cost: nothing when off (one boolean test per check point). When on, every checked tensor is read to the host once
 * (`dataSync`) and every check point under a tape adds one identity op: a debugging mode, not a training default. For
 * a cheap per-step test of a loss and a params tree use `allFinite` of `@spikefn/learning` (one reduction).
 *
 * Why a mode and not a `Ctx` flag: containers build the context of each member, and user scan bodies build their
 * own; a dynamic mode reaches every check point without threading a flag through code that does not know of it.
 * `checkNumerics(f)` needs a synchronous `f` (like `tf.tidy`); around `await`s use {@link setNumericsCheck}.
 *
 * @category numerics
 */
import * as tf from './tf.js';
import { flattenWithPaths, map, type Tree } from './tree.js';
import { SpikefnArgumentError } from './validate.js';

/** Which pass found the value: the forward computation or the gradient (backward) pass. @category numerics */
export type NumericsPass = 'forward' | 'backward';

/** The first non-finite entry of a tensor: its value, multi-index and how many entries are not finite. @category numerics */
export type NonFinite = {
  /** `NaN`, `Infinity` or `-Infinity`. */
  readonly value: number;
  /** The index of the first non-finite entry (row-major order), one coordinate per axis. */
  readonly index: readonly number[];
  /** How many entries of the tensor are not finite. */
  readonly count: number;
};

/** Where a non-finite value was found. @category numerics */
export type NumericsLocation = {
  /** The container path of the layer, dotted (`'conv.lif'`); `''` for a layer or scan body at the top level. */
  readonly layer: string;
  /** The innermost layer's kind (`'multiStep(lif)'`), or `'scan body'` for a bare {@link scan} body. */
  readonly kind: string;
  /** The time step (of the innermost {@link scan}, or the leading axis of a multi-step output), if known. */
  readonly step: number | undefined;
  /** The tensor: `'input'`, `'output'`, `'state.v'`, `'params.weight'`, or a tree path such as `'grads.fc.weight'`. */
  readonly tensor: string;
};

/** The details of a {@link NumericsError}. @category numerics */
export type NumericsErrorDetails = NumericsLocation &
  NonFinite & {
    /** Which pass found the value. */
    readonly pass: NumericsPass;
  };

const describeValue = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');

const formatDetails = (d: NumericsErrorDetails): string => {
  const layer =
    d.layer === '' ? `the ${d.kind === 'scan body' ? 'scan body' : `top-level layer (${d.kind})`}` : `layer '${d.layer}' (${d.kind})`;
  const what = d.pass === 'backward' ? `the gradient of the ${d.tensor}` : `the ${d.tensor}`;
  const step = d.step === undefined ? '' : ` at time step ${d.step}`;
  const idx = d.index.length === 0 ? 'the scalar' : `element [${d.index.join(', ')}]`;
  return `checkNumerics: ${describeValue(d.value)} in ${what} of ${layer}${step} (${d.pass} pass; first at ${idx}, ${d.count} non-finite value${d.count === 1 ? '' : 's'})`;
};

/**
 * Thrown by the numerics guard (and by the finiteness checks of `@spikefn/learning`): a NaN or ±Infinity was found.
 * The fields say where; the message says it in words, e.g. `checkNumerics: NaN in the output of layer 'conv.lif'
 * (multiStep(lif)) at time step 3 (forward pass; first at element [3, 0, 5], 12 non-finite values)`.
 *
 * @category numerics
 */
export class NumericsError extends Error {
  /** Always `'NumericsError'`. */
  override readonly name = 'NumericsError';
  /** `'forward'` or `'backward'`. */
  readonly pass: NumericsPass;
  /** The layer's container path (`''` at the top level). */
  readonly layer: string;
  /** The layer's kind. */
  readonly kind: string;
  /** The time step, if known. */
  readonly step: number | undefined;
  /** The tensor's name. */
  readonly tensor: string;
  /** The first non-finite value. */
  readonly value: number;
  /** Its multi-index. */
  readonly index: readonly number[];
  /** How many entries were not finite. */
  readonly count: number;
  constructor(details: NumericsErrorDetails, message?: string) {
    super(message ?? formatDetails(details));
    this.pass = details.pass;
    this.layer = details.layer;
    this.kind = details.kind;
    this.step = details.step;
    this.tensor = details.tensor;
    this.value = details.value;
    this.index = details.index;
    this.count = details.count;
  }
}

/**
 * The first non-finite entry of `t` (reading it to the host), or `undefined` when every entry is finite. Only
 * float32 tensors can hold NaN or ±Infinity; other dtypes give `undefined` without a read.
 *
 * @category numerics
 */
export function firstNonFinite(t: tf.Tensor): NonFinite | undefined {
  if (!(t instanceof tf.Tensor)) throw new SpikefnArgumentError('firstNonFinite', 't', 'a tensor', String(t));
  if (t.dtype !== 'float32') return undefined;
  const d = t.dataSync() as Float32Array;
  let first = -1;
  let count = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    // x − x is 0 for every finite x and NaN for NaN and ±Infinity.
    if (x - x !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return undefined;
  const index: number[] = new Array(t.shape.length).fill(0);
  let rest = first;
  for (let a = t.shape.length - 1; a >= 0; a--) {
    const n = t.shape[a] as number;
    index[a] = rest % n;
    rest = Math.floor(rest / n);
  }
  return { value: d[first] as number, index, count };
}

// ---------------------------------------------------------------------------------------------------------------
// The mode.

let globalOn = false;
let scopes = 0;

/** Whether the numerics guard is on (inside {@link checkNumerics}, or after `setNumericsCheck(true)`). @category numerics */
export function numericsCheckEnabled(): boolean {
  return globalOn || scopes > 0;
}

/**
 * Turns the numerics guard on or off for all code that follows (JAX's `jax.config.update('jax_debug_nans', True)`);
 * returns the previous setting. Use it around asynchronous training loops; {@link checkNumerics} scopes it to one call.
 *
 * @category numerics
 */
export function setNumericsCheck(enabled: boolean): boolean {
  if (typeof enabled !== 'boolean') throw new SpikefnArgumentError('setNumericsCheck', 'enabled', 'a boolean', String(enabled));
  const previous = globalOn;
  globalOn = enabled;
  return previous;
}

/**
 * Runs the synchronous `f` with the numerics guard on and returns its result; throws a {@link NumericsError} naming
 * the first layer, time step and tensor where a NaN or ±Infinity appears, forward or backward (see the module
 * header). A function that returns a promise is refused (the mode could not follow it across `await`).
 *
 * @example
 * ```ts
 * const { value, grads } = checkNumerics(() => valueAndGradTree((p) => loss(net, p, xs, labels), params));
 * ```
 * @category numerics
 */
export function checkNumerics<T>(f: () => T): T {
  if (typeof f !== 'function') throw new SpikefnArgumentError('checkNumerics', 'f', 'a function', String(f));
  let out: T;
  scopes++;
  try {
    out = f();
  } finally {
    scopes--;
  }
  if (out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function')
    throw new SpikefnArgumentError(
      'checkNumerics',
      'f',
      'a synchronous function (use setNumericsCheck(true) around async code)',
      'a promise',
    );
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Check points (used by scan and the containers; exported for layers of your own through numericsGuard).

/** A frame of the location stack: a container member's name, a layer kind, or a scan step. */
type Frame = { readonly name?: string; readonly kind?: string; readonly step?: number };
const frames: Frame[] = [];

/** Runs `f` inside a location frame (only recorded while the guard is on). @internal */
export function inNumericsFrame<T>(frame: Frame, f: () => T): T {
  if (!numericsCheckEnabled()) return f();
  frames.push(frame);
  try {
    return f();
  } finally {
    frames.pop();
  }
}

const here = (): Omit<NumericsLocation, 'tensor'> => {
  const names: string[] = [];
  let kind = 'scan body';
  let step: number | undefined;
  for (const f of frames) {
    if (f.name !== undefined) names.push(f.name);
    if (f.kind !== undefined) kind = f.kind;
    if (f.step !== undefined) step = f.step;
  }
  return { layer: names.join('.'), kind, step };
};

const tensorName = (what: string, path: readonly (string | number)[]): string => (path.length === 0 ? what : `${what}.${path.join('.')}`);

/**
 * Checks every float32 leaf of the named trees (forward pass) and throws a {@link NumericsError} at the first
 * non-finite value. `timeAxis`: the trees' leading axis is time, so the step reported is the index on it. @internal
 */
export function checkNumericsAt(entries: ReadonlyArray<readonly [string, Tree | undefined]>, timeAxis = false): void {
  if (!numericsCheckEnabled()) return;
  for (const [what, tree] of entries) {
    if (tree === undefined) continue;
    for (const [path, t] of flattenWithPaths(tree)) {
      const bad = firstNonFinite(t);
      if (bad !== undefined) {
        const loc = here();
        throw new NumericsError({
          pass: 'forward',
          ...loc,
          step: timeAxis ? bad.index[0] : loc.step,
          tensor: tensorName(what, path),
          ...bad,
        });
      }
    }
  }
}

const guardOne = (
  loc: Omit<NumericsLocation, 'step'> & { readonly step: number | undefined },
  timeAxis: boolean,
  t: tf.Tensor,
): tf.Tensor =>
  tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(inputs[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const g = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
      const bad = firstNonFinite(g);
      if (bad !== undefined) throw new NumericsError({ pass: 'backward', ...loc, step: timeAxis ? bad.index[0] : loc.step, ...bad });
      return tf.clone(g);
    },
  }))(t);

/**
 * While the guard is on and a gradient tape records, returns `tree` with every float32 leaf (except those in `skip`)
 * passed through an identity whose gradient checks the cotangent; otherwise returns `tree` itself. @internal
 */
export function guardGradients<T extends Tree>(what: string, tree: T, skip?: ReadonlySet<tf.Tensor>, timeAxis = false): T {
  if (!numericsCheckEnabled() || !tf.engine().isTapeOn()) return tree;
  const loc = here();
  return map(tree, (t, path) =>
    t.dtype !== 'float32' || skip?.has(t) === true ? t : guardOne({ ...loc, tensor: tensorName(what, path) }, timeAxis, t),
  );
}
