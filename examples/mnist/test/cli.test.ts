import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseArgs } from '../src/cli.js';

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
    });
    expect(parseArgs([])).toEqual(DEFAULTS);
  });
  it('rejects unknown flags and bad values, naming the flag', () => {
    expect(() => parseArgs(['--epoch', '1'])).toThrow(/unknown flag --epoch/);
    expect(() => parseArgs(['--epochs', 'two'])).toThrow(/--epochs expects an integer/);
    expect(() => parseArgs(['--channels', '8'])).toThrow(/--channels/);
    expect(() => parseArgs(['--train-size', '9000'])).toThrow(/at most 10000/);
  });
});
