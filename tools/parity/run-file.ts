/**
 * Runs one fixture file's cases through its handler: no file system, so the browser tests run it too.
 * An unknown fixture fails all its cases (it is never skipped).
 */
import * as tf from '@spikefn/core/tf';
import type { FixtureFile } from './fixtures.js';
import { handlerFor } from './registry.js';
import './handlers/index.js';

/** The outcome of one fixture file. */
export type FileReport = { readonly file: string; readonly passed: number; readonly failed: number; readonly failures: readonly string[] };

/** Runs every case of one fixture file; an unknown fixture fails all its cases. */
export function runFile(f: FixtureFile): FileReport {
  const handler = handlerFor(f.fixture);
  if (handler === undefined) {
    return {
      file: f.file,
      passed: 0,
      failed: Math.max(1, f.cases.length),
      failures: [`no handler for fixture '${f.fixture}' (layer ${f.layer})`],
    };
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
