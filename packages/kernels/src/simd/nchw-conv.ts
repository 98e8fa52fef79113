/**
 * What the in-place NCHW convolution kernels (./conv-forward.ts, ./conv-filter.ts, ./conv-sparse.ts) share: their geometry and how a call
 * is cut into parts of whole images for the kernel threads. The parts depend on the shapes only, so a call's result
 * does not depend on the thread count.
 *
 * @module
 */
import { runBlocks } from './blocks.js';
import type { SimdExports } from './module.js';
import type { PoolExport } from './pool.js';

/**
 * A stride-1, dilation-1, one-group convolution: x [N, C, H, W], weights [O, C, kh, kw], padding ph, pw, and
 * y (or dy) [N, O, OH, OW] with OH = H + 2·ph − kh + 1, OW = W + 2·pw − kw + 1.
 */
export type NchwConvGeometry = {
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

/** Floats of x and y per part (about 256 KiB: a part's images stay in a core's L2). */
const PART_FLOATS = 65536;

/** Images per part for `g` (at least 1). */
const imagesPerPart = (g: NchwConvGeometry): number => Math.max(1, Math.floor(PART_FLOATS / (g.C * g.H * g.W + g.O * g.OH * g.OW)));

/**
 * Patch sizes C·kh·kw up to which the dense in-place forward (./conv-forward.ts) and filter gradient take a call
 * whatever x holds: they beat XNNPACK there (the spiking CNN's 1 → 32 input layer, patch 9), and the event-driven
 * forms (./conv-sparse.ts), whose cost per output pixel does not shrink with the patch, were measured 2–3× slower than
 * them on that layer at 15–50 % nonzero.
 */
export const SMALL_PATCH = 16;

/**
 * Runs the export `fn` over g's N images in parts of {@link imagesPerPart} consecutive images (./blocks.ts):
 * `put(n0, nb, slot)` gives the arguments of the part of images n0 … n0 + nb − 1 run in `slot`; `take(slot)`, called in
 * part order, collects what that part left in its slot.
 */
export function runImageParts(
  m: SimdExports,
  g: NchwConvGeometry,
  fn: PoolExport,
  put: (n0: number, nb: number, slot: number) => number[],
  take?: (slot: number) => void,
): void {
  runBlocks(m, g.N, imagesPerPart(g), fn, put, take);
}
