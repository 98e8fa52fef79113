import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseArgs, USAGE } from '../src/cli.js';
import { CliError, describeFailure, EXIT } from '../src/errors.js';
import { checkFits, maxTimeSteps, stepBytes } from '../src/limits.js';

/** The CliError that `parseArgs(argv)` throws. */
const refused = (argv: string[]): CliError => {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).kind).toBe('usage');
    return e as CliError;
  }
  throw new Error(`parseArgs accepted ${argv.join(' ')}`);
};

describe('MNIST example flags', () => {
  it('parses every flag, with or without the "--" that pnpm passes', () => {
    const o = parseArgs([
      '--',
      '--epochs',
      '1',
      '--batch-size=32',
      '--time-steps',
      '8',
      '--lr',
      '0.01',
      '--seed',
      '7',
      '--backend',
      'cpu',
      '--out',
      'x',
      '--resume',
      'c.spikefn',
      '--eval-only',
      '--encoding',
      'poisson',
      '--loss',
      'ce',
      '--channels',
      '8,16',
      '--dataset',
      'idx',
      '--data',
      'folder',
      '--validation',
      '500',
    ]);
    expect(o).toMatchObject({
      epochs: 1,
      batchSize: 32,
      timeSteps: 8,
      lr: 0.01,
      seed: 7,
      backend: 'cpu',
      out: 'x',
      resume: 'c.spikefn',
      evalOnly: true,
      encoding: 'poisson',
      loss: 'ce',
      channels: [8, 16],
      dataset: 'idx',
      data: 'folder',
      validation: 500,
    });
    expect(o.given).toContain('--epochs');
    expect(parseArgs([])).toEqual(DEFAULTS);
    expect(parseArgs(['--dataset', 'fashion-mnist']).dataset).toBe('fashion-mnist');
    expect(parseArgs(['--seed', String(Number.MAX_SAFE_INTEGER)]).seed).toBe(Number.MAX_SAFE_INTEGER);
  });
  it('rejects unknown flags and bad values, naming the flag', () => {
    expect(refused(['--epoch', '1']).message).toMatch(/unknown flag --epoch/);
    expect(refused(['--epochs', 'two']).message).toMatch(/--epochs expects an integer from 0 to 10000, got 'two'/);
    expect(refused(['--channels', '8']).message).toMatch(/--channels/);
    expect(refused(['--channels', '8,']).message).toMatch(/--channels/);
    expect(refused(['--train-size', '9000']).message).toMatch(/at most 10000/);
    expect(refused(['--dataset', 'cifar']).message).toMatch(/--dataset expects mnist-package, fashion-mnist or idx, got 'cifar'/);
    expect(refused(['--backend', 'gpu']).message).toMatch(/--backend expects wasm or cpu/);
    expect(refused(['stray']).message).toMatch(/unexpected argument 'stray'/);
    expect(refused(['--eval-only=yes']).message).toMatch(/--eval-only takes no value/);
  });
  it('a flag that takes a value refuses a missing value or another flag as its value', () => {
    expect(refused(['--resume']).message).toBe('--resume expects FILE, got nothing');
    expect(refused(['--resume', '--epochs', '3']).message).toBe('--resume expects FILE, got the flag --epochs');
    expect(refused(['--out', '--eval-only']).message).toMatch(/--out expects DIR, got the flag --eval-only/);
    expect(refused(['--data', '-h']).message).toMatch(/got the flag -h/);
    expect(refused(['--lr=']).message).toMatch(/--lr expects X, got an empty value/);
    for (const f of [
      '--epochs',
      '--batch-size',
      '--time-steps',
      '--lr',
      '--seed',
      '--backend',
      '--out',
      '--resume',
      '--encoding',
      '--loss',
      '--channels',
      '--train-size',
      '--test-size',
      '--dataset',
      '--data',
      '--validation',
    ])
      expect(refused([f]).message).toMatch(new RegExp(`^${f} expects \\S+, got nothing$`));
  });
  it('numeric flags are checked over their whole range', () => {
    for (const s of ['1e20', '9007199254740992', '-1', '1.5', '', ' ', 'Infinity', 'NaN', '0x'])
      expect(refused(['--seed', s]).message).toMatch(/--seed expects an integer from 0 to 2\^53 - 1/);
    for (const lr of ['Infinity', '-Infinity', 'NaN', '0', '-1', '1e400', 'abc', ''])
      expect(refused([`--lr=${lr}`]).message).toMatch(/--lr expects (a finite number > 0|X, got an empty value)/);
    expect(parseArgs(['--lr', '1e308']).lr).toBe(1e308); // finite: allowed; the training loop's divergence check stops it
    expect(refused(['--time-steps', '100000']).message).toMatch(/--time-steps expects an integer from 1 to 10000/);
    expect(refused(['--time-steps', '0']).message).toMatch(/--time-steps/);
    expect(refused(['--batch-size', '1']).message).toMatch(/--batch-size expects an integer from 2/);
    expect(refused(['--epochs', '1e12']).message).toMatch(/--epochs expects an integer from 0 to 10000/);
    expect(refused(['--channels', '1,2000']).message).toMatch(/each|from 1 to 1024/);
    expect(refused(['--batch-size', '64', '--train-size', '32']).message).toMatch(/--batch-size 64 is larger than --train-size 32/);
  });
  it('--data, --validation and idx go together', () => {
    expect(refused(['--data', '/x']).message).toMatch(/--data is for --dataset fashion-mnist or idx/);
    expect(refused(['--validation', '5']).message).toMatch(/--validation is for --dataset fashion-mnist or idx/);
    expect(refused(['--dataset', 'idx']).message).toMatch(/--dataset idx needs --data DIR/);
  });
  it('--help documents every exit code', () => {
    for (const [kind, code] of Object.entries(EXIT)) expect(USAGE, kind).toMatch(new RegExp(`\\b${code} [a-z]`));
  });
});

