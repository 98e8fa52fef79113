/**
 * The stride-1 conv filter gradient from NCHW x and NCHW dy in place over tfjs's wasm heap: assembly/conv-filter.ts
 * runs on the tensors themselves (no copies, no im2col), in parts of consecutive images split between the kernel
 * threads (./pool.ts). Each part adds its images' sums to its slot's own f64 array [O, C, kh, kw] (zeroed before the
 * part runs), and the slots are added to the totals in part order; the parts depend only on the shapes, so the result
 * does not depend on the thread count, bit for bit (as BatchNorm's sums, ./batch-norm.ts).
 *
 * @module
 */
import type { SimdExports } from './module.js';
import { simdPool } from './module.js';
import { MAX_SLOTS, runParts } from './pool.js';

/** Floats of x and dy per part (about 256 KiB: a part's images stay in a core's L2). */
const PART_FLOATS = 65536;

/** The shapes of a stride-1 filter gradient: x [N, C, H, W], dy [N, O, OH, OW], kernel kh × kw, padding ph, pw. */
export type FilterGradGeometry = {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly OH: number;
  readonly OW: number;
  readonly kh: number;
  readonly kw: number;
  readonly ph: number;
  readonly pw: number;
};

/** Calls of {@link convFilterGradInPlace} so far (tests check that the in-place path ran). */
export const convFilterGradInPlaceCalls = { count: 0 };

/** Images per part for `g` (at least 1): depends on the shapes only. */
export const imagesPerPart = (g: FilterGradGeometry): number =>
  Math.max(1, Math.floor(PART_FLOATS / (g.C * g.H * g.W + g.O * g.OH * g.OW)));

/** Floats of one zero-padded image and the 3 the kernel may read past it, rounded up to a multiple of 4. */
const paddedFloats = (g: FilterGradGeometry): number => (g.C * (g.H + 2 * g.ph) * (g.W + 2 * g.pw) + 3 + 3) & ~3;

/**
 * Floats of heap scratch {@link convFilterGradInPlace} needs: per slot one f64 array [O, C, kh, kw] and one
 * zero-padded image, and 4 to align to 16 bytes.
 */
export const filterGradScratchFloats = (g: FilterGradGeometry): number => MAX_SLOTS * (2 * g.O * g.C * g.kh * g.kw + paddedFloats(g)) + 4;

/**
 * `dw[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]` as doubles (`dw` is overwritten;
 * length O·C·kh·kw): `x`, `dy` and `scratch` are byte addresses in the memory `m` runs over (tfjs's heap), `scratch`
 * with {@link filterGradScratchFloats} floats.
 */
export function convFilterGradInPlace(
  m: SimdExports,
  g: FilterGradGeometry,
  x: number,
  dy: number,
  scratch: number,
  dw: Float64Array,
): void {
  convFilterGradInPlaceCalls.count += 1;
  const per = imagesPerPart(g);
  const parts = Math.ceil(g.N / per);
  const pool = parts > 1 ? simdPool(m) : null;
  const len = g.O * g.C * g.kh * g.kw;
  const base = (scratch + 15) & ~15;
  const slotAt = (slot: number): number => base + slot * 8 * len;
  const padAt = (slot: number): number => base + MAX_SLOTS * 8 * len + slot * 4 * paddedFloats(g);
  const view = (slot: number): Float64Array => new Float64Array(m.memory.buffer, slotAt(slot), len);
  dw.fill(0);
  runParts(
    m,
    pool,
    'convFilterGrad',
    parts,
    pool === null ? 1 : Math.min(parts, MAX_SLOTS),
    (k, slot) => {
      view(slot).fill(0);
      const n0 = k * per;
      return [
        x + n0 * g.C * g.H * g.W * 4,
        dy + n0 * g.O * g.OH * g.OW * 4,
        slotAt(slot),
        padAt(slot),
        Math.min(per, g.N - n0),
        g.C,
        g.H,
        g.W,
        g.O,
        g.OH,
        g.OW,
        g.kh,
        g.kw,
        g.ph,
        g.pw,
      ];
    },
    (_k, slot) => {
      const part = view(slot);
      for (let i = 0; i < len; i++) dw[i] = (dw[i] as number) + (part[i] as number);
    },
  );
}
