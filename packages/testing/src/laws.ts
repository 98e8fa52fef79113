/**
 * Laws every stateful layer should satisfy, as plain functions that throw an explanatory error when violated.
 * They run a layer through `scan` (or `runSequence`), so they check the layer and the time loop together.
 * Use them with fast-check (`fc.assert(fc.property(arbitraries, (...) => law(...)))`), or all at once with
 * {@link checkLayerLaws}.
 *
 * | law | statement |
 * |---|---|
 * | determinism | same params, state, inputs and key ⇒ bitwise the same outputs and final state |
 * | chunking invariance | `scan(xs ++ ys)` = `scan(ys)` from the final state of `scan(xs)` (keys offset by `t0`) |
 * | reset | `initialState` after any history gives the same run as a fresh start |
 * | batch independence | a batch equals its samples run one by one (deterministic layers) |
 * | carry shape | the state keeps its structure, shapes and dtypes at every step |
 * | no leak | `tf.memory().numTensors` grows only by what is returned |
 * | no leak on error | a call that throws (a failing later layer or scan body, a wrong-shaped input) leaves `numTensors` unchanged |
 *
 * @category testing
 */
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import {
  key as makeKey,
  type Key,
  runSequence,
  scan,
  sequential,
  emptyTree,
  type EmptyTree,
  treeDispose as dispose,
  treeFlattenWithPaths as flattenWithPaths,
  type Tree,
} from '@spikefn/core';
import type { Layer } from '@spikefn/core';
import { assertTreesClose, exact, leakedBy, leakedByFailure, type Tol } from './assert.js';
import { floatData, keyArb, toTensor, type TensorData } from './arbitraries.js';

/** A layer with fixed params, run in a fixed mode on per-step inputs of shape `[B, ...]`. @category testing */
export type Subject<P extends Tree, S extends Tree> = {
  /** Names the subject in failure messages. */
  readonly name: string;
  /** The layer under test. */
  readonly layer: Layer<P, S>;
  /** Its params, fixed for every run. */
  readonly params: P;
  /** Run in train mode (`ctx.training`). Default false. */
  readonly training?: boolean;
  /** Tolerance of the comparisons that are not bitwise by nature (chunking, batch independence). */
  readonly tol?: Tol;
};

const run = <P extends Tree, S extends Tree>(subject: Subject<P, S>, state: S, xs: tf.Tensor, k: Key, t0 = 0): [S, tf.Tensor] =>
  scan<S, tf.Tensor>(
    (s, x, kt) => subject.layer.step(subject.params, s, x, { training: subject.training ?? false, key: kt }),
    state,
    xs,
    k,
    { t0 },
  );

const fresh = <P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, k: Key): S =>
  subject.layer.initialState(subject.params, xs.shape.slice(1), k);

/** Same inputs and key ⇒ bitwise the same outputs and state. @category testing */
export function determinism<P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, k: Key): void {
  tf.tidy(() => {
    const a = run(subject, fresh(subject, xs, k), xs, k);
    const b = run(subject, fresh(subject, xs, k), xs, k);
    assertTreesClose(a, b, exact, `${subject.name}: determinism`);
  });
}

/** Running `xs` in two chunks (split at `at`, keys offset) equals running it whole. @category testing */
export function chunkingInvariance<P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, at: number, k: Key): void {
  tf.tidy(() => {
    const T = xs.shape[0] as number;
    if (!(Number.isInteger(at) && at >= 1 && at < T)) return; // nothing to split (T = 1)
    const s0 = fresh(subject, xs, k);
    const [sWhole, yWhole] = run(subject, s0, xs, k);
    const [head, tail] = tf.split(xs, [at, T - at], 0) as [tf.Tensor, tf.Tensor];
    const [sHead, yHead] = run(subject, s0, head, k);
    const [sTail, yTail] = run(subject, sHead, tail, k, at);
    assertTreesClose([sWhole, yWhole], [sTail, tf.concat([yHead, yTail], 0)], subject.tol ?? exact, `${subject.name}: chunking invariance`);
  });
}

/** After any history, starting again from `initialState` gives a fresh run. @category testing */
export function resetIsInitialState<P extends Tree, S extends Tree>(
  subject: Subject<P, S>,
  history: tf.Tensor,
  xs: tf.Tensor,
  k: Key,
): void {
  tf.tidy(() => {
    run(subject, fresh(subject, history, k), history, k);
    const again = run(subject, fresh(subject, xs, k), xs, k);
    const first = run(subject, fresh(subject, xs, k), xs, k);
    assertTreesClose(again, first, exact, `${subject.name}: reset`);
  });
}

