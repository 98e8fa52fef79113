/**
 * `pnpm bench [--suite NAME] [--quick]`: runs benchmark suites, prints a table and writes `bench-results.json`
 * at the repository root as `{"results": [...]}`. Rows of suites not run this time are kept from the existing file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '@spikefn/core';
import type { BenchRow } from './suite.js';
import { suites } from './suites/index.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = flag('--suite');
const quick = args.includes('--quick');
const known = suites.map((s) => s.name);
if (only !== undefined && !known.includes(only)) {
  console.error(`bench: unknown suite '${only}'; known: ${known.join(', ')}`);
  process.exit(2);
}
const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench-results.json');

await setBackend('cpu');
const rows: BenchRow[] = [];
for (const s of suites) {
  if (only !== undefined && s.name !== only) continue;
  console.log(`\n== ${s.name}${quick ? ' (quick)' : ''}`);
  const r = await s.run({ quick });
  console.table(
    r.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [
          k,
          typeof v === 'number' ? Number(v.toPrecision(4)) : Array.isArray(v) ? JSON.stringify(v) : v,
        ]),
      ),
    ),
  );
  rows.push(...r);
  await setBackend('cpu');
}
// Read the file only now, so rows written meanwhile by another bench run are kept.
const previous: BenchRow[] = existsSync(out) ? ((JSON.parse(readFileSync(out, 'utf8')) as { results?: BenchRow[] }).results ?? []) : [];
const ran = new Set(rows.map((r) => r.suite));
const results = [...previous.filter((r) => !ran.has(r.suite)), ...rows];
writeFileSync(out, `${JSON.stringify({ results }, null, 1)}\n`);
console.log(`\nbench: wrote ${rows.length} rows to ${out}`);
