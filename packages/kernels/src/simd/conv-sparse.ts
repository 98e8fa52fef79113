/**
 * The event-driven (sparse-input) stride-1 conv forward and filter gradient in place over tfjs's wasm heap
 * (assembly/conv-sparse.ts): work in proportion to x's nonzeros, in parts of consecutive images split between the
 * kernel threads (./pool.ts), as the dense kernels (./conv-forward.ts, ./conv-filter.ts). The parts depend on the
 * shapes only, and the filter gradient's slots are added in part order, so results do not depend on the thread count.
 *
 * Which form runs is the caller's choice ({@link takesSparse}): the spiking CNN's 32 → 32 convolution sees spikes
 * max-pooled from a LIF layer, ~18 % nonzero at initialisation, where the sparse forms do a fifth of the dense work.
 *
 * @module
 */
import { kernelTuning } from '../tuning.js';
import type { SimdExports } from './module.js';
import { type NchwConvGeometry, runImageParts, SMALL_PATCH } from './nchw-conv.js';
import { MAX_SLOTS } from './pool.js';

/** Calls of {@link convForwardSparseInPlace} and {@link convFilterGradSparseInPlace} so far (tests check which path ran). */
export const convSparseCalls = { forward: 0, filterGrad: 0 };

/** n rounded up to a multiple of 4 (16-byte aligned sections of scratch). */
const up4 = (n: number): number => (n + 3) & ~3;
/** O rounded up to 32 (the lanes of the channels-innermost layouts: the kernels sum 32 channels at a time). */
const lanes = (g: NchwConvGeometry): number => (g.O + 31) & ~31;
/** Floats of the taps [C, kh, kw, Op]. */
const tapFloats = (g: NchwConvGeometry): number => g.C * g.kh * g.kw * lanes(g);
/** The last arguments of both exports: nb, C, H, W, O, Op, kh, kw, ph, pw. */
const shapeArgs = (g: NchwConvGeometry, nb: number): number[] => [nb, g.C, g.H, g.W, g.O, lanes(g), g.kh, g.kw, g.ph, g.pw];

/**
 * Whether the sparse forms take a call of geometry `g` with x at byte `x`: patches C·kh·kw larger than
 * {@link SMALL_PATCH}, more than 16 output channels (they sum 32 at a time), x's nonzeros (NaN included) at most
 * `kernelTuning.sparseConvMaxDensity` of its floats, and `others` (the forward's weights, the gradient's dy, `count`
 * floats at byte `others`) all finite (a skipped x = 0 drops the terms 0·w; with an infinite or NaN w or dy those are
 * NaN, which the dense kernels keep).
 */
export function takesSparse(m: SimdExports, g: NchwConvGeometry, x: number, others: number, count: number): boolean {
  const n = g.N * g.C * g.H * g.W;
  if (g.C * g.kh * g.kw <= SMALL_PATCH || g.O <= 16 || m.countNonzero(x, n) > kernelTuning.sparseConvMaxDensity * n) return false;
  return m.allFinite(others, count) === 1;
}

/** Per slot: x's image with the channels innermost, the pixels' list starts, the list, one output row [OW, Op], a pixel's taps. */
const forwardSlot = (g: NchwConvGeometry): { xt: number; starts: number; list: number; row: number; taps: number; floats: number } => {
  const xt = 0;
  const starts = xt + up4(g.C * g.H * g.W);
  const list = starts + up4(g.H * g.W + 1);
  const row = list + up4(2 * g.C * g.H * g.W);
  const taps = row + g.OW * lanes(g);
  return { xt, starts, list, row, taps, floats: taps + up4(3 * g.kh * g.kw) };
};

/** Floats of heap scratch {@link convForwardSparseInPlace} needs: the packed weights, a slot's scratch per slot, 4 to align. */
export const convForwardSparseScratchFloats = (g: NchwConvGeometry): number => tapFloats(g) + MAX_SLOTS * forwardSlot(g).floats + 4;

