// The robustness suite: bad inputs across the public API of every package, one row each. Every row asserts the error
// type and that the message names the argument (or, for errors about values rather than arguments, the tensor or
// file). An error thrown from deep inside tfjs or JavaScript (TypeError, RangeError, 'x is not iterable') fails it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@spikefn/core/tf';
import {
  bernoulli,
  bernoulliLike,
  checkNumerics,
  elementWiseRecurrent,
  evalCtx,
  fanInUniform,
  foldIn,
  kaimingUniform,
  key,
  linearRecurrent,
  multiStep,
  normal,
  numericsGuard,
  NumericsError,
  runSequence,
  scan,
  sequential,
  setNumericsCheck,
  SpikefnArgumentError,
  split,
  stateless,
  trainCtx,
  type Ctx,
  type Key,
  uniform,
  uniformArray,
} from '@spikefn/core';
import { batchNorm1d, conv2d, dropConnectLinear, dropout, dropoutMask, linear, maxPool2d } from '@spikefn/layers';
import {
  adam,
  adamw,
  allFinite,
  CheckpointError,
  clipByGlobalNorm,
  crossEntropy,
  decodeCheckpoint,
  encodeCheckpoint,
  encoderByName,
  latency,
  poisson,
  rateCrossEntropy,
  rateMse,
  sgd,
  tetLoss,
} from '@spikefn/learning';
import { ifNode, lifNode, plifNode } from '@spikefn/neurons';
import { loadCheckpoint, removeStaleCheckpointTemps, saveCheckpoint } from '@spikefn/node';

