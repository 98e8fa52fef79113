/**
 * Warnings: a legitimate but suspicious choice (a decay that float32 cannot see, a soft reset with a threshold ≤ 0)
 * is reported through one replaceable hook instead of an error. The default handler prints each distinct message
 * once with `console.warn`; {@link setWarningHandler} replaces it (collect warnings in tests, turn them into errors
 * in CI, or silence them), in the spirit of Python's `warnings.showwarning`.
 *
 * @category errors
 */

/** A warning: what was suspicious, where, and why. @category errors */
export type SpikefnWarning = {
  /** A stable identifier, e.g. `'decay-invisible'`, for filtering. */
  readonly code: string;
  /** The function or constructor that warned, e.g. `'lifNode'`. */
  readonly fn: string;
  /** The argument concerned, e.g. `'config.tau'`. */
  readonly argument: string;
  /** The full message: `fn: argument 'name' …`. */
  readonly message: string;
};

/** Receives warnings. @category errors */
export type WarningHandler = (warning: SpikefnWarning) => void;

const seen = new Set<string>();
const defaultHandler: WarningHandler = (w) => {
  if (seen.has(w.message)) return;
  seen.add(w.message);
  console.warn(`spikefn warning (${w.code}): ${w.message}`);
};
let handler: WarningHandler = defaultHandler;

/**
 * Replaces the warning handler; `null` restores the default (each distinct message once on `console.warn`).
 * Returns the handler that was installed, so a test can put it back.
 *
 * @category errors
 */
export function setWarningHandler(next: WarningHandler | null): WarningHandler {
  const previous = handler;
  handler = next ?? defaultHandler;
  return previous;
}

/**
 * Reports a warning through the installed handler: `fn: argument 'argument' detail`. Used by spikefn's
 * constructors; layers of your own may use it too.
 *
 * @category errors
 */
export function warn(code: string, fn: string, argument: string, detail: string): void {
  handler({ code, fn, argument, message: `${fn}: argument '${argument}' ${detail}` });
}
