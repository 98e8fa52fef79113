/**
 * The output folder, checked before any training: created one level at a time (Node's recursive `mkdir` never
 * returns under `/proc`), then a probe file is written and removed, so an unwritable `--out` fails in milliseconds
 * with a {@link CliError} (exit 5) instead of after an epoch.
 *
 * @category examples
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './errors.js';

const outputError = (dir: string, why: string): CliError =>
  new CliError('output', `--out ${dir}: ${why}`, 'choose a folder you can write to with --out DIR');

/** Creates `dir` if needed and checks that a file can be written in it. @category examples */
export function prepareOutDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) throw outputError(dir, `${p} is a file, not a folder`);
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw outputError(dir, `cannot create ${m} (${(e as { code?: string }).code ?? String(e)})`);
    }
  }
  const probe = join(abs, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, 'spikefn');
    rmSync(probe);
  } catch (e) {
    throw outputError(dir, `cannot write a file in it (${(e as { code?: string }).code ?? String(e)})`);
  }
}

/** Writes a text file under the output folder; a failure is a {@link CliError} naming the file (exit 5). @category examples */
export function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new CliError(
      'output',
      `cannot write ${path} (${(e as { code?: string }).code ?? String(e)})`,
      'free disk space, or choose another --out',
    );
  }
}

/** Moves `path` to `to` if it exists (keeping a previous run's checkpoint); returns whether it moved. @category examples */
export function keepAside(path: string, to: string): boolean {
  if (!existsSync(path)) return false;
  try {
    renameSync(path, to);
    return true;
  } catch (e) {
    throw new CliError('output', `cannot move ${path} to ${to} (${(e as { code?: string }).code ?? String(e)})`, 'choose another --out');
  }
}
