/**
 * Running one export of the kernels module over N items (images) in blocks of consecutive ones, on the kernel threads
 * where there is more than one block (./pool.ts). The blocks depend on N and the block size only, so a result does not
 * depend on the thread count.
 *
 * @module
 */
import type { SimdExports } from './module.js';
import { simdPool } from './module.js';
import { MAX_SLOTS, type PoolExport, runParts } from './pool.js';

/**
 * Runs `fn` over `count` items in blocks of `per`: `put(i0, n, slot)` gives the arguments of the block of items
 * i0 … i0 + n − 1 run in `slot`; `take(slot)`, called in block order, collects what that block left in its slot.
 */
export function runBlocks(
  m: SimdExports,
  count: number,
  per: number,
  fn: PoolExport,
  put: (i0: number, n: number, slot: number) => number[],
  take: (slot: number) => void = () => {},
): void {
  const parts = Math.ceil(count / per);
  const pool = parts > 1 ? simdPool(m) : null;
  runParts(
    m,
    pool,
    fn,
    parts,
    pool === null ? 1 : Math.min(parts, MAX_SLOTS),
    (k, slot) => put(k * per, Math.min(per, count - k * per), slot),
    (_k, slot) => take(slot),
  );
}
