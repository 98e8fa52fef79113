// The parity suite as part of `pnpm test`: every fixture file (public set, or SPIKEFN_FIXTURES) must pass every case.
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
