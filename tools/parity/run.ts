/**
 * Runs every fixture file of the folder through its handler and reports, per file, how many cases passed and
 * failed. Unknown files and unknown case kinds count as failures.
 */
import * as tf from '@spikefn/core/tf';
import { loadFixtures, fixturesDir, type FixtureFile } from './fixtures.js';
import { handlerFor } from './registry.js';
import './handlers/index.js';

/** The outcome of one fixture file. */
export type FileReport = { readonly file: string; readonly passed: number; readonly failed: number; readonly failures: readonly string[] };

/** Runs every case of one fixture file; an unknown fixture fails all its cases. */
export function runFile(f: FixtureFile): FileReport {
  const handler = handlerFor(f.fixture);
  if (handler === undefined) {
    return { file: f.file, passed: 0, failed: Math.max(1, f.cases.length), failures: [`no handler for fixture '${f.fixture}' (layer ${f.layer})`] };
  }
  let passed = 0;
  const failures: string[] = [];
  for (const c of f.cases) {
    try {
      tf.tidy(() => handler(c));
      passed++;
    } catch (e) {
      failures.push(`${c.id}: ${(e as Error).message}`);
    }
  }
  return { file: f.file, passed, failed: failures.length, failures };
}

/** Runs the parity suite on `dir` (default: {@link fixturesDir}). */
export function runParity(dir = fixturesDir()): FileReport[] {
  return loadFixtures(dir).map(runFile);
}

/** One line per file: `neuron_if.json: 10 passed, 0 failed`. */
export const formatReport = (r: FileReport): string => `${r.file}: ${r.passed} passed, ${r.failed} failed`;
