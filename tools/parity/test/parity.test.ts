// The parity suite as part of `pnpm test`: every fixture file (public set, or SPIKEFN_FIXTURES) must pass every case.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDirs, loadFixtures, moreFixturesDir } from '../fixtures.js';
import { runFile } from '../run.js';

describe.each(fixturesDirs())('SpikingJelly parity: %s', (dir) => {
  const files = loadFixtures(dir);
  it('finds fixture files', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(`${f.file}: every case matches`, () => {
      const r = runFile(f);
      expect(r.failures).toEqual([]);
      expect(r.passed).toBe(f.cases.length);
    });
  }
});

describe('a fixtures folder the runner does not understand', () => {
  const folder = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'spikefn-parity-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  it('fails on a file that is not fixture JSON', () => {
    const dir = folder({ 'notes.txt': 'hello', 'README.md': '# format' });
    try {
      expect(() => loadFixtures(dir)).toThrow(/notes\.txt/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
  it('fails (never skips) every case of a fixture it has no handler for', () => {
    const dir = folder({
      'mystery.json': JSON.stringify({
        fixture: 'mystery_layer',
        layer: 'Mystery',
        cases: [{ id: 'a', config: {}, params: {}, inputs: {}, outputs: {} }],
      }),
    });
    try {
      const [file] = loadFixtures(dir);
      const r = runFile(file!);
      expect(r.passed).toBe(0);
      expect(r.failed).toBe(1);
      expect(r.failures.join(' ')).toMatch(/no handler for fixture 'mystery_layer'/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('the fixtures folders', () => {
  it('are fixtures/spikingjelly and fixtures/spikingjelly-more, each replaced by its environment variable', () => {
    const saved = [process.env['SPIKEFN_FIXTURES'], process.env['SPIKEFN_FIXTURES_MORE']] as const;
    try {
      delete process.env['SPIKEFN_FIXTURES'];
      delete process.env['SPIKEFN_FIXTURES_MORE'];
      const [main, more] = fixturesDirs();
      expect(main).toMatch(/fixtures[/\\]spikingjelly$/);
      expect(more).toMatch(/fixtures[/\\]spikingjelly-more$/);
      expect(loadFixtures(more).map((f) => f.fixture)).toEqual(['neuron_eif', 'neuron_qif']);
      process.env['SPIKEFN_FIXTURES_MORE'] = join(tmpdir(), 'held-out-more');
      expect(moreFixturesDir()).toBe(join(tmpdir(), 'held-out-more'));
    } finally {
      for (const [name, value] of [
        ['SPIKEFN_FIXTURES', saved[0]],
        ['SPIKEFN_FIXTURES_MORE', saved[1]],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });
});