// Values the rows share (disposed at the end).
const k = key(0);
const badKey = [0.5, 0.7] as unknown as Key;
const x23 = tf.ones([2, 3]);
const xs423 = tf.ones([4, 2, 3]);
const outputs = tf.zeros([4, 2, 3]); // [T, B, C] with C = 3
const lif = lifNode();
const lifState = lif.initialState({}, [2, 3], k);
const identity = stateless({ kind: 'id', init: () => ({}), outputShape: (_, s) => s, apply: (_, x) => tf.clone(x) });
const drop = dropout(0.5);
const dropState = drop.initialState({}, [2, 3], k);
const bn = batchNorm1d({ numFeatures: 3 });
const bnParams = bn.init(k);
const bnState = bn.initialState(bnParams, [2, 3], k);
const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([Number.NaN]) };
const nanParams = { w: tf.tensor1d([1, Number.NaN]) };
const shared = tf.ones([2]);
const disposed = tf.ones([1]);
disposed.dispose();
const dir = mkdtempSync(join(tmpdir(), 'robustness-'));
const ctxWith = (c: unknown): Ctx => c as Ctx;
const labels = (v: number[], dtype: 'int32' | 'float32' = 'float32'): tf.Tensor => tf.tensor1d(v, dtype);
const nullManifest = (() => {
  const good = encodeCheckpoint({ meta: null, trees: {} });
  // Replace the manifest by `null` with a valid checksum: a hostile but well-formed file.
  const m = new TextEncoder().encode('null');
  const out = new Uint8Array(32);
  out.set(good.subarray(0, 12), 0);
  out.set(m, 24);
  const view = new DataView(out.buffer);
  view.setUint32(12, m.length, true);
  let c = 0xffffffff;
  for (const b of m) {
    c ^= b;
    for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  view.setUint32(16, (c ^ 0xffffffff) >>> 0, true);
  view.setUint32(20, 0, true);
  return out;
})();

type Row = readonly [what: string, call: () => unknown, type: new (...a: never[]) => Error, names: string];

/** Argument errors: `names` is the argument (checked against `error.argument` and quoted in the message). */
const argumentRows: readonly (readonly [string, () => unknown, string])[] = [
  // core: keys and samplers
  ['key(1.5)', () => key(1.5), 'seed'],
  ['key(2^53)', () => key(2 ** 53), 'seed'],
  ['foldIn(not a key)', () => foldIn(badKey, 1), 'key'],
  ['foldIn(key, 1.5)', () => foldIn(k, 1.5), 'data'],
  ['split(key, -1)', () => split(k, -1), 'n'],
  ['split("k", 2)', () => split('k' as unknown as Key, 2), 'key'],
  ['uniform([0.5, 0.7], …): a non-key array', () => uniform(badKey, [2]), 'key'],
  ['uniform(key, [2, 0])', () => uniform(k, [2, 0]), 'shape'],
  ['uniform(key, [2], 1, 1)', () => uniform(k, [2], 1, 1), 'hi'],
  ['uniform(key, [2], NaN)', () => uniform(k, [2], Number.NaN), 'lo'],
  ['normal(key, [2], 0, -1)', () => normal(k, [2], 0, -1), 'std'],
  ['normal(null, [2])', () => normal(null as unknown as Key, [2]), 'key'],
  ['bernoulli(key, 1.5, [2])', () => bernoulli(k, 1.5, [2]), 'p'],
  ['bernoulli(undefined, 0.5, [2])', () => bernoulli(undefined as unknown as Key, 0.5, [2]), 'key'],
  ['bernoulliLike(key, [NaN])', () => tf.tidy(() => bernoulliLike(k, tf.tensor1d([0.5, Number.NaN]))), 'p'],
  ['uniformArray(3 words, 4)', () => uniformArray([1, 2, 3] as unknown as Key, 4), 'key'],
  ['uniformArray(key, -1)', () => uniformArray(k, -1), 'n'],
  ['kaimingUniform({}, …)', () => kaimingUniform({} as unknown as Key, [2], 3), 'key'],
  ['fanInUniform(key, [2], 0)', () => fanInUniform(k, [2], 0), 'fanIn'],
  // core: contexts, scan, containers, numerics
  ['evalCtx([1])', () => evalCtx([1] as unknown as Key), 'key'],
  ['trainCtx(0)', () => trainCtx(0 as unknown as Key), 'key'],
  [
    "multiStep(lif).step with ctx.training 'no'",
    () => multiStep(lif).step({}, lifState, xs423, ctxWith({ training: 'no', key: k })),
    'ctx.training',
  ],
  [
    'sequential step with a non-key ctx.key',
    () => sequential({ id: identity }).step({ id: {} }, { id: {} }, x23, ctxWith({ training: false, key: badKey })),
    'ctx.key',
  ],
  ['runSequence with a null ctx', () => runSequence(lif, {}, lifState, xs423, ctxWith(null)), 'ctx'],
  ['stateless step with ctx.training 1', () => identity.step({}, {}, x23, ctxWith({ training: 1, key: k })), 'ctx.training'],
  ['scan(not a function)', () => scan(5 as never, {}, xs423, k), 'body'],
  ['scan(…, { t0: -1 })', () => scan((s, x) => [s, x] as const, {}, xs423, k, { t0: -1 }), 'options.t0'],
  ['scan over a scalar', () => scan((s, x) => [s, x] as const, {}, tf.scalar(1), k), 'xs'],
  ['scan with a non-key', () => scan((s, x) => [s, x] as const, {}, xs423, badKey), 'key'],
  ['sequential({})', () => sequential({}), 'layers'],
  ["sequential({ '0': layer })", () => sequential({ '0': identity }), 'layers.0'],
  ['elementWiseRecurrent(layer, 5)', () => elementWiseRecurrent(identity, 5 as never), 'f'],
  ['linearRecurrent(layer, 0, 2)', () => linearRecurrent(identity, 0, 2), 'inFeatures'],
  ["numericsGuard(layer, '')", () => numericsGuard(identity, ''), 'name'],
  ['checkNumerics(5)', () => checkNumerics(5 as never), 'f'],
  ["setNumericsCheck('yes')", () => setNumericsCheck('yes' as never), 'enabled'],
  ['multiStep(lif).step over one step [B, N]', () => multiStep(lif).step({}, lifState, tf.ones([3]), evalCtx(k)), 'x'],
  // neurons
  ['lifNode({ tau: 1 })', () => lifNode({ tau: 1 }), 'config.tau'],
  ['lifNode({ tau: 1e300 }): 1/τ rounds to 0 in float32', () => lifNode({ tau: 1e300 }), 'config.tau'],
  ['lifNode({ tau: 1 + 1e-9 }): 1/τ rounds to 1 in float32', () => lifNode({ tau: 1 + 1e-9 }), 'config.tau'],
  ['plifNode({ tau: NaN })', () => plifNode({ tau: Number.NaN }), 'config.tau'],
  ['ifNode({ vThreshold: 0 }) with vReset 0', () => ifNode({ vThreshold: 0 }), 'config.vThreshold'],
  ['ifNode({ vThreshold: -1, vReset: 0.5 })', () => ifNode({ vThreshold: -1, vReset: 0.5 }), 'config.vThreshold'],
  ["lifNode({ decayInput: 'yes' })", () => lifNode({ decayInput: 'yes' as never }), 'config.decayInput'],
  ['ifNode({ surrogate: {} })', () => ifNode({ surrogate: {} as never }), 'config.surrogate'],
  ['ifNode({ detachReset: 1 })', () => ifNode({ detachReset: 1 as never }), 'config.detachReset'],
  ['ifNode({ vReset: Infinity })', () => ifNode({ vReset: Number.POSITIVE_INFINITY }), 'config.vReset'],
  ['lif.sequence with ctx.training 1', () => lif.sequence({}, lifState, xs423, ctxWith({ training: 1, key: k })), 'ctx.training'],
  ['lif.step with an int32 input', () => lif.step({}, lifState, tf.ones([2, 3], 'int32'), evalCtx(k)), 'x'],
  ['lif.sequence with a state of another shape', () => lif.sequence({}, lifState, tf.ones([4, 3, 3])), 'xs (without its time axis)'],
  ['plif.step with a vector w', () => plifNode().step({ w: tf.ones([2]) }, lifState, x23, evalCtx(k)), 'params.w'],
  // layers
  ['dropout(1)', () => dropout(1), 'p'],
  ['dropout.initialState(…, undefined)', () => drop.initialState({}, [2, 3], undefined as unknown as Key), 'key'],
  ["dropout.step with ctx.training 'no'", () => drop.step({}, dropState, x23, ctxWith({ training: 'no', key: k })), 'ctx.training'],
  ['dropoutMask(non-key, …)', () => dropoutMask(badKey, 0.5, [2]), 'key'],
  ['linear({ inFeatures: 0 })', () => linear({ inFeatures: 0, outFeatures: 2 }), 'inFeatures'],
  ['linear(…).init(non-key)', () => linear({ inFeatures: 2, outFeatures: 2 }).init(badKey), 'key'],
  ["batchNorm1d.step with ctx.training 'yes'", () => bn.step(bnParams, bnState, x23, ctxWith({ training: 'yes', key: k })), 'ctx.training'],
  ['conv2d({ outChannels: 2.5 })', () => conv2d({ inChannels: 1, outChannels: 2.5, kernelSize: 3 }), 'outChannels'],
  ['maxPool2d({ kernelSize: 2, padding: 2 })', () => maxPool2d({ kernelSize: 2, padding: 2 }), 'padding'],
  [
    'dropConnectLinear.initialState(…, a string key)',
    () => dropConnectLinear({ inFeatures: 3, outFeatures: 2, invariant: true }).initialState({} as never, [2, 3], 'k' as unknown as Key),
    'key',
  ],
  // learning: losses, encoders, optimisers, clipping, checkpoints
  ['rateMse with a NaN label', () => rateMse(outputs, labels([Number.NaN, 0])), 'labels'],
  ['rateMse with a fractional label', () => rateMse(outputs, labels([1.5, 0])), 'labels'],
  ['rateMse with a negative label', () => rateMse(outputs, labels([-1, 0], 'int32')), 'labels'],
  ['rateMse with a label = C', () => rateMse(outputs, labels([3, 0], 'int32')), 'labels'],
  [
    'rateCrossEntropy with infinite targets',
    () =>
      rateCrossEntropy(
        outputs,
        tf.tensor2d([
          [1, 0, 0],
          [0, Number.POSITIVE_INFINITY, 0],
        ]),
      ),
    'labels',
  ],
  ['crossEntropy with bool labels', () => crossEntropy(x23, tf.tensor1d([1, 0], 'bool')), 'labels'],
  ['crossEntropy with labels not a tensor', () => crossEntropy(x23, [0, 1] as never), 'labels'],
  ['tetLoss with a label of 7 (C = 3)', () => tetLoss(outputs, labels([7, 0], 'int32')), 'labels'],
  ['tetLoss({ lambda: 2 })', () => tetLoss(outputs, labels([0, 1], 'int32'), { lambda: 2 }), 'options.lambda'],
  ['poisson(non-key, …)', () => poisson(badKey, x23, 4), 'key'],
  ['poisson with a NaN rate', () => tf.tidy(() => poisson(k, tf.tensor1d([0.5, Number.NaN]), 4)), 'x'],
  ['poisson(key, x, 0)', () => poisson(k, x23, 0), 'T'],
  ['latency(null, x, 4)', () => latency(null as unknown as Key, x23, 4), 'key'],
  ["encoderByName('rate')", () => encoderByName('rate'), 'name'],
  ['adam({ lr: -1 })', () => adam({ lr: -1 }), 'lr'],
  ['adam({ lr: NaN })', () => adam({ lr: Number.NaN }), 'lr'],
  ["adam({ lr: '0.1' })", () => adam({ lr: '0.1' as never }), 'lr'],
  ['adam({ beta1: 1 })', () => adam({ lr: 1e-3, beta1: 1 }), 'beta1'],
  ['adam({ beta2: -0.1 })', () => adam({ lr: 1e-3, beta2: -0.1 }), 'beta2'],
  ['adam({ eps: 0 })', () => adam({ lr: 1e-3, eps: 0 }), 'eps'],
  ['adamw({ weightDecay: -1 })', () => adamw({ lr: 1e-3, weightDecay: -1 }), 'weightDecay'],
  ['adam() without a config', () => adam(undefined as never), 'config'],
  ['sgd(null)', () => sgd(null as never), 'config'],
  ['adam({}) without lr', () => adam({} as never), 'lr'],
  ['sgd({ lr: -0.1 })', () => sgd({ lr: -0.1 }), 'lr'],
  ['sgd({ momentum: 1 })', () => sgd({ lr: 0.1, momentum: 1 }), 'momentum'],
  ['sgd({ weightDecay: NaN })', () => sgd({ lr: 0.1, weightDecay: Number.NaN }), 'weightDecay'],
  ['clipByGlobalNorm(grads, 0)', () => clipByGlobalNorm({ a: x23 }, 0), 'maxNorm'],
  ['encodeCheckpoint with NaN in the metadata', () => encodeCheckpoint({ meta: { loss: Number.NaN }, trees: {} }), 'ckpt.meta.loss'],
  [
    'encodeCheckpoint with a disposed tensor',
    () => encodeCheckpoint({ meta: null, trees: { params: { w: disposed } } }),
    'ckpt.trees.params.w',
  ],
  ['allFinite of a disposed tensor', () => allFinite({ w: disposed }), 'trees[0].w'],
  // node
  ["saveCheckpoint('')", () => saveCheckpoint('', { meta: null, trees: {} }), 'path'],
  ['removeStaleCheckpointTemps(5)', () => removeStaleCheckpointTemps(5 as never), 'path'],
];

/** Value errors: the message must name the tensor or file given. */
const valueRows: readonly Row[] = [
  ['clipByGlobalNorm of grads holding NaN', () => clipByGlobalNorm(grads, 1), NumericsError, 'grads.b'],
  ['encodeCheckpoint of NaN params', () => encodeCheckpoint({ meta: null, trees: { params: nanParams } }), CheckpointError, 'params.w'],
  [
    'encodeCheckpoint of one tensor under two names',
    () => encodeCheckpoint({ meta: null, trees: { p: { a: shared, b: shared } } }),
    CheckpointError,
    'p.b',
  ],
  [
    'saveCheckpoint of NaN params',
    () => saveCheckpoint(join(dir, 'nan.ckpt'), { meta: null, trees: { params: nanParams } }),
    CheckpointError,
    'params.w',
  ],
  [
    'saveCheckpoint under a file',
    () => saveCheckpoint(join(dir, 'nan.ckpt', 'x', 'c.ckpt'), { meta: null, trees: {} }),
    CheckpointError,
    'nan.ckpt/x',
  ],
];

/** Either results: decoding and loading return a Left naming the reason (and the file). */
const leftRows: readonly (readonly [string, () => E.Either<CheckpointError, unknown>, string])[] = [
  ['decodeCheckpoint of a checksum-valid null manifest', () => decodeCheckpoint(nullManifest), 'the manifest is null'],
  ['decodeCheckpoint of a string', () => decodeCheckpoint('SPIKEFN' as never), 'Uint8Array'],
  ['loadCheckpoint of a folder', () => loadCheckpoint(dir), dir],
];

// Write the files the node rows need before they run.
saveCheckpoint(join(dir, 'nan.ckpt'), { meta: null, trees: {} });

describe('robustness: bad inputs across the public API', () => {
  afterAll(() => {
    tf.dispose([x23, xs423, outputs, lifState.v, dropState.mask, grads.a, grads.b, nanParams.w, shared]);
  });

  it(`has at least 60 rows (${argumentRows.length + valueRows.length + leftRows.length})`, () => {
    expect(argumentRows.length + valueRows.length + leftRows.length).toBeGreaterThanOrEqual(60);
  });

  for (const [what, call, name] of argumentRows) {
    it(`${what}: SpikefnArgumentError naming '${name}'`, () => {
      let err: unknown;
      try {
        tf.tidy(() => {
          call();
        });
      } catch (e) {
        err = e;
      }
      expect(err, 'expected an error').toBeInstanceOf(SpikefnArgumentError);
      expect((err as SpikefnArgumentError).argument).toBe(name);
      expect((err as Error).message).toContain(`argument '${name}' expected `);
    });
  }

  for (const [what, call, type, names] of valueRows) {
    it(`${what}: ${type.name} naming ${names}`, () => {
      let err: unknown;
      try {
        tf.tidy(() => {
          call();
        });
      } catch (e) {
        err = e;
      }
      expect(err, 'expected an error').toBeInstanceOf(type);
      expect((err as Error).message).toContain(names);
    });
  }

  for (const [what, call, names] of leftRows) {
    it(`${what}: Left(CheckpointError) naming ${names}`, () => {
      const r = call();
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) {
        expect(r.left).toBeInstanceOf(CheckpointError);
        expect(r.left.message).toContain(names);
      }
    });
  }
});
