/**
 * A progress bar for training epochs, written here (about 80 lines) rather than taken from a dependency: it needs
 * to degrade to plain lines when stdout is not a terminal (CI logs, `| tee`), to take an injectable clock and stream
 * for tests, and nothing else.
 *
 * On a terminal: one line redrawn in place,
 *   `epoch 1/3 [=========>          ] 3200/8000  loss 0.3120  acc 0.9012  212 samples/s  ETA 0:22`
 * elsewhere: the same line printed at every `plainEvery` fraction (default 25 %) and at the end.
 *
 * @category progress
 */

/** Where the bar writes: `process.stdout` or anything with `write` (and `isTTY`, `columns`). @category progress */
export type ProgressStream = {
  /** Writes a string as it is (no newline added). */
  write(s: string): unknown;
  /** Whether it is a terminal; the default for {@link ProgressOptions.tty}. */
  readonly isTTY?: boolean;
  /** The terminal width; a redrawn line is cut to `columns - 1` characters (default 160). */
  readonly columns?: number;
};

/** Metrics shown after the counts. @category progress */
export type ProgressMetrics = Readonly<Record<string, number>>;

/** Options of {@link progressBar}. @category progress */
export type ProgressOptions = {
  /** The number of samples at 100 %. */
  readonly total: number;
  /** The text before the bar, e.g. `'epoch 1/3'`. */
  readonly label: string;
  /** Where to write. Default `process.stdout`. */
  readonly stream?: ProgressStream;
  /** Redraw in place (default: `stream.isTTY`). */
  readonly tty?: boolean;
  /** The bar's width in characters. Default 24. */
  readonly width?: number;
  /** Without a terminal, print a line each time this fraction of `total` is passed. Default 0.25. */
  readonly plainEvery?: number;
  /** The clock in milliseconds, for rates and ETA. Default `performance.now`. */
  readonly now?: () => number;
};

/** A progress bar: `update(done, metrics)` as work completes, `finish(metrics)` once. @category progress */
export type ProgressBar = {
  /** Reports `done` samples so far (redraws the line, or prints it at each `plainEvery` step). */
  update(done: number, metrics?: ProgressMetrics): void;
  /** Prints the final line (at `total`, with the elapsed time) and returns it. */
  finish(metrics?: ProgressMetrics): string;
};

/** `m:ss` (or `h:mm:ss`). @category progress */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const showMetrics = (m: ProgressMetrics): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4)}`)
    .join('  ');

/** A progress bar over `total` samples. @category progress */
export function progressBar(options: ProgressOptions): ProgressBar {
  const stream = options.stream ?? process.stdout;
  const tty = options.tty ?? stream.isTTY === true;
  const width = options.width ?? 24;
  const now = options.now ?? (() => performance.now());
  const plainEvery = options.plainEvery ?? 0.25;
  const start = now();
  let nextPlain = plainEvery;
  let last = '';
  const line = (done: number, metrics: ProgressMetrics, final: boolean): string => {
    const frac = options.total > 0 ? Math.min(1, done / options.total) : 1;
    const secs = (now() - start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const filled = Math.round(frac * width);
    const bar = '='.repeat(Math.max(0, filled - (frac < 1 ? 1 : 0))) + (frac < 1 ? '>' : '') + ' '.repeat(width - filled);
    const eta = final ? `took ${formatDuration(secs)}` : `ETA ${rate > 0 ? formatDuration((options.total - done) / rate) : '?'}`;
    const m = showMetrics(metrics);
    return `${options.label} [${bar}] ${done}/${options.total}${m ? `  ${m}` : ''}  ${rate.toFixed(1)} samples/s  ${eta}`;
  };
  return {
    update(done, metrics = {}) {
      last = line(done, metrics, false);
      if (tty) {
        const cols = stream.columns ?? 160;
        stream.write(`\r${last.slice(0, cols - 1)}\x1b[K`);
      } else if (options.total > 0 && done / options.total >= nextPlain && done < options.total) {
        stream.write(`${last}\n`);
        while (done / options.total >= nextPlain) nextPlain += plainEvery;
      }
    },
    finish(metrics = {}) {
      last = line(options.total, metrics, true);
      stream.write(tty ? `\r${last}\x1b[K\n` : `${last}\n`);
      return last;
    },
  };
}
