/**
 * `pnpm test:parity`: every SpikingJelly fixture file against spikefn, one line per file, exit 1 on any failure.
 * `SPIKEFN_FIXTURES=DIR pnpm test:parity` runs another folder of the same format.
 */
import { setBackend } from '@spikefn/core';
import { fixturesDir } from './fixtures.js';
import { formatReport, runParity } from './run.js';

await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
const dir = fixturesDir();
console.log(`parity: fixtures from ${dir}`);
const reports = runParity(dir);
let passed = 0;
let failed = 0;
for (const r of reports) {
  console.log(formatReport(r));
  for (const f of r.failures) console.log(`  FAIL ${f}`);
  passed += r.passed;
  failed += r.failed;
}
console.log(`parity: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && reports.length > 0 ? 0 : 1);
