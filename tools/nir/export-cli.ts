/**
 * `pnpm nir:export --fixtures DIR --out OUT [--dt DT]`: imports every fixture graph of DIR (`NAME.nir`, with `dt`
 * from `NAME.json`, else `--dt`, default 1e-3) and exports it again to `OUT/NAME.nir`, one line per file; exit 1 if
 * any fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setBackend } from '@spikefn/core';
import { exportFixture } from './export.js';
import { listFixtures } from './fixtures.js';

const { values } = parseArgs({
  options: { fixtures: { type: 'string' }, out: { type: 'string' }, dt: { type: 'string' } },
  allowPositionals: false,
});
if (values.fixtures === undefined || values.out === undefined) {
  console.error('usage: pnpm nir:export --fixtures DIR --out OUT [--dt DT]');
  process.exit(2);
}
const dt = values.dt === undefined ? 1e-3 : Number(values.dt);
if (!(dt > 0)) {
  console.error(`nir:export: --dt expects a number > 0, got ${values.dt}`);
  process.exit(2);
}
await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
const dir = resolve(values.fixtures);
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
let failed = 0;
const names = listFixtures(dir);
for (const name of names) {
  try {
    const bytes = await exportFixture(dir, name, dt);
    writeFileSync(join(out, `${name}.nir`), bytes);
    console.log(`${name}: exported to ${join(out, `${name}.nir`)} (${bytes.length} bytes)`);
  } catch (e) {
    failed++;
    console.log(`${name}: failed: ${(e as Error).message}`);
  }
}
console.log(`nir:export: ${names.length - failed} exported, ${failed} failed`);
process.exit(failed === 0 && names.length > 0 ? 0 : 1);
