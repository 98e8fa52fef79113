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
import { type NchwConvGeometry, runImageParts } from './nchw-conv.js';
import { MAX_SLOTS } from './pool.js';

/** Calls of {@link convFilterGradInPlace} so far (tests check that the in-place path ran). */
export const convFilterGradInPlaceCalls = { count: 0 };

/**
 * The kernel's layout of one image (assembly/conv-filter.ts): the row stride S (W + pw where OW fits in it: the zeros
 * before a row pad the row above too; else W + 2·pw), L, the floats of one dy channel (OH·S rounded up to 4), and CS,
 * those of one zero-padded x channel (room for L + (kh − 1)·S + kw + 2 floats, past the farthest a register tile's
 * loads reach, rounded up to 4).
 */
const rowLayout = (g: NchwConvGeometry): { S: number; L: number; CS: number } => {
  const S = g.OW <= g.W + g.pw ? g.W + g.pw : g.W + 2 * g.pw;
  const L = (g.OH * S + 3) & ~3;
  return { S, L, CS: (L + (g.kh - 1) * S + g.kw + 2 + 3) & ~3 };
};

/** Floats of one slot's image scratch: C padded x channels and O row-strided dy channels. */
const imageFloats = (g: NchwConvGeometry): number => {
  const { L, CS } = rowLayout(g);
  return g.C * CS + g.O * L;
};

/**
 * Floats of heap scratch {@link convFilterGradInPlace} needs: per slot one f64 array [O, C, kh, kw] and one image's
 * scratch, and 4 to align to 16 bytes.
 */
export const filterGradScratchFloats = (g: NchwConvGeometry): number => MAX_SLOTS * (2 * g.O * g.C * g.kh * g.kw + imageFloats(g)) + 4;

/**
 * `dw[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]` as doubles (`dw` is overwritten;
 * length O·C·kh·kw): `x`, `dy` and `scratch` are byte addresses in the memory `m` runs over (tfjs's heap), `scratch`
 * with {@link filterGradScratchFloats} floats.
 */
export function convFilterGradInPlace(m: SimdExports, g: NchwConvGeometry, x: number, dy: number, scratch: number, dw: Float64Array): void {
  convFilterGradInPlaceCalls.count += 1;
  const len = g.O * g.C * g.kh * g.kw;
  const base = (scratch + 15) & ~15;
  const slotAt = (slot: number): number => base + slot * 8 * len;
  const { S, L, CS } = rowLayout(g);
  const xpAt = (slot: number): number => base + MAX_SLOTS * 8 * len + slot * 4 * imageFloats(g);
  const view = (slot: number): Float64Array => new Float64Array(m.memory.buffer, slotAt(slot), len);
  dw.fill(0);
  runImageParts(
    m,
    g,
    'convFilterGrad',
    (n0, nb, slot) => {
      view(slot).fill(0);
      return [
        x + n0 * g.C * g.H * g.W * 4,
        dy + n0 * g.O * g.OH * g.OW * 4,
        slotAt(slot),
        xpAt(slot),
        xpAt(slot) + 4 * g.C * CS,
        nb,
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
        S,
        L,
        CS,
      ];
    },
    (slot) => {
      const part = view(slot);
      for (let i = 0; i < len; i++) dw[i] = (dw[i] as number) + (part[i] as number);
    },
  );
}