/** A batch (axis 1 of `[T, B, ...]`) equals its samples run one at a time. Deterministic layers only. @category testing */
export function batchIndependence<P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, k: Key): void {
  tf.tidy(() => {
    const B = xs.shape[1] as number;
    const [, whole] = run(subject, fresh(subject, xs, k), xs, k);
    const parts = tf.split(xs, B, 1).map((xb) => run(subject, fresh(subject, xb, k), xb, k)[1]);
    assertTreesClose(whole, tf.concat(parts, 1), subject.tol ?? exact, `${subject.name}: batch independence`);
  });
}

/** The carry keeps its structure, shapes and dtypes at every step. @category testing */
export function carryKeepsShape<P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, k: Key): void {
  tf.tidy(() => {
    const s0 = fresh(subject, xs, k);
    const sig = (s: Tree): string =>
      flattenWithPaths(s)
        .map(([p, t]) => `${p.join('.')}:${t.dtype}[${t.shape}]`)
        .join(' ');
    const want = sig(s0);
    scan<S, tf.Tensor>(
      (s, x, kt, t) => {
        const [s2, y] = subject.layer.step(subject.params, s, x, { training: subject.training ?? false, key: kt });
        const got = sig(s2);
        if (got !== want) throw new Error(`${subject.name}: carry changed at step ${t}: ${want} -> ${got}`);
        return [s2, y];
      },
      s0,
      xs,
      k,
    );
  });
}

/** `initialState`, a step, and a sequence leave no tensors behind besides what they return. @category testing */
export function noLeak<P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, k: Key): void {
  const s0 = fresh(subject, xs, k);
  const x0 = tf.tidy(() => tf.gather(xs, 0));
  const ctx = { training: subject.training ?? false, key: k };
  const checks: Array<[string, () => Tree]> = [
    ['initialState', () => fresh(subject, xs, k)],
    ['step', () => subject.layer.step(subject.params, s0, x0, ctx) as unknown as Tree],
    ['runSequence', () => runSequence(subject.layer, subject.params, s0, xs, ctx)],
  ];
  try {
    for (const [what, f] of checks) {
      const n = leakedBy(f);
      if (n !== 0) throw new Error(`${subject.name}: ${what} leaked ${n} tensor(s)`);
    }
  } finally {
    dispose([s0, x0]);
  }
}

/** A layer whose step always throws `error`: the failure that {@link noLeakOnError} injects after a layer. */
const failingLayer = (error: Error): Layer<EmptyTree, EmptyTree> => ({
  kind: 'failing',
  init: () => emptyTree,
  initialState: () => emptyTree,
  outputShape: (_, inputShape) => inputShape,
  step: () => {
    throw error;
  },
});

/** `x` with its last axis one longer (zeros): an input that a layer of fixed feature size must refuse. */
const widened = (x: tf.Tensor): tf.Tensor => tf.zeros([...x.shape.slice(0, -1), (x.shape[x.shape.length - 1] as number) + 1]);

/**
 * A call that fails leaves `tf.memory().numTensors` unchanged: a {@link scan} whose body throws after the layer's last
 * step, a `sequential` whose next member throws (one step and over a sequence), and wrong-shaped inputs to `step`,
 * `runSequence` and `initialState` (which may throw or not; what they return is disposed). The injected failures must
 * propagate unchanged. @category testing
 */
