// `pnpm test:nir` as part of `pnpm test`: every fixture of fixtures/nir (or SPIKEFN_NIR_FIXTURES) must pass, and a
// folder with something the runner does not understand fails instead of skipping it.
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nirArray, writeNir } from '@spikefn/nir';
import { listFixtures, nirFixturesDir } from '../fixtures.js';
import { runFixture } from '../run-fixture.js';

describe('NIR fixtures', () => {
  const dir = nirFixturesDir();
  const names = listFixtures(dir);
  it('finds fixtures', () => {
    expect(names.length).toBeGreaterThan(0);
  });
  for (const name of names) {
    it(`${name}: the file reads as the fixture's graph and runs to the expected values`, async () => {
      const r = await runFixture(dir, name);
      expect(r.failures).toEqual([]);
      expect(r.passed).toBe(true);
      expect(r.checks).toBeGreaterThan(3);
    });
  }
});

describe('a fixtures folder the runner does not understand', () => {
  const folder = (files: Record<string, string | Uint8Array>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'spikefn-nir-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  };
  it('fails on a foreign file in the folder', () => {
    const dir = folder({ 'notes.txt': 'hello', 'README.md': '# format' });
    try {
      expect(() => listFixtures(dir)).toThrow(/notes\.txt/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
  it('fails a fixture with an unknown primitive, naming the node and its type', async () => {
    const bytes = await writeNir({
      nodes: {
        input: { type: 'Input', params: { shape: nirArray([2], 'int64') } },
        res: { type: 'Resonator', params: { omega: nirArray([1, 2]) } },
        output: { type: 'Output', params: { shape: nirArray([2], 'int64') } },
      },
      edges: [
        ['input', 'res'],
        ['res', 'output'],
      ],
    });
    const json = {
      format: 'spikefn-nir-fixture/1',
      fixture: 'mystery',
      dt: 1e-3,
      graph: {
        nodes: {
          input: { type: 'Input', params: { shape: [2] }, param_dtypes: { shape: 'int64' } },
          res: { type: 'Resonator', params: { omega: [1, 2] }, param_dtypes: { omega: 'float32' } },
          output: { type: 'Output', params: { shape: [2] }, param_dtypes: { shape: 'int64' } },
        },
        edges: [
          ['input', 'res'],
          ['res', 'output'],
        ],
        input_nodes: ['input'],
        output_nodes: ['output'],
        delayed_edges: [],
      },
      inputs: { input: [[[0, 1]]] },
      expected: { outputs: { output: [[[0, 1]]] }, nodes: {} },
    };
    const dir = folder({ 'mystery.nir': bytes, 'mystery.json': JSON.stringify(json) });
    try {
      expect(listFixtures(dir)).toEqual(['mystery']);
      const r = await runFixture(dir, 'mystery');
      expect(r.passed).toBe(false);
      expect(r.failures.join(' ')).toMatch(/node 'res' of type 'Resonator'/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
  it('fails a .nir file without its .json, and a .json of another format', async () => {
    const dir = folder({ 'other.json': JSON.stringify({ format: 'something-else/2' }) });
    copyFileSync(join(nirFixturesDir(), 'lif.nir'), join(dir, 'lonely.nir'));
    try {
      expect(listFixtures(dir)).toEqual(['lonely', 'other']);
      const lonely = await runFixture(dir, 'lonely');
      expect(lonely.passed).toBe(false);
      expect(lonely.failures.join(' ')).toMatch(/lonely\.json is missing/);
      const other = await runFixture(dir, 'other');
      expect(other.passed).toBe(false);
      expect(other.failures.join(' ')).toMatch(/format 'something-else\/2'/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
