/**
 * The browser build of ./pool.ts (the package's `browser` field maps one to the other): a page's main thread cannot
 * `Atomics.wait` for workers, so there are no kernel threads in a browser and a call runs its parts in turn on this
 * thread; the worker machinery stays out of browser bundles. The same exports as ./pool.ts.
 *
 * @module
 */
import type { SimdExports } from './module.js';
import type { KernelPool, PoolExport } from './pool.js';

/** As ./pool.ts. */
export const MAX_SLOTS = 16;
/** As ./pool.ts. */
export const MAX_PARTS = 1 << 19;

/** No kernel threads here. */
export const poolSupported = (): boolean => false;

/** No kernel threads here. */
export const startPool = (): KernelPool | null => null;

/** Runs the parts in turn: put, run, take (./pool.ts `runParts` without a pool). */
export function runParts(
  m: SimdExports,
  _pool: KernelPool | null,
  fn: PoolExport,
  parts: number,
  _slots: number,
  put: (k: number, slot: number) => number[],
  take: (k: number, slot: number, result: number) => void,
): void {
  const run = m[fn] as (...args: number[]) => number | undefined;
  for (let k = 0; k < parts; k++) take(k, 0, run(...put(k, 0)) ?? 0);
}
