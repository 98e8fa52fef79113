/**
 * `pnpm test:nir`: every NIR fixture of the folder (`fixtures/nir`, or `SPIKEFN_NIR_FIXTURES=DIR`), one line per
 * fixture, exit 1 on any failure (an unknown primitive or a file the runner does not understand fails, never skips).
 */
import { setBackend } from '@spikefn/core';
import { listFixtures, nirFixturesDir } from './fixtures.js';
import { formatReport, runFixture } from './run-fixture.js';

await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
const dir = nirFixturesDir();
console.log(`nir: fixtures from ${dir}`);
let names: string[] = [];
try {
  names = listFixtures(dir);
} catch (e) {
  console.log(`nir: failed: ${(e as Error).message}`);
  process.exit(1);
}
let passed = 0;
let failed = 0;
for (const name of names) {
  const r = await runFixture(dir, name);
  console.log(formatReport(r));
  for (const f of r.failures.slice(1)) console.log(`  FAIL ${f}`);
  if (r.passed) passed++;
  else failed++;
}
console.log(`nir: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && names.length > 0 ? 0 : 1);
