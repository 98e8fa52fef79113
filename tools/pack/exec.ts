/**
 * Child processes for `pnpm test:pack`: {@link exec} (output captured, a time limit), the pnpm that runs us
 * ({@link pnpm}), and an environment for npm that carries nothing of the workspace ({@link cleanEnv}).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ExecResult = { readonly code: number; readonly stdout: string; readonly stderr: string; readonly seconds: number };
export type ExecOptions = { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutS?: number };

/** Runs `cmd args` without a shell; resolves (never rejects) with the exit code (124 on timeout) and the output. */
export function exec(cmd: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      (options.timeoutS ?? 300) * 1000,
    );
    const done = (code: number, extra = ''): void => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : code, stdout, stderr: stderr + extra, seconds: (performance.now() - t0) / 1000 });
    };
    child.on('error', (e) => done(127, `\n${cmd}: ${e.message}`));
    child.on('close', (code) => done(code ?? 1, timedOut ? `\n${cmd}: killed after ${options.timeoutS ?? 300} s` : ''));
  });
}

/** The last `n` non-empty lines of a result's output, for a FAIL line's detail. */
export const tail = (r: ExecResult, n = 12): string =>
  `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');

/**
 * The command that runs the pnpm we were started by: `pnpm run` sets `npm_execpath` to its own entry script. Run any
 * other way, it is `npx pnpm@<version>` with the version of the root `packageManager` field.
 */
export function pnpm(repo: string): { readonly cmd: string; readonly args: readonly string[] } {
  const execPath = process.env['npm_execpath'] ?? '';
  if (/pnpm(\.c?js)?$/.test(execPath)) return { cmd: process.execPath, args: [execPath] };
  const pm = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { packageManager?: string }).packageManager ?? 'pnpm@10';
  return { cmd: 'npx', args: ['--yes', pm.replace(/\+.*$/, '')] };
}

// What npm may still read from the environment that pnpm passed to us: the user's registry, cache and certificates.
const keptNpmConfig = new Set([
  'registry',
  'cache',
  'userconfig',
  'globalconfig',
  'cafile',
  'ca',
  'strict_ssl',
  'proxy',
  'https_proxy',
  'noproxy',
]);

/**
 * The environment minus what a pnpm script adds (`npm_package_*`, `npm_lifecycle_*`, `npm_config_local_prefix`=the
 * workspace, `PNPM_*`, …), so that npm in the consumer project sees neither the workspace nor pnpm's settings.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const lower = k.toLowerCase();
    if (lower.startsWith('npm_config_') && !keptNpmConfig.has(lower.slice('npm_config_'.length))) continue;
    if (lower.startsWith('npm_') && !lower.startsWith('npm_config_')) continue;
    if (lower.startsWith('pnpm_') || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return env;
}
