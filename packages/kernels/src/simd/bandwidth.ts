/**
 * This machine's memory bandwidth as WebAssembly sees it: STREAM-style copy (a[i] = b[i]) and triad
 * (a[i] = b[i] + s·c[i]) loops over f32x4 (assembly/bandwidth.ts) on arrays much larger than the caches. The floor of
 * a memory-bound kernel is the bytes it moves over this bandwidth (docs/performance.md: the LIF forward + backward
 * moves about 28 bytes per neuron-step).
 *
 * @module
 */
import { simdBase, simdHeap, simdModule } from './module.js';

/** Options of {@link measureBandwidth}. */
export type BandwidthOptions = {
  /** Bytes of each array (rounded down to a multiple of 64); default 64 MiB. */
  readonly bytes?: number;
  /** Timed runs of each loop (the best counts); default 5. */
  readonly repeats?: number;
};

/** What {@link measureBandwidth} measured: GB/s (1e9 bytes per second) counting every byte read and written. */
export type Bandwidth = {
  /** Bytes of each array. */
  readonly bytes: number;
  /** Copy: 2 × bytes per run (one read, one write). */
  readonly copyGbPerSecond: number;
  /** Triad: 3 × bytes per run (two reads, one write). */
  readonly triadGbPerSecond: number;
};

/**
 * Measures copy and triad bandwidth in the SIMD module's memory (best of `repeats` runs after one warm-up), or
 * returns `null` where WebAssembly SIMD is not available. The module's memory keeps the 3 arrays' size afterwards.
 */
export function measureBandwidth(options: BandwidthOptions = {}): Bandwidth | null {
  const bytes = options.bytes ?? 64 * 2 ** 20;
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(bytes) || bytes < 64 || bytes > 2 ** 29)
    throw new Error(`measureBandwidth: options.bytes expected an integer in [64, 2^29], got ${String(bytes)}`);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`measureBandwidth: options.repeats expected an integer >= 1, got ${String(repeats)}`);
  const m = simdModule();
  if (m === null) return null;
  const n = Math.floor(bytes / 64) * 16;
  const heap = simdHeap(m, 3 * n);
  const base = simdBase(m);
  const [a, b, c] = [base, base + n, base + 2 * n];
  heap.fill(1, b, b + n);
  heap.fill(2, c, c + n);
  const best = (f: () => void): number => {
    f();
    let t = Number.POSITIVE_INFINITY;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      f();
      t = Math.min(t, performance.now() - t0);
    }
    return t / 1000;
  };
  const copy = best(() => m.copy(a * 4, b * 4, n));
  const triad = best(() => m.triad(a * 4, b * 4, c * 4, 3, n));
  return { bytes: n * 4, copyGbPerSecond: (2 * n * 4) / copy / 1e9, triadGbPerSecond: (3 * n * 4) / triad / 1e9 };
}
