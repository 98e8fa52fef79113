/**
 * Checkpoint files: {@link encodeCheckpoint}'s bytes (see `@spikefn/learning/checkpoint-format` for the layout),
 * written atomically (a temporary file, then a rename, so an interrupted save never leaves half a file under the
 * name), and read back with every check of the format.
 *
 * @category checkpoints
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '@spikefn/learning';

/** Writes `ckpt` to `path` (creating the folder), atomically. Returns the bytes written. @category checkpoints */
export function saveCheckpoint(path: string, ckpt: Parameters<typeof encodeCheckpoint>[0]): number {
  const bytes = encodeCheckpoint(ckpt);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return bytes.length;
}

/** Reads and checks a checkpoint file: `Left` for a missing, foreign or corrupted file. @category checkpoints */
export function loadCheckpoint(path: string): E.Either<CheckpointError, Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    return E.left(new CheckpointError('io', `cannot read ${path}: ${String((e as Error).message)}`));
  }
  return E.mapLeft(
    (err: CheckpointError) => new CheckpointError(err.reason, `${path}: ${err.message.replace(/^checkpoint \w+ error: /, '')}`),
  )(decodeCheckpoint(bytes));
}

/** {@link loadCheckpoint}, throwing the `CheckpointError` on failure (for command lines). @category checkpoints */
export function loadCheckpointOrThrow(path: string): Checkpoint {
  const r = loadCheckpoint(path);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}
