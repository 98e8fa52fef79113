// The parity suite as part of `pnpm test`: every fixture file (public set, or SPIKEFN_FIXTURES) must pass every case.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures.js';
import { runFile } from '../run.js';

describe('SpikingJelly parity', () => {
  const files = loadFixtures();
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
