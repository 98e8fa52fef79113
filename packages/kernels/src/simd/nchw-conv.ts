/**
 * What the in-place NCHW convolution kernels (./conv-forward.ts, ./conv-filter.ts) share: their geometry and how a call
 * is cut into parts of whole images for the kernel threads. The parts depend on the shapes only, so a call's result
 * does not depend on the thread count.
 *
 * @module
 */

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
export const imagesPerPart = (g: NchwConvGeometry): number => Math.max(1, Math.floor(PART_FLOATS / (g.C * g.H * g.W + g.O * g.OH * g.OW)));
