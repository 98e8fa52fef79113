/**
 * The example's checkpoint: `@spikefn/node/checkpoint` with trees `params`, `state` (BatchNorm running statistics),
 * `opt` (Adam's count, m, v) and meta `{ config, key, epochsDone, history }`. Loading checks the file (magic,
 * version, checksums) and that every tensor fits the network of the stored config.
 *
 * @category examples
 */
import * as E from 'fp-ts/lib/Either.js';
import { restoreLike, type Json } from '@spikefn/learning';
import { loadCheckpointOrThrow, saveCheckpoint } from '@spikefn/node';
import type { Tree } from '@spikefn/core';
import { model } from './model.js';
import { disposeRun, initRun, runKeys, type History, type RunState, type TrainConfig } from './train.js';

/** Writes the run to `path`; returns the size in bytes. @category examples */
export function saveRun(path: string, config: TrainConfig, run: RunState): number {
  const meta = { config, key: [...runKeys(config.seed).root], epochsDone: run.epochsDone, history: run.history } as unknown as Json;
  return saveCheckpoint(path, { meta, trees: { params: run.params, state: run.state, opt: run.opt } as unknown as Record<string, Tree> });
}

/** Reads a run back; throws a `CheckpointError` (corrupted, foreign or mismatched file) with the reason. @category examples */
export function loadRun(path: string): { config: TrainConfig; run: RunState } {
  const ckpt = loadCheckpointOrThrow(path);
  const meta = ckpt.meta as unknown as { config?: TrainConfig; epochsDone?: number; history?: History };
  if (
    meta === null ||
    typeof meta !== 'object' ||
    meta.config === undefined ||
    typeof meta.epochsDone !== 'number' ||
    meta.history === undefined
  ) {
    throw new Error(`${path}: not a checkpoint of the MNIST example (its metadata has no config/epochsDone/history)`);
  }
  const config = meta.config;
  const template = initRun(config, model(config));
  const get = <T extends Tree>(what: string, t: T): T => {
    const r = restoreLike(what, t, ckpt.trees[what]);
    if (E.isLeft(r)) throw r.left;
    return r.right;
  };
  try {
    const run: RunState = {
      params: get('params', template.params),
      state: get('state', template.state),
      opt: get('opt', template.opt),
      epochsDone: meta.epochsDone,
      history: meta.history,
    };
    return { config, run };
  } finally {
    disposeRun(template);
  }
}
