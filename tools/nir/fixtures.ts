/**
 * The NIR fixture folder (format: `fixtures/nir/README.md`): pairs `NAME.nir` (written by the reference `nir`
 * library) + `NAME.json` (the graph as data, inputs, `dt`, expected outputs). The folder is `SPIKEFN_NIR_FIXTURES`
 * when set, else the repository's own copy, `fixtures/nir`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The fixtures folder in use. */
export function nirFixturesDir(): string {
  const env = process.env['SPIKEFN_NIR_FIXTURES'];
  if (env !== undefined && env !== '') return resolve(env);
  return resolve(here, '../../fixtures/nir');
}

/**
 * The fixture names of a folder (every stem of a `.nir` or `.json` file), sorted. A file that is neither (other than
 * the format's README.md) makes the whole folder fail: the runner never skips what it does not understand.
 */
export function listFixtures(dir: string): string[] {
  if (!existsSync(dir))
    throw new Error(`nir: fixtures folder ${dir} does not exist (set SPIKEFN_NIR_FIXTURES to a folder of NAME.nir + NAME.json pairs)`);
  const files = readdirSync(dir).sort();
  const foreign = files.filter((f) => !f.endsWith('.nir') && !f.endsWith('.json') && f !== 'README.md');
  if (foreign.length > 0)
    throw new Error(`nir: ${dir} holds files that are not NIR fixtures (NAME.nir + NAME.json): ${foreign.join(', ')}`);
  return [...new Set(files.filter((f) => f !== 'README.md').map((f) => f.replace(/\.(nir|json)$/, '')))];
}
