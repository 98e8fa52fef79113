/**
 * Runs every fixture file of the folder through its handler and reports, per file, how many cases passed and
 * failed. Unknown files and unknown case kinds count as failures.
 */
import { loadFixtures, fixturesDir } from './fixtures.js';
import { runFile, type FileReport } from './run-file.js';

export { runFile, type FileReport };

/** Runs the parity suite on `dir` (default: {@link fixturesDir}). */
export function runParity(dir = fixturesDir()): FileReport[] {
  return loadFixtures(dir).map(runFile);
}

/** One line per file: `neuron_if.json: 10 passed, 0 failed`. */
export const formatReport = (r: FileReport): string => `${r.file}: ${r.passed} passed, ${r.failed} failed`;
