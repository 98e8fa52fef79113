/**
 * The batched 2-D transpose in place over tfjs's wasm heap: assembly/transpose.ts runs on the tensors themselves (no
 * copies), in parts split between the kernel threads (./pool.ts). A part is a group of whole matrices where a matrix
 * is small, else a band of output rows (input columns) of one matrix, about {@link PART_FLOATS} floats either way.
 * Every element is copied by exactly one part, so the output does not depend on the split or on the threads.
 *
 * @module
 */
import type { SimdExports } from './module.js';
import { simdPool } from './module.js';
import { MAX_SLOTS, runParts } from './pool.js';

/** Floats per part (256 KiB read and 256 KiB written: one part's matrices stay in a core's L2). */
const PART_FLOATS = 65536;

/** Calls of {@link transposeInPlace} so far (tests check that the in-place path ran). */
export const transposeInPlaceCalls = { count: 0 };

/** How {@link transposeInPlace} splits [B, R, C]: matrices per part, or output rows per part of one matrix. */
export type TransposeParts = {
  /** Matrices per part (1 where a matrix is split into bands). */
  readonly matrices: number;
  /** Output rows (input columns) per band: C where whole matrices go to a part, else a multiple of 4. */
  readonly band: number;
  /** Bands per matrix. */
  readonly bands: number;
  /** Parts in all. */
  readonly parts: number;
};

/** The parts of a transpose of B matrices [R, C] (B, R, C ≥ 1). */
export function transposeParts(B: number, R: number, C: number): TransposeParts {
  if (R * C <= PART_FLOATS) {
    const matrices = Math.max(1, Math.floor(PART_FLOATS / (R * C)));
    return { matrices, band: C, bands: 1, parts: Math.ceil(B / matrices) };
  }
  const band = Math.min(C, Math.max(4, Math.floor(PART_FLOATS / R) & ~3));
  const bands = Math.ceil(C / band);
  return { matrices: 1, band, bands, parts: B * bands };
}

/**
 * `dst[b, c, r] = src[b, r, c]` for B matrices [R, C]: `src` and `dst` are byte addresses of float32 tensors in the
 * memory `m` runs over (tfjs's heap), not overlapping.
 */
export function transposeInPlace(m: SimdExports, src: number, dst: number, B: number, R: number, C: number): void {
  transposeInPlaceCalls.count += 1;
  const p = transposeParts(B, R, C);
  const pool = p.parts > 1 ? simdPool(m) : null;
  const bytes = R * C * 4;
  runParts(
    m,
    pool,
    'transposeBatched',
    p.parts,
    pool === null ? 1 : Math.min(p.parts, MAX_SLOTS),
    (k) => {
      const b0 = Math.floor(k / p.bands) * p.matrices;
      const c0 = (k % p.bands) * p.band;
      return [src + b0 * bytes, dst + b0 * bytes, Math.min(p.matrices, B - b0), R, C, c0, Math.min(C, c0 + p.band)];
    },
    () => undefined,
  );
}
