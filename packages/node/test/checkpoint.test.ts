import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@spikefn/core/tf';
import { treeDispose as dispose } from '@spikefn/core';
import { assertTreesClose } from '@spikefn/testing';
import { loadCheckpoint, loadCheckpointOrThrow, saveCheckpoint } from '../src/checkpoint.js';
import { CheckpointError, restoreLike } from '@spikefn/learning';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));

describe('checkpoint files', () => {
  it('round trip: params, state (with an empty record) and int32 counts come back identical', () => {
    const params = { conv: { weight: tf.randomNormal([2, 1, 3, 3], 0, 1, 'float32', 1) }, fc: [tf.tensor1d([1.5, -2])] };
    const state = { bn: { runningMean: tf.tensor1d([0.1, 0.2]) }, pool: {}, count: tf.scalar(7, 'int32') };
    const path = join(dir, 'a.spikefn');
    saveCheckpoint(path, { meta: { epoch: 2, key: [1, 2], config: { lr: 0.001 } }, trees: { params, state } });
    const c = loadCheckpointOrThrow(path);
    expect(c.meta).toEqual({ epoch: 2, key: [1, 2], config: { lr: 0.001 } });
    expect(c.spikefnVersion).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    assertTreesClose(c.trees['params']!, params);
    assertTreesClose(c.trees['state']!, state);
    expect(c.trees['state']).toHaveProperty('pool', {});
    const restored = restoreLike('params', params, c.trees['params']);
    expect(E.isRight(restored)).toBe(true);
    dispose([params, state, c.trees['params']!, c.trees['state']!]);
  });
  it('a flipped byte anywhere (manifest or payload) is caught by the checksum', () => {
    const params = { w: tf.ones([64]) };
    const path = join(dir, 'b.spikefn');
    saveCheckpoint(path, { meta: null, trees: { params } });
    const good = readFileSync(path);
    for (const at of [30, good.length - 5]) {
      const bad = Buffer.from(good);
      bad[at] = (bad[at] as number) ^ 0x10;
      writeFileSync(path, bad);
      const r = loadCheckpoint(path);
      expect(E.isLeft(r) && r.left.reason).toBe('checksum');
      expect(E.isLeft(r) && r.left.message).toMatch(/corrupted/);
    }
    writeFileSync(path, good.subarray(0, good.length - 8));
    const t = loadCheckpoint(path);
    expect(E.isLeft(t) && t.left.reason).toBe('truncated');
    dispose(params);
  });
  it('a foreign file, a missing file and another version are refused with a clear error', () => {
    const path = join(dir, 'c.spikefn');
    writeFileSync(path, '{"not": "a checkpoint"}');
    expect(() => loadCheckpointOrThrow(path)).toThrow(/not a spikefn checkpoint/);
    expect(() => loadCheckpointOrThrow(join(dir, 'missing.spikefn'))).toThrow(CheckpointError);
    const params = { w: tf.ones([2]) };
    saveCheckpoint(path, { meta: null, trees: { params } });
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(99, 8);
    writeFileSync(path, bytes);
    expect(() => loadCheckpointOrThrow(path)).toThrow(/format version 99/);
    dispose(params);
  });
  it('a checkpoint of another network is refused by restoreLike, naming the tensor', () => {
    const saved = { fc: { weight: tf.zeros([10, 20]) } };
    const path = join(dir, 'd.spikefn');
    saveCheckpoint(path, { meta: null, trees: { params: saved } });
    const c = loadCheckpointOrThrow(path);
    const model = { fc: { weight: tf.zeros([10, 30]) } };
    const r = restoreLike('params', model, c.trees['params']);
    expect(E.isLeft(r) && r.left.message).toMatch(/params\.fc\.weight' is float32 \[10, 20\], the model expects float32 \[10, 30\]/);
    const r2 = restoreLike('params', { conv: { weight: tf.zeros([10, 20]) } }, c.trees['params']);
    expect(E.isLeft(r2) && r2.left.reason).toBe('mismatch');
    expect(E.isLeft(restoreLike('state', model, c.trees['state']))).toBe(true);
    dispose([saved, model, c.trees['params']!]);
  });
});
