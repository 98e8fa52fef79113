/**
 * Errors of the command line and their exit codes. `main.ts` catches everything at the top and prints one short
 * message, `error: <what, naming the file or flag>` and a line `fix: <what to do>`, then exits with the code
 * of the error's kind (documented in `--help`):
 *
 *   0  done
 *   1  internal error (a bug: the message says so; SPIKEFN_DEBUG=1 prints the stack)
 *   2  bad command line (a flag, a value, or a backend that is not installed)
 *   3  dataset missing, unreadable or malformed
 *   4  checkpoint missing, unreadable, corrupt or not one of this example
 *   5  output folder not writable
 *   6  training diverged (a non-finite loss or parameter); the last good checkpoint is kept
 *
 * @category examples
 */
import { BackendUnavailableError, SpikefnArgumentError } from '@spikefn/core';
import { CheckpointError } from '@spikefn/learning';
import { DatasetUnavailableError, IdxFormatError, MnistUnavailableError } from '@spikefn/node';

/** Exit codes by kind of failure. @category examples */
export const EXIT = { ok: 0, internal: 1, usage: 2, data: 3, checkpoint: 4, output: 5, diverged: 6 } as const;

/** The kinds of failure (keys of {@link EXIT} except `ok`). @category examples */
export type FailureKind = Exclude<keyof typeof EXIT, 'ok'>;

/** A failure the command line explains itself: what happened and how to fix it. @category examples */
export class CliError extends Error {
  /** Always `'CliError'`. */
  override readonly name = 'CliError';
  constructor(
    /** Which exit code. */
    readonly kind: FailureKind,
    message: string,
    /** What the user can do about it (printed after `fix:`), or `''`. */
    readonly fix = '',
  ) {
    super(message);
  }
}

/** A bad flag or value (exit 2). @category examples */
export const usageError = (message: string, fix = 'see `pnpm start -- --help`'): CliError => new CliError('usage', message, fix);

/** The exit code and the lines to print for any thrown value. @category examples */
export function describeFailure(e: unknown): { readonly code: number; readonly lines: readonly string[] } {
  const out = (kind: FailureKind, message: string, fix: string): { code: number; lines: string[] } => ({
    code: EXIT[kind],
    lines: [`error: ${message}`, ...(fix ? [`fix: ${fix}`] : [])],
  });
  if (e instanceof CliError) return out(e.kind, e.message, e.fix);
  if (e instanceof BackendUnavailableError) return out('usage', e.message, 'use --backend wasm or --backend cpu');
  if (e instanceof DatasetUnavailableError || e instanceof MnistUnavailableError)
    return out('data', e.message, 'point --data at the folder, or use --dataset mnist-package (bundled)');
  if (e instanceof IdxFormatError) return out('data', e.message, 'the file is damaged or not an IDX file: reinstall or download it again');
  if (e instanceof CheckpointError)
    return out(
      'checkpoint',
      e.message,
      e.reason === 'io'
        ? 'check the path given to --resume (or --out with --eval-only)'
        : 'this file cannot be used: resume from another checkpoint, or start afresh with another --out',
    );
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split('\n')[0] ?? '';
  if (e instanceof SpikefnArgumentError) return out('usage', first, 'see `pnpm start -- --help`');
  const memory = /memory access out of bounds|out of memory|Array buffer allocation failed|Invalid typed array length/i.test(message);
  return out(
    'internal',
    `${first.length > 300 ? `${first.slice(0, 300)}…` : first}${memory ? ' (the backend ran out of memory)' : ''}`,
    memory
      ? 'use fewer --time-steps, a smaller --batch-size or fewer --channels'
      : 'this is a bug in spikefn or the example: please report it with the command line (SPIKEFN_DEBUG=1 prints the stack)',
  );
}