/**
 * The forward (assembly/conv-sparse.ts `convForwardSparse`): `x`, `y`, `scratch` are byte addresses in the memory `m`
 * runs over; `w` the weights [O, C, kh, kw] (packed here into the scratch's channels-innermost layout), `scratch`
 * with {@link convForwardSparseScratchFloats} floats; every float of y [N, O, OH, OW] is written.
 */
export function convForwardSparseInPlace(
  m: SimdExports,
  g: NchwConvGeometry,
  x: number,
  w: Float32Array,
  y: number,
  scratch: number,
): void {
  convSparseCalls.forward += 1;
  const { C, O, kh, kw } = g;
  const Op = lanes(g);
  const base = (scratch + 15) & ~15;
  const wp = new Float32Array(m.memory.buffer, base, tapFloats(g)).fill(0);
  for (let o = 0; o < O; o++) for (let k = 0; k < C * kh * kw; k++) wp[k * Op + o] = w[o * C * kh * kw + k] as number;
  const slot = forwardSlot(g);
  const at = (s: number, offset: number): number => base + 4 * (tapFloats(g) + s * slot.floats + offset);
  runImageParts(m, g, 'convForwardSparse', (n0, nb, s) => {
    const images = [x + n0 * C * g.H * g.W * 4, base, y + n0 * O * g.OH * g.OW * 4];
    return [...images, at(s, slot.xt), at(s, slot.starts), at(s, slot.list), at(s, slot.row), at(s, slot.taps), ...shapeArgs(g, nb)];
  });
}

/** Per slot: f64 and float32 taps, the padded dy plane (H + kh − 1) × (W + kw − 1) × Op, one channel's list, one tap. */
const gradSlot = (g: NchwConvGeometry): { sums: number; dwr: number; dyp: number; list: number; tap: number; floats: number } => {
  const sums = 0;
  const dwr = sums + 2 * tapFloats(g);
  const dyp = dwr + tapFloats(g);
  const list = dyp + (g.H + g.kh - 1) * (g.W + g.kw - 1) * lanes(g);
  const tap = list + up4(2 * g.H * g.W);
  return { sums, dwr, dyp, list, tap, floats: tap + 4 };
};

/** Floats of heap scratch {@link convFilterGradSparseInPlace} needs: a slot's scratch per slot, 4 to align. */
export const convFilterGradSparseScratchFloats = (g: NchwConvGeometry): number => MAX_SLOTS * gradSlot(g).floats + 4;

/**
 * `dw[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]` as doubles (`dw` overwritten, length
 * O·C·kh·kw) by assembly/conv-sparse.ts `convFilterGradSparse`: `x`, `dy`, `scratch` are byte addresses in the memory
 * `m` runs over, `scratch` with {@link convFilterGradSparseScratchFloats} floats.
 */
export function convFilterGradSparseInPlace(
  m: SimdExports,
  g: NchwConvGeometry,
  x: number,
  dy: number,
  scratch: number,
  dw: Float64Array,
): void {
  convSparseCalls.filterGrad += 1;
  const { C, O, kh, kw } = g;
  const Op = lanes(g);
  const taps = tapFloats(g);
  const base = (scratch + 15) & ~15;
  const slot = gradSlot(g);
  const at = (s: number, offset: number): number => base + 4 * (s * slot.floats + offset);
  const sums = (s: number): Float64Array => new Float64Array(m.memory.buffer, at(s, slot.sums), taps);
  const total = new Float64Array(taps);
  runImageParts(
    m,
    g,
    'convFilterGradSparse',
    (n0, nb, s) => {
      sums(s).fill(0);
      const images = [x + n0 * C * g.H * g.W * 4, dy + n0 * O * g.OH * g.OW * 4];
      return [...images, at(s, slot.sums), at(s, slot.dyp), at(s, slot.dwr), at(s, slot.list), at(s, slot.tap), ...shapeArgs(g, nb)];
    },
    (s) => {
      const part = sums(s);
      for (let i = 0; i < taps; i++) total[i] = (total[i] as number) + (part[i] as number);
    },
  );
  for (let o = 0; o < O; o++) for (let k = 0; k < C * kh * kw; k++) dw[o * C * kh * kw + k] = total[k * Op + o] as number;
}
