// Checkpoint files under failure: fsync of the file before the rename and of the folder after it, the temporary file
// removed on failure, stale temporary files of killed runs removed on the next save, fs errors as CheckpointError
// values (path, reason in words, code), non-finite values refused, and no hang under /proc.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@spikefn/core/tf';
import { treeDispose as dispose } from '@spikefn/core';
import { CheckpointError } from '@spikefn/learning';
import { loadCheckpoint, removeStaleCheckpointTemps, saveCheckpoint } from '../src/checkpoint.js';

// Every fs call of the module is recorded (by path) so that the order of writes, syncs and renames can be checked;
// `failWrite` injects an error into the next write.
const h = vi.hoisted(() => ({ log: [] as string[], fds: new Map<number, string>(), failWrite: null as null | NodeJS.ErrnoException }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const mocked = {
    ...fs,
    openSync: (path: string, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      h.fds.set(fd, path);
      h.log.push(`open ${path}`);
      return fd;
    },
    writeSync: (fd: number, ...rest: unknown[]) => {
      if (h.failWrite !== null) {
        const e = h.failWrite;
        h.failWrite = null;
        throw e;
      }
      h.log.push(`write ${h.fds.get(fd)}`);
      return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
    fsyncSync: (fd: number) => {
      h.log.push(`fsync ${h.fds.get(fd)}`);
      fs.fsyncSync(fd);
    },
    closeSync: (fd: number) => {
      h.log.push(`close ${h.fds.get(fd)}`);
      fs.closeSync(fd);
    },
    renameSync: (from: string, to: string) => {
      h.log.push(`rename ${from} -> ${to}`);
      fs.renameSync(from, to);
    },
  };
  return { ...mocked, default: mocked };
});

const dir = mkdtempSync(join(tmpdir(), 'ckpt-io-'));
const params = (): { w: tf.Tensor } => ({ w: tf.tensor1d([1, 2, 3]) });

afterEach(() => {
  h.log.length = 0;
  h.failWrite = null;
});

describe('saveCheckpoint: atomic and durable', () => {
  it('writes a temporary file, fsyncs it, renames it over the name, then fsyncs the folder', () => {
    const path = join(dir, 'order.spikefn');
    const p = params();
    saveCheckpoint(path, { meta: null, trees: { params: p } });
    const tmp = `${path}.tmp-${process.pid}`;
    expect(h.log).toEqual([
      `open ${tmp}`,
      `write ${tmp}`,
      `fsync ${tmp}`,
      `close ${tmp}`,
      `rename ${tmp} -> ${path}`,
      `open ${dir}`,
      `fsync ${dir}`,
      `close ${dir}`,
    ]);
    expect(readdirSync(dir).filter((n) => n.startsWith('order'))).toEqual(['order.spikefn']);
    dispose(p);
  });

  it('a full disk: a CheckpointError naming the path and the reason, no temporary file, the previous checkpoint intact', () => {
    const path = join(dir, 'full.spikefn');
    const p = params();
    saveCheckpoint(path, { meta: { epoch: 1 }, trees: { params: p } });
    const before = readFileSync(path);
    h.failWrite = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    let err: unknown;
    try {
      saveCheckpoint(path, { meta: { epoch: 2 }, trees: { params: p } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).reason).toBe('io');
    expect((err as CheckpointError).path).toBe(path);
    expect((err as CheckpointError).message).toBe(`checkpoint io error: cannot write ${path}: the disk is full (ENOSPC)`);
    expect(((err as CheckpointError).cause as { code: string }).code).toBe('ENOSPC');
    expect(readdirSync(dir).filter((n) => n.startsWith('full'))).toEqual(['full.spikefn']);
    expect(readFileSync(path).equals(before)).toBe(true);
    dispose(p);
  });

  it('a failed rename (the name is a folder) removes the temporary file and reports EISDIR', () => {
    const path = join(dir, 'taken.spikefn');
    mkdirSync(join(path, 'inside'), { recursive: true });
    const p = params();
    expect(() => saveCheckpoint(path, { meta: null, trees: { params: p } })).toThrow(CheckpointError);
    expect(() => saveCheckpoint(path, { meta: null, trees: { params: p } })).toThrow(
      /cannot write .*taken\.spikefn: .*\((EISDIR|ENOTEMPTY|EEXIST)\)/,
    );
    expect(readdirSync(dir).filter((n) => n.startsWith('taken.spikefn.tmp'))).toEqual([]);
    dispose(p);
  });

  it('stale temporary files of dead processes are removed on the next save; those of live processes are kept', () => {
    const path = join(dir, 'stale.spikefn');
    const dead = `${path}.tmp-999999999`; // above any Linux pid_max: no such process
    const own = `${path}.tmp-${process.pid}`;
    const live = `${path}.tmp-${process.ppid}`; // the test runner's parent: alive
    for (const f of [dead, own, live]) writeFileSync(f, 'half a file');
    const p = params();
    saveCheckpoint(path, { meta: null, trees: { params: p } });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(own)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(removeStaleCheckpointTemps(path)).toEqual([]);
    writeFileSync(dead, 'half a file');
    expect(removeStaleCheckpointTemps(path)).toEqual([dead]);
    dispose(p);
  });

  it('a folder under a file is an io error naming ENOTDIR; under /proc it fails at once instead of spinning', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const p = params();
    expect(() => saveCheckpoint(join(file, 'sub', 'c.spikefn'), { meta: null, trees: { params: p } })).toThrow(
      /checkpoint io error: cannot create the folder .*plain-file\/sub: a part of the path is a file, not a folder \(ENOTDIR\)/,
    );
    if (existsSync('/proc/self')) {
      const t0 = Date.now();
      expect(() => saveCheckpoint('/proc/spikefn-x/c.spikefn', { meta: null, trees: { params: p } })).toThrow(CheckpointError);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    dispose(p);
  });

  it('non-finite values are refused before anything is written, unless allowed; loading refuses them too', () => {
    const path = join(dir, 'nan.spikefn');
    const p = { w: tf.tensor1d([1, Number.NaN]) };
    expect(() => saveCheckpoint(path, { meta: null, trees: { params: p } })).toThrow(
      /non-finite error: cannot store params\.w: it holds NaN/,
    );
    expect(existsSync(path)).toBe(false);
    expect(h.log).toEqual([]);
    saveCheckpoint(path, { meta: null, trees: { params: p } }, { allowNonFinite: true });
    const before = tf.memory().numTensors;
    const r = loadCheckpoint(path);
    expect(E.isLeft(r) && r.left.reason).toBe('non-finite');
    expect(E.isLeft(r) && r.left.path).toBe(path);
    expect(E.isLeft(r) && r.left.message).toMatch(/nan\.spikefn: tensor params\.w holds NaN at flat index 1/);
    expect(tf.memory().numTensors).toBe(before);
    const ok = loadCheckpoint(path, { allowNonFinite: true });
    expect(E.isRight(ok)).toBe(true);
    if (E.isRight(ok)) dispose(ok.right.trees['params']!);
    dispose(p);
  });
});

describe('loadCheckpoint: errors are values naming the path', () => {
  it('a folder, a missing file and a corrupted file give typed errors and no tensors', () => {
    const before = tf.memory().numTensors;
    const folder = loadCheckpoint(dir);
    expect(E.isLeft(folder) && folder.left.message).toBe(`checkpoint io error: cannot read ${dir}: the path is a folder (EISDIR)`);
    expect(E.isLeft(folder) && folder.left.path).toBe(dir);
    const missing = loadCheckpoint(join(dir, 'missing.spikefn'));
    expect(E.isLeft(missing) && missing.left.message).toMatch(/cannot read .*missing\.spikefn: no such file or folder \(ENOENT\)/);
    const path = join(dir, 'corrupt.spikefn');
    const p = params();
    saveCheckpoint(path, { meta: null, trees: { params: p } });
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(path, bytes);
    dispose(p);
    const corrupt = loadCheckpoint(path);
    expect(E.isLeft(corrupt) && corrupt.left.reason).toBe('checksum');
    expect(E.isLeft(corrupt) && corrupt.left.path).toBe(path);
    expect(tf.memory().numTensors).toBe(before);
  });
});
