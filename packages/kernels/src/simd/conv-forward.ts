/**
 * The stride-1 conv forward from NCHW x and weights [O, C, kh, kw] into NCHW y in place over tfjs's wasm heap:
 * assembly/conv-forward.ts runs on the tensors themselves (no copies, no im2col, no transposes), in parts of
 * consecutive images split between the kernel threads (./pool.ts). Each part writes only its own images' outputs,
 * and every output is the same float32 sum whichever thread runs it, so the result does not depend on the thread
 * count, bit for bit.
 *
 * @module
 */
import type { SimdExports } from './module.js';
import { type NchwConvGeometry, runImageParts } from './nchw-conv.js';
import { MAX_SLOTS } from './pool.js';

/** Calls of {@link convForwardInPlace} so far (tests check that the in-place path ran). */
export const convForwardInPlaceCalls = { count: 0 };

/** Floats of one zero-padded image, rounded up to a multiple of 4 (16-byte aligned slots). */
const paddedFloats = (g: NchwConvGeometry): number => (g.C * (g.H + 2 * g.ph) * (g.W + 2 * g.pw) + 3) & ~3;

/** Floats of heap scratch {@link convForwardInPlace} needs: one zero-padded image per slot, and 4 to align to 16 bytes. */
export const convForwardScratchFloats = (g: NchwConvGeometry): number => MAX_SLOTS * paddedFloats(g) + 4;

/**
 * `y[n, o, i, j] = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]` (0 outside x), float32 summed in the
 * order (c, u, v): `x`, `w`, `y` and `scratch` are byte addresses in the memory `m` runs over (tfjs's heap), `y` with
 * room for N·O·OH·OW floats (every one written), `scratch` with {@link convForwardScratchFloats} floats.
 */
export function convForwardInPlace(m: SimdExports, g: NchwConvGeometry, x: number, w: number, y: number, scratch: number): void {
  convForwardInPlaceCalls.count += 1;
  const base = (scratch + 15) & ~15;
  const padAt = (slot: number): number => base + slot * 4 * paddedFloats(g);
  runImageParts(m, g, 'convForward', (n0, nb, slot) => [
    x + n0 * g.C * g.H * g.W * 4,
    w,
    y + n0 * g.O * g.OH * g.OW * 4,
    padAt(slot),
    nb,
    g.C,
    g.H,
    g.W,
    g.O,
    g.kh,
    g.kw,
    g.ph,
    g.pw,
  ]);
}
