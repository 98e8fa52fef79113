/**
 * Loading SpikingJelly golden fixtures (format: `fixtures/spikingjelly/README.md`). Two folders of the same format
 * are run: the main set, `SPIKEFN_FIXTURES` when set, else the repository's own copy `fixtures/spikingjelly`; and the
 * QIF/EIF set, `SPIKEFN_FIXTURES_MORE` when set, else `fixtures/spikingjelly-more`.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A nested list of numbers (row-major; the nesting is the shape), a number, or null. */
export type Nested = number | null | boolean | string | readonly Nested[] | { readonly [k: string]: Nested };

/** One case of a fixture file. */
export type FixtureCase = {
  readonly id: string;
  readonly seed?: number;
  readonly config: Record<string, Nested>;
  readonly params: Record<string, Nested>;
  readonly inputs: Record<string, Nested>;
  readonly outputs: Record<string, Nested>;
  readonly grads?: Record<string, Nested>;
  readonly properties?: Record<string, Nested>;
  readonly notes?: string;
};

/** One fixture file. */
export type FixtureFile = {
  readonly file: string;
  readonly fixture: string;
  readonly layer: string;
  readonly cases: readonly FixtureCase[];
};

const here = dirname(fileURLToPath(import.meta.url));

/** The fixtures folder in use. */
export function fixturesDir(): string {
  const env = process.env['SPIKEFN_FIXTURES'];
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(here, '../../fixtures/spikingjelly');
}

/** The QIF/EIF fixtures folder in use (`SPIKEFN_FIXTURES_MORE`, else `fixtures/spikingjelly-more`). */
export function moreFixturesDir(): string {
  const env = process.env['SPIKEFN_FIXTURES_MORE'];
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(here, '../../fixtures/spikingjelly-more');
}

/** Every fixtures folder the suite runs: the main set, then the QIF/EIF set. */
export const fixturesDirs = (): string[] => [fixturesDir(), moreFixturesDir()];

/** Every `*.json` file of the folder, parsed. */
export function loadFixtures(dir = fixturesDir()): FixtureFile[] {
  if (!existsSync(dir))
    throw new Error(`parity: fixtures folder ${dir} does not exist (set SPIKEFN_FIXTURES to a folder of SpikingJelly fixture JSON files)`);
  const names = readdirSync(dir).sort();
  // A file the runner does not understand fails the run: only fixture JSON files and the format's README belong here.
  const foreign = names.filter((f) => !f.endsWith('.json') && f !== 'README.md');
  if (foreign.length > 0) throw new Error(`parity: ${dir} holds files that are not fixture JSON files: ${foreign.join(', ')}`);
  return names
    .filter((f) => f.endsWith('.json'))
    .map((file) => {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { fixture?: string; layer?: string; cases?: FixtureCase[] };
      if (!Array.isArray(raw.cases)) throw new Error(`parity: ${file} has no 'cases' array`);
      return { file, fixture: raw.fixture ?? file.replace(/\.json$/, ''), layer: raw.layer ?? '?', cases: raw.cases };
    });
}
