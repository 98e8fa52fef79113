/**
 * Re-exporting a fixture: `readNir` → `fromNir` (at the fixture's `dt`) → the layer's params → `toNir` → `writeNir`.
 * What comes out is what spikefn writes for that network, so the reference library can check it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { key, treeDispose } from '@spikefn/core';
import { fromNir, readNir, toNir, writeNir } from '@spikefn/nir';
import { fixtureBytes } from './run-fixture.js';

/** The fixture's `dt` from its JSON, else `fallback`. */
function dtOf(dir: string, name: string, fallback: number): number {
  const path = join(dir, `${name}.json`);
  if (!existsSync(path)) return fallback;
  const dt = (JSON.parse(readFileSync(path, 'utf8')) as { dt?: unknown }).dt;
  return typeof dt === 'number' ? dt : fallback;
}

/** The bytes of the NIR file spikefn writes for the network imported from fixture `name` of `dir`. */
export async function exportFixture(dir: string, name: string, fallbackDt = 1e-3): Promise<Uint8Array> {
  const graph = await readNir(fixtureBytes(dir, name));
  const net = fromNir(graph, { dt: dtOf(dir, name, fallbackDt) });
  const params = net.init(key(0));
  try {
    return await writeNir(toNir(net, params, graph.metadata === undefined ? {} : { metadata: graph.metadata }));
  } finally {
    treeDispose(params);
  }
}
