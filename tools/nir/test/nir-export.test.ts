// `pnpm nir:export`: every fixture graph, imported and exported again, reads back with the same nodes, parameters
// (exactly) and edges, runs to the same expected outputs, and has the HDF5 layout the reference library wrote.
import { describe, expect, it } from 'vitest';
import { NIR_VERSION, readNir } from '@spikefn/nir';
import { exportFixture } from '../export.js';
import { listFixtures, nirFixturesDir } from '../fixtures.js';
import { layoutOf } from '../layout.js';
import { checkGraph, fixtureBytes, loadFixture, runFixture } from '../run-fixture.js';

describe('re-exported fixtures', () => {
  const dir = nirFixturesDir();
  for (const name of listFixtures(dir)) {
    it(`${name}: same nodes, params, edges and outputs after export and re-import`, async () => {
      const bytes = await exportFixture(dir, name);
      const graph = await readNir(bytes);
      expect(graph.version).toBe(NIR_VERSION);
      const failures: string[] = [];
      expect(checkGraph(loadFixture(dir, name), graph, (m) => failures.push(m))).toBeGreaterThan(0);
      expect(failures).toEqual([]);
      const original = await readNir(fixtureBytes(dir, name));
      expect(graph.metadata).toEqual(original.metadata);
      const r = await runFixture(dir, name, { nirBytes: bytes });
      expect(r.failures).toEqual([]);
      expect(r.passed).toBe(true);
    });
    it(`${name}: the same HDF5 layout as the file nir.write produced`, async () => {
      const mine = await layoutOf(await exportFixture(dir, name));
      const theirs = await layoutOf(fixtureBytes(dir, name));
      expect(mine).toEqual(theirs);
    });
  }
});
