/**
 * Batched float32 matrix products in place over tfjs's wasm heap: assembly/matmul.ts runs on the tensors themselves
 * (no copies), in parts split between the kernel threads (./pool.ts). A part is a group of whole products where one
 * is small, else a band of output rows or columns (along the longer side of C) of one product, about
 * {@link PART_MACS} multiply-adds either way. Parts split C, never K, and every element of C is summed in the same
 * order whatever block or part it falls in, so the output does not depend on the split or on the threads.
 *
 * @module
 */
import type { SimdExports } from './module.js';
import { simdPool } from './module.js';
import { MAX_PARTS, MAX_SLOTS, runParts } from './pool.js';

/** Multiply-adds per part (about 0.1 ms on one core): a product of the linear layer 1568 → 10 at 256 rows makes 16. */
const PART_MACS = 1 << 18;

/** Calls of {@link batchMatMulInPlace} so far (tests check that the in-place path ran). */
export const batchMatMulInPlaceCalls = { count: 0 };

/** One batched product: `nb` products C [M, N] = op(A) [M, K] · op(B) [K, N]. */
export type MatMulShape = {
  /** Products. */
  readonly nb: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** A is stored [K, M] (else [M, K]). */
  readonly transposeA: boolean;
  /** B is stored [N, K] (else [K, N]). */
  readonly transposeB: boolean;
  /** A and B broadcast over the batch (one matrix for every product). */
  readonly broadcastA: boolean;
  readonly broadcastB: boolean;
};

/** How {@link batchMatMulInPlace} splits a call: products per part, or bands of rows or columns of one product. */
export type MatMulParts = {
  /** Products per part (1 where a product is split into bands). */
  readonly matrices: number;
  /** Whether bands run along the rows of C (else its columns). */
  readonly rows: boolean;
  /** Rows or columns per band (the whole side where products are grouped). */
  readonly band: number;
  /** Bands per product. */
  readonly bands: number;
  /** Parts in all. */
  readonly parts: number;
};

/** The parts of a call (every size ≥ 1). */
export function matMulParts(s: MatMulShape): MatMulParts {
  const work = s.M * s.N * s.K;
  const rows = s.M >= s.N;
  const side = rows ? s.M : s.N;
  if (work <= PART_MACS) {
    // (never more parts than the pool can count)
    const matrices = Math.max(1, Math.floor(PART_MACS / work), Math.ceil(s.nb / MAX_PARTS));
    return { matrices, rows, band: side, bands: 1, parts: Math.ceil(s.nb / matrices) };
  }
  // bands a multiple of the kernels' blocks (8 rows, 16 columns) where the side allows
  const grain = rows ? 8 : 16;
  const want = Math.ceil(work / PART_MACS);
  const band = Math.min(side, Math.max(grain, Math.ceil(side / want / grain) * grain));
  const bands = Math.ceil(side / band);
  return { matrices: 1, rows, band, bands, parts: s.nb * bands };
}

/**
 * C = op(A)·op(B) for the products of `s`: `a`, `b` and `c` are byte addresses of float32 tensors in the memory `m`
 * runs over (tfjs's heap); C does not overlap A or B.
 */
export function batchMatMulInPlace(m: SimdExports, a: number, b: number, c: number, s: MatMulShape): void {
  batchMatMulInPlaceCalls.count += 1;
  const p = matMulParts(s);
  const pool = p.parts > 1 ? simdPool(m) : null;
  const strideA = s.broadcastA ? 0 : s.M * s.K * 4;
  const strideB = s.broadcastB ? 0 : s.K * s.N * 4;
  const strideC = s.M * s.N * 4;
  runParts(
    m,
    pool,
    'batchMatMul',
    p.parts,
    pool === null ? 1 : Math.min(p.parts, MAX_SLOTS),
    (k) => {
      const n0 = Math.floor(k / p.bands) * p.matrices;
      const lo = (k % p.bands) * p.band;
      const hi = Math.min(p.rows ? s.M : s.N, lo + p.band);
      const [i0, i1, j0, j1] = p.rows ? [lo, hi, 0, s.N] : [0, s.M, lo, hi];
      return [
        s.transposeA ? 1 : 0,
        s.transposeB ? 1 : 0,
        a + n0 * strideA,
        b + n0 * strideB,
        c + n0 * strideC,
        Math.min(p.matrices, s.nb - n0),
        strideA,
        strideB,
        s.M,
        s.N,
        s.K,
        i0,
        i1,
        j0,
        j1,
      ];
    },
    () => undefined,
  );
}