export function noLeakOnError<P extends Tree, S extends Tree>(subject: Subject<P, S>, xs: tf.Tensor, k: Key): void {
  const ctx = { training: subject.training ?? false, key: k };
  const T = xs.shape[0] as number;
  const injected = new Error(`${subject.name}: injected failure`);
  const chain = sequential({ subject: subject.layer, failing: failingLayer(injected) }) as unknown as Layer<Tree, Tree>;
  const chainParams = { subject: subject.params, failing: emptyTree };
  const s0 = fresh(subject, xs, k);
  const x0 = tf.tidy(() => tf.gather(xs, 0));
  const chainState = { subject: s0, failing: emptyTree };
  const wideX = widened(x0);
  const wideXs = widened(xs);
  const throwing: Array<[string, () => Tree]> = [
    [
      'a scan whose body throws after the last step',
      () =>
        scan<S, tf.Tensor>(
          (s, x, kt, t) => {
            const out = subject.layer.step(subject.params, s, x, { training: ctx.training, key: kt });
            if (t === T - 1) throw injected;
            return out;
          },
          s0,
          xs,
          k,
        ),
    ],
    ['sequential({ layer, failing }).step', () => chain.step(chainParams, chainState, x0, ctx) as unknown as Tree],
    ['runSequence(sequential({ layer, failing }))', () => runSequence(chain, chainParams, chainState, xs, ctx)],
  ];
  const maybeThrowing: Array<[string, () => Tree]> = [
    ['step with a wrong-shaped input', () => subject.layer.step(subject.params, s0, wideX, ctx) as unknown as Tree],
    ['runSequence with a wrong-shaped input', () => runSequence(subject.layer, subject.params, s0, wideXs, ctx)],
    ['initialState with a wrong shape', () => subject.layer.initialState(subject.params, wideX.shape, k)],
    ['initialState with an empty shape', () => subject.layer.initialState(subject.params, [], k)],
  ];
  try {
    for (const [what, f] of throwing) {
      const { leaked, error } = leakedByFailure(f);
      if (error !== injected)
        throw new Error(`${subject.name}: ${what}: expected the injected failure, got ${error === undefined ? 'a result' : String(error)}`);
      if (leaked !== 0) throw new Error(`${subject.name}: ${what} leaked ${leaked} tensor(s)`);
    }
    for (const [what, f] of maybeThrowing) {
      const { leaked } = leakedByFailure(f);
      if (leaked !== 0) throw new Error(`${subject.name}: ${what} leaked ${leaked} tensor(s)`);
    }
  } finally {
    dispose([s0, x0, wideX, wideXs]);
  }
}

/** Options of {@link checkLayerLaws}. @category testing */
export type LawOptions = {
  /** Inputs `[T, B, ...]`; default: floats in [-1, 2] of shape `[T, B, ...featureShape]`. */
  readonly inputs?: fc.Arbitrary<TensorData>;
  /** Skip batch independence (layers that mix samples, e.g. train-mode BatchNorm, or per-batch random masks). */
  readonly mixesBatch?: boolean;
  /** fast-check runs per law. Default 15. */
  readonly numRuns?: number;
  /** fast-check seed, for reproducible runs. Default 42. */
  readonly seed?: number;
};

/** Inputs `[T, B, ...feature]` with `T ≠ B`, floats in `[lo, hi]`. @category testing */
export const sequenceInputs = (feature: readonly number[], lo = -1, hi = 2, maxT = 8, maxB = 4): fc.Arbitrary<TensorData> =>
  fc
    .tuple(fc.integer({ min: 2, max: maxT }), fc.integer({ min: 1, max: maxB }))
    .filter(([T, B]) => T !== B)
    .chain(([T, B]) => floatData([T, B, ...feature], lo, hi));

/** Runs every law on `subject` over generated inputs and keys. Throws on the first counterexample. @category testing */
export function checkLayerLaws<P extends Tree, S extends Tree>(
  subject: Subject<P, S>,
  feature: readonly number[],
  options: LawOptions = {},
): void {
  const inputs = options.inputs ?? sequenceInputs(feature);
  const params = { numRuns: options.numRuns ?? 15, seed: options.seed ?? 42 };
  const withTensor = (body: (xs: tf.Tensor, k: Key, u: number) => void) =>
    fc.property(inputs, keyArb(), fc.integer({ min: 1, max: 100 }), (d, k, u) => {
      const xs = toTensor(d);
      try {
        body(xs, k, u);
      } finally {
        xs.dispose();
      }
    });
  fc.assert(
    withTensor((xs, k) => determinism(subject, xs, k)),
    params,
  );
  fc.assert(
    withTensor((xs, k, u) => chunkingInvariance(subject, xs, 1 + (u % Math.max(1, (xs.shape[0] as number) - 1)), k)),
    params,
  );
  fc.assert(
    withTensor((xs, k) => {
      const history = tf.reverse(xs, 0);
      try {
        resetIsInitialState(subject, history, xs, k);
      } finally {
        history.dispose();
      }
    }),
    params,
  );
  fc.assert(
    withTensor((xs, k) => carryKeepsShape(subject, xs, k)),
    params,
  );
  fc.assert(
    withTensor((xs, k) => noLeak(subject, xs, k)),
    params,
  );
  fc.assert(
    withTensor((xs, k) => noLeakOnError(subject, xs, k)),
    params,
  );
  if (options.mixesBatch !== true)
    fc.assert(
      withTensor((xs, k) => batchIndependence(subject, xs, k)),
      params,
    );
}

/** A fixed key for examples and tests. @category testing */
export const testKey = makeKey(0);