describe('the time-step limit of a backend', () => {
  it('names the largest T that fits; that T fits and T + 1 does not', () => {
    const s = { timeSteps: 100000, batchSize: 32, channels: [16, 32] as const, encoding: 'direct' as const };
    const max = maxTimeSteps(s, 'wasm');
    // 4.5 GiB / (32 · (16·66 + 32·30) KiB) = 4.5·2^30 / (32 · 2016 · 1024) = 73.14…
    expect(max).toBe(73);
    expect(checkFits({ ...s, timeSteps: max }, 'wasm')).toBeUndefined();
    const why = checkFits({ ...s, timeSteps: max + 1 }, 'wasm');
    expect(why?.reason).toMatch(/the wasm backend holds at most 4 GiB/);
    expect(why?.fix).toBe('use --time-steps 73 or fewer at this batch size and these channels (or a smaller --batch-size)');
    // the defaults are far inside: 4 · 32 · 2016 KiB = 252 MiB
    expect(stepBytes({ ...s, timeSteps: 4 })).toBe(252 * 1024 * 1024);
  });
});

describe('failures as exit codes and two short lines', () => {
  it('maps each kind of error to its code with an error: and a fix: line', () => {
    expect(describeFailure(new CliError('output', 'cannot write x', 'choose another --out'))).toEqual({
      code: 5,
      lines: ['error: cannot write x', 'fix: choose another --out'],
    });
    const internal = describeFailure(new RangeError(`boom\n${'at something\n'.repeat(100)}`));
    expect(internal.code).toBe(1);
    expect(internal.lines[0]).toBe('error: boom');
    expect(internal.lines[1]).toMatch(/a bug/);
    expect(describeFailure(new Error('RuntimeError: memory access out of bounds')).lines[1]).toMatch(/fewer --time-steps/);
  });
});
