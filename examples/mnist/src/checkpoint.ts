/**
 * The example's checkpoint: `@spikefn/node/checkpoint` with trees `params`, `state` (BatchNorm running statistics),
 * `opt` (Adam's count, m, v) and meta `{ config, key, epochsDone, history }`. Loading checks the file (magic,
 * version, checksums), that the stored config passes the same range checks as the flags (a checkpoint cannot ask
 * for `batchSize: -5` or 9e10-element channels), and that every tensor fits the network of the stored config.
 *
 * @category examples
 */
import * as E from 'fp-ts/lib/Either.js';
import { restoreLike, type Json } from '@spikefn/learning';
import { loadCheckpointOrThrow, saveCheckpoint } from '@spikefn/node';
import { type Tree, treeDispose } from '@spikefn/core';
import { MAX } from './cli.js';
import { CliError } from './errors.js';
import { checkFits } from './limits.js';
import { model } from './model.js';
import { disposeRun, emptyHistory, initRun, runKeys, type History, type RunState, type TrainConfig } from './train.js';

/** The reasons a stored config is refused (empty: none): the ranges of the flags. @category examples */
export function configProblems(c: Record<string, unknown>): string[] {
  const out: string[] = [];
  const int = (k: string, min: number, max: number): void => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      out.push(`${k} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
  const oneOf = (k: string, vs: readonly unknown[], optional = false): void => {
    if (!(vs.includes(c[k]) || (optional && c[k] === undefined)))
      out.push(`${k} must be one of ${vs.join(', ')}, got ${JSON.stringify(c[k])}`);
  };
  int('timeSteps', 1, MAX.timeSteps);
  int('epochs', 0, MAX.epochs);
  int('batchSize', 2, MAX.batchSize);
  int('seed', 0, Number.MAX_SAFE_INTEGER);
  int('trainSize', 2, Number.MAX_SAFE_INTEGER);
  int('testSize', 1, Number.MAX_SAFE_INTEGER);
  if (c.validation !== undefined) int('validation', 0, Number.MAX_SAFE_INTEGER);
  const lr = c.lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) out.push(`lr must be a finite number > 0, got ${JSON.stringify(lr)}`);
  const tau = c.tau;
  if (typeof tau !== 'number' || !Number.isFinite(tau) || tau <= 1 || tau > 1e6)
    out.push(`tau must be a number in (1, 1e6], got ${JSON.stringify(tau)}`);
  const ch = c.channels;
  if (!Array.isArray(ch) || ch.length !== 2 || ch.some((v) => !Number.isInteger(v) || v < 1 || v > MAX.channels))
    out.push(`channels must be two integers from 1 to ${MAX.channels}, got ${JSON.stringify(ch)}`);
  oneOf('encoding', ['direct', 'poisson']);
  oneOf('loss', ['mse', 'ce', 'tet']);
  oneOf('dataset', ['mnist-package', 'fashion-mnist', 'idx'], true);
  return out;
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** Writes the run to `path`; returns the size in bytes. @category examples */
export function saveRun(path: string, config: TrainConfig, run: RunState): number {
  const meta = { config, key: [...runKeys(config.seed).root], epochsDone: run.epochsDone, history: run.history } as unknown as Json;
  return saveCheckpoint(path, { meta, trees: { params: run.params, state: run.state, opt: run.opt } as unknown as Record<string, Tree> });
}

/**
 * Reads a run back; throws a `CheckpointError` (missing, corrupted, foreign or mismatched file) or a `CliError` of
 * kind `'checkpoint'` (not this example's, or a stored config out of range), with the reason. Nothing leaks on
 * failure: the file's tensors are disposed.
 *
 * @category examples
 */
export function loadRun(path: string): { config: TrainConfig; run: RunState } {
  const ckpt = loadCheckpointOrThrow(path);
  try {
    return restoreRun(path, ckpt.meta, ckpt.trees);
  } catch (e) {
    for (const t of Object.values(ckpt.trees)) treeDispose(t);
    throw e;
  }
}

function restoreRun(path: string, metaJson: Json, trees: Record<string, Tree>): { config: TrainConfig; run: RunState } {
  const meta = metaJson as unknown as { config?: TrainConfig; epochsDone?: number; history?: History } | null;
  const refuse = (why: string): CliError =>
    new CliError(
      'checkpoint',
      `${path}: ${why}`,
      'this file cannot be used: resume from another checkpoint, or start afresh with another --out',
    );
  if (meta === null || typeof meta !== 'object' || typeof meta.config !== 'object' || meta.config === null || meta.history === undefined)
    throw refuse('not a checkpoint of the MNIST example (its metadata has no config/epochsDone/history)');
  const problems = configProblems(meta.config as unknown as Record<string, unknown>);
  if (problems.length > 0) throw refuse(`its stored config is out of range: ${problems.join('; ')}`);
  const config = meta.config;
  const epochsDone = meta.epochsDone;
  if (typeof epochsDone !== 'number' || !Number.isSafeInteger(epochsDone) || epochsDone < 0 || epochsDone > MAX.epochs)
    throw refuse(`epochsDone must be an integer from 0 to ${MAX.epochs}, got ${JSON.stringify(epochsDone)}`);
  const tooBig = checkFits(config, 'cpu');
  if (tooBig !== undefined) throw refuse(`its stored config is too large for this machine: ${tooBig.reason}`);
  const h = (typeof meta.history === 'object' && meta.history !== null ? meta.history : {}) as Record<string, unknown>;
  const empty = emptyHistory();
  const keys = Object.keys(empty) as (keyof History)[];
  const bad = keys.find((k) => k in h && !numbers(h[k]));
  if (bad !== undefined) throw refuse(`history.${bad} is not a list of numbers`);
  const history = Object.fromEntries(keys.map((k) => [k, k in h ? h[k] : empty[k]])) as unknown as History;
  const template = initRun(config, model(config));
  const get = <T extends Tree>(what: string, t: T): T => {
    const r = restoreLike(what, t, trees[what]);
    if (E.isLeft(r)) throw r.left;
    return r.right;
  };
  try {
    return {
      config,
      run: {
        params: get('params', template.params),
        state: get('state', template.state),
        opt: get('opt', template.opt),
        epochsDone,
        history,
      },
    };
  } finally {
    disposeRun(template);
  }
}
