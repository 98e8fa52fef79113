/**
 * Checkpoint files: {@link encodeCheckpoint}'s bytes (see `@spikefn/learning`'s checkpoint format for the layout),
 * written atomically and durably, and read back with every check of the format.
 *
 * Saving (what a power cut or a `kill -9` at any moment can leave: the old file or the new one, never half a file):
 *
 *   1. encode (refuses non-finite values unless allowed, and aliased tensors) before touching the disk;
 *   2. create the folder level by level (never Node's recursive `mkdir`, which spins forever under `/proc`);
 *   3. remove `<name>.tmp-<pid>` files that a killed or failed save left behind (processes no longer alive);
 *   4. write `<name>.tmp-<pid>`, `fsync` it, close it, `rename` it over `<name>`, `fsync` the folder (so the rename
 *      itself is on disk);
 *   5. on any failure: close and delete the temporary file, and throw a `CheckpointError` (reason `'io'`) naming the
 *      path, the reason in words (disk full, permission denied, …) and the system code, with the `fs` error as `cause`.
 *
 * @category checkpoints
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { SpikefnArgumentError } from '@spikefn/core';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointOptions } from '@spikefn/learning';

const HINTS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'the path is a folder',
  EMFILE: 'too many open files',
  EIO: 'an input/output error of the device',
  ENAMETOOLONG: 'the path is too long',
};

/** A `CheckpointError` (reason `'io'`) for a failed file operation: the path, the reason in words, the system code. */
const ioError = (action: string, path: string, e: unknown): CheckpointError => {
  const code = (e as { code?: unknown } | null)?.code;
  const why = typeof code === 'string' ? `${HINTS[code] ?? (e as Error).message} (${code})` : e instanceof Error ? e.message : String(e);
  return new CheckpointError('io', `cannot ${action} ${path}: ${why}`, { path, cause: e });
};

const errno = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Creates `dir` and its missing parents one level at a time (a missing or non-folder ancestor is an error, not a loop). */
function ensureFolder(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    try {
      if (!statSync(d).isDirectory())
        throw ioError('create the folder', dir, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
      break;
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      if (errno(e) !== 'ENOENT') throw ioError('create the folder', dir, e);
      missing.push(d);
      const parent = dirname(d);
      if (parent === d) break;
      d = parent;
    }
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw ioError('create the folder', m, e);
    }
  }
}

/** `fsync` of a folder, so that a rename in it is durable. Platforms that cannot open or sync folders skip it. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    const code = errno(e);
    // Windows cannot open a folder (EISDIR, EPERM); some file systems refuse to sync one (EINVAL, ENOTSUP).
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF'].includes(code ?? '')) throw ioError('sync the folder', dir, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM'; // alive, but another user's
  }
};

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the temporary files `<path>.tmp-<pid>` that a save killed midway (or failed without cleaning up) left next
 * to `path`: those of processes that are no longer running, and this process's own. Files of a live process (a save
 * in progress elsewhere) are kept. Returns the paths removed. {@link saveCheckpoint} calls it before every save; call
 * it at start-up to clean a folder before the first save.
 *
 * @category checkpoints
 */
export function removeStaleCheckpointTemps(path: string): string[] {
  if (typeof path !== 'string' || path === '')
    throw new SpikefnArgumentError('removeStaleCheckpointTemps', 'path', 'a file path', JSON.stringify(path) ?? String(path));
  const dir = dirname(path);
  const pattern = new RegExp(`^${escapeRegExp(basename(path))}\\.tmp-(\\d+)$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no folder yet: nothing to clean
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    const file = join(dir, name);
    try {
      unlinkSync(file);
      removed.push(file);
    } catch {
      // Removed by someone else meanwhile, or not ours to remove: the next save tries again.
    }
  }
  return removed;
}

/**
 * Writes `ckpt` to `path` atomically and durably (see the module header); returns the bytes written. Throws a
 * `CheckpointError`: reason `'io'` for a file-system failure (with `path` and the `fs` error as `cause`; the temporary
 * file is removed), `'non-finite'` for NaN or ±Infinity in a float32 tensor unless `options.allowNonFinite`,
 * `'aliased'` for one tensor under two names.
 *
 * @category checkpoints
 */
export function saveCheckpoint(path: string, ckpt: Parameters<typeof encodeCheckpoint>[0], options: CheckpointOptions = {}): number {
  if (typeof path !== 'string' || path === '')
    throw new SpikefnArgumentError('saveCheckpoint', 'path', 'a file path', JSON.stringify(path) ?? String(path));
  const bytes = encodeCheckpoint(ckpt, options);
  const dir = dirname(path);
  ensureFolder(dir);
  removeStaleCheckpointTemps(path);
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o644);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the write error is the one to report
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw ioError('write', path, e);
  }
  syncFolder(dir);
  return bytes.length;
}

/**
 * Reads and checks a checkpoint file: `Left(CheckpointError)` for a missing, unreadable, foreign, corrupted or malformed
 * file, or one holding NaN or ±Infinity (unless `options.allowNonFinite`); the error names `path`. Never throws.
 *
 * @category checkpoints
 */
export function loadCheckpoint(path: string, options: CheckpointOptions = {}): E.Either<CheckpointError, Checkpoint> {
  if (typeof path !== 'string' || path === '')
    return E.left(new CheckpointError('io', `cannot read ${JSON.stringify(path) ?? String(path)}: not a file path`));
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    return E.left(ioError('read', path, e));
  }
  return E.mapLeft(
    (err: CheckpointError) =>
      new CheckpointError(err.reason, `${path}: ${err.message.replace(/^checkpoint [\w-]+ error: /, '')}`, { path, cause: err }),
  )(decodeCheckpoint(bytes, options));
}

/** {@link loadCheckpoint}, throwing the `CheckpointError` on failure (for command lines). @category checkpoints */
export function loadCheckpointOrThrow(path: string, options: CheckpointOptions = {}): Checkpoint {
  const r = loadCheckpoint(path, options);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}
