/**
 * The command line as a user meets it: `main.ts` run as a child process (tsx on the TypeScript sources), with tiny
 * settings, checking exit codes, the printed lines and what is (and is not) written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '@spikefn/node';
import { saveRun } from '../src/checkpoint.js';
import { disposeRun, initRun, type TrainConfig } from '../src/train.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const mainTs = join(root, 'examples/mnist/src/main.ts');
const tmp = mkdtempSync(join(tmpdir(), 'mnist-cli-'));
const TINY = [
  '--train-size',
  '32',
  '--test-size',
  '16',
  '--channels',
  '2,4',
  '--time-steps',
  '2',
  '--batch-size',
  '16',
  '--backend',
  'cpu',
];

type Result = { code: number | null; stdout: string; stderr: string; ms: number };
function cli(...args: string[]): Result {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@spikefn/source', mainTs, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SPIKEFN_DEBUG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** A failure: the exit code, and stderr is exactly an `error:` line and a `fix:` line. */
function expectFailure(r: Result, code: number, error: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.length, r.stderr).toBe(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(error);
  expect(lines[1]).toMatch(/^fix: \S/);
}

/** An MNIST-format folder: `n` training and `m` test images; image i has a bright row at 2·label + 4, label i mod 10. */
function idxFolder(name: string, n: number, m: number): string {
  const d = join(tmp, name);
  mkdirSync(d);
  for (const [part, count] of [
    ['train', n],
    ['t10k', m],
  ] as const) {
    const px = new Uint8Array(count * 784);
    const lb = Uint8Array.from({ length: count }, (_, i) => i % 10);
    for (let i = 0; i < count; i++) px.fill(255, i * 784 + (2 * (i % 10) + 4) * 28, i * 784 + (2 * (i % 10) + 5) * 28);
    writeFileSync(join(d, `${part}-images-idx3-ubyte.gz`), encodeIdx({ dtype: 'uint8', shape: [count, 28, 28], data: px }, { gzip: true }));
    writeFileSync(join(d, `${part}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: lb }));
  }
  return d;
}

describe('the MNIST command line (child processes)', () => {
  it('trains on an IDX folder, names the dataset and split of every accuracy, writes the curves and the confusion matrix', () => {
    const data = idxFolder('idx-ok', 40, 20);
    const out = join(tmp, 'out-idx');
    const r = cli('--dataset', 'idx', '--data', data, '--epochs', '1', ...TINY.slice(4), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`epoch 1: test accuracy `);
    expect(r.stdout).toMatch(new RegExp(`\\ntest accuracy: [01]\\.\\d{4} \\(idx ${data}, official test set, 20 images\\)\\n$`));
    expect(r.stdout).toMatch(/training \d+:\d\d wall, \d+:\d\d CPU/);
    expect(r.stdout).toMatch(/readout: .* \d+ of 20 images tied on the spike count and \d+ had no output spike/);
    for (const f of ['checkpoint.spikefn', 'training-curve.svg', 'confusion.svg', 'raster.svg', 'membrane.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    // 40 images in batches of 16: 3 steps per epoch, on an epoch axis from 0 to 1
    const curve = readFileSync(join(out, 'training-curve.svg'), 'utf8');
    expect(curve).toContain('epoch (3 steps of 16 images per epoch)');
    expect(curve).toContain('Training loss per step');
    expect(readFileSync(join(out, 'confusion.svg'), 'utf8')).toContain('official test set, 20 images');
  });
  it('--validation evaluates a held-out part of the training set every epoch and the test set at the end', () => {
    const data = idxFolder('idx-val', 50, 10);
    const r = cli(
      '--dataset',
      'idx',
      '--data',
      data,
      '--validation',
      '18',
      '--epochs',
      '1',
      ...TINY.slice(4),
      '--out',
      join(tmp, 'out-val'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/training on idx .*, official training set less 18 held out, 32 images/);
    expect(r.stdout).toMatch(
      /epoch 1: validation accuracy [01]\.\d{4} \(idx .*, validation split held out of the training set \(keyed\), 18 images\)/,
    );
    expect(r.stdout).toMatch(/test accuracy: [01]\.\d{4} \(idx .*, official test set, 10 images\)\n$/);
  });
  it('a truncated IDX file is exit 3 naming the file; a missing folder too', () => {
    const data = idxFolder('idx-bad', 20, 10);
    const f = join(data, 't10k-labels-idx1-ubyte');
    writeFileSync(f, readFileSync(f).subarray(0, 12));
    expectFailure(
      cli('--dataset', 'idx', '--data', data, ...TINY.slice(4), '--out', join(tmp, 'o3')),
      3,
      /t10k-labels-idx1-ubyte: truncated: shape \[10\] of uint8 needs 10 data bytes, the file has 4/,
    );
    expectFailure(cli('--dataset', 'fashion-mnist', '--data', join(tmp, 'none'), '--out', join(tmp, 'o3')), 3, /none: no such folder/);
  });
  it('--resume --epochs 3 is refused before anything runs, and the checkpoint is untouched', () => {
    const out = join(tmp, 'out-resume');
    expect(cli('--epochs', '1', ...TINY, '--out', out).code).toBe(0);
    const before = readFileSync(join(out, 'checkpoint.spikefn'));
    expectFailure(cli('--resume', '--epochs', '3', '--out', out), 2, /--resume expects FILE, got the flag --epochs/);
    expectFailure(cli('--out', out, '--resume'), 2, /--resume expects FILE, got nothing/);
    expect(readFileSync(join(out, 'checkpoint.spikefn')).equals(before)).toBe(true);
    // a fresh run in the same folder keeps the earlier checkpoint aside
    const again = cli('--epochs', '1', ...TINY, '--seed', '5', '--out', out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('is a fresh run; it will be kept as checkpoint.previous.spikefn');
    expect(readFileSync(join(out, 'checkpoint.previous.spikefn')).equals(before)).toBe(true);
  });
  it('a missing, corrupt or foreign --resume file is exit 4 with two short lines (wasm: no minified-source dump)', () => {
    const out = join(tmp, 'out-corrupt');
    expectFailure(cli('--resume', join(tmp, 'missing.spikefn'), '--out', out), 4, /missing\.spikefn: no such checkpoint file/);
    const good = join(tmp, 'out-resume', 'checkpoint.spikefn');
    const bad = join(tmp, 'corrupt.spikefn');
    const bytes = readFileSync(good);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    writeFileSync(bad, bytes);
    // the default backend, wasm: its uncaughtException handler must not print its source
    const r = cli('--resume', bad, '--out', out);
    expectFailure(r, 4, /corrupt\.spikefn: .*checksum/);
    expect(r.stderr.length).toBeLessThan(400);
    writeFileSync(bad, 'hello');
    expectFailure(cli('--resume', bad, '--out', out, '--backend', 'cpu'), 4, /not a spikefn checkpoint/);
    expectFailure(cli('--eval-only', '--out', join(tmp, 'empty')), 4, /empty\/checkpoint\.spikefn: no such checkpoint file/);
  });
  it('an unwritable --out fails fast with exit 5', () => {
    const r = cli('--out', '/proc/x', ...TINY);
    expectFailure(r, 5, /--out \/proc\/x: cannot create \/proc\/x/);
    expect(r.ms).toBeLessThan(30_000); // it used to spin forever in Node's recursive mkdir
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    expectFailure(cli('--out', join(file, 'sub'), ...TINY), 5, /a-file is a file, not a folder/);
  });
  it('out-of-range values are exit 2: seed, lr, and time steps beyond what the backend holds (naming the limit)', () => {
    expectFailure(cli('--seed', '1e20'), 2, /--seed expects an integer from 0 to 2\^53 - 1, got '1e20'/);
    expectFailure(cli('--lr', 'Infinity'), 2, /--lr expects a finite number > 0/);
    const r = cli('--time-steps', '5000', '--out', join(tmp, 'o2'));
    expectFailure(r, 2, /--time-steps 5000 with --batch-size 32, --channels 16,32 .* the wasm backend holds at most 4 GiB/);
    expect(r.stderr).toContain('fix: use --time-steps 73 or fewer');
  });
  it('divergence stops with exit 6 at the first non-finite step, and the last good checkpoint is kept byte for byte', () => {
    const out = join(tmp, 'out-diverge');
    const r = cli('--epochs', '1', '--lr', '1e308', ...TINY, '--out', out);
    expectFailure(r, 6, /training diverged at epoch 1, step 1: .* is not finite; no checkpoint of this run was written/);
    expect(existsSync(join(out, 'checkpoint.spikefn'))).toBe(false);
    // a checkpoint after epoch 1 of a run whose stored learning rate explodes in epoch 2
    const c: TrainConfig = {
      timeSteps: 2,
      channels: [2, 4],
      encoding: 'direct',
      tau: 2,
      epochs: 2,
      batchSize: 16,
      lr: 1e308,
      seed: 0,
      loss: 'mse',
      trainSize: 32,
      testSize: 16,
    };
    const run = initRun(c);
    const ckpt = join(tmp, 'good.spikefn');
    saveRun(ckpt, c, { ...run, epochsDone: 1 });
    disposeRun(run);
    const before = readFileSync(ckpt);
    const r2 = cli('--resume', ckpt, '--backend', 'cpu', '--out', join(tmp, 'out-diverge2'));
    expectFailure(r2, 6, new RegExp(`diverged at epoch 2, step 1: .*; the last good checkpoint, ${ckpt} \\(epoch 1\\), is kept`));
    expect(readFileSync(ckpt).equals(before)).toBe(true);
    expect(existsSync(join(tmp, 'out-diverge2', 'checkpoint.spikefn'))).toBe(false);
  });
  it('--help lists the exit codes and exits 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes: 0 done; 1 internal error .*; 2 bad command line; 3 dataset/s);
  });
});
