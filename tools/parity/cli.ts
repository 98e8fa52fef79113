/**
 * `pnpm test:parity`: every SpikingJelly fixture file against spikefn, one line per file, exit 1 on any failure.
 * `SPIKEFN_FIXTURES=DIR pnpm test:parity` runs another folder of the same format in place of `fixtures/spikingjelly`,
 * `SPIKEFN_FIXTURES_MORE=DIR` in place of `fixtures/spikingjelly-more` (the QIF/EIF set).
 */
import { setBackend } from '@spikefn/core';
import { fixturesDirs } from './fixtures.js';
import { formatReport, runParity } from './run.js';

await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
let passed = 0;
let failed = 0;
let empty = false;
for (const dir of fixturesDirs()) {
  console.log(`parity: fixtures from ${dir}`);
  const reports = runParity(dir);
  empty ||= reports.length === 0;
  for (const r of reports) {
    console.log(formatReport(r));
    for (const f of r.failures) console.log(`  FAIL ${f}`);
    passed += r.passed;
    failed += r.failed;
  }
}
console.log(`parity: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && !empty ? 0 : 1);
