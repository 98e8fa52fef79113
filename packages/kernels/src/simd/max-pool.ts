import { runBlocks } from './blocks.js';
import type { SimdExports } from './module.js';
import type { PoolExport } from './pool.js';

/** Input floats per part (256 KiB): [8192, 28, 28, 1] runs in 99 parts of 83 images. */
const PART_FLOATS = 65536;

/** The geometry of a one-channel 2×2 / stride 2 pool: N images of H×W (H, W ≥ 1). */
export type MaxPool2x2Geometry = { readonly N: number; readonly H: number; readonly W: number };

/** Calls run in place so far (tests check that the in-place path ran). */
export const maxPoolInPlaceCalls = { forward: 0, backward: 0 };

/** Runs `fn` over parts of whole images; `args(n0, nb)` gives the export's arguments for images n0 … n0 + nb − 1. */
function runImages(m: SimdExports, g: MaxPool2x2Geometry, fn: PoolExport, args: (n0: number, nb: number) => number[]): void {
  if (g.N === 0 || g.H === 0 || g.W === 0) return;
  runBlocks(m, g.N, Math.min(g.N, Math.max(1, Math.floor(PART_FLOATS / (g.H * g.W)))), fn, args);
}

/** Forward in place: `y` [N, ⌊H/2⌋, ⌊W/2⌋] from `x` [N, H, W] (byte addresses on `m`'s memory). */
export function maxPool2x2InPlace(m: SimdExports, g: MaxPool2x2Geometry, x: number, y: number): void {
  maxPoolInPlaceCalls.forward += 1;
  const inBytes = g.H * g.W * 4;
  const outBytes = (g.H >> 1) * (g.W >> 1) * 4;
  runImages(m, g, 'maxPool2x2', (n0, nb) => [x + n0 * inBytes, y + n0 * outBytes, nb, g.H, g.W]);
}

/** Gradient in place: every element of `dx` [N, H, W] from `x` [N, H, W] and `dy` [N, ⌊H/2⌋, ⌊W/2⌋] (byte addresses). */
export function maxPoolGrad2x2InPlace(m: SimdExports, g: MaxPool2x2Geometry, x: number, dy: number, dx: number): void {
  maxPoolInPlaceCalls.backward += 1;
  const inBytes = g.H * g.W * 4;
  const outBytes = (g.H >> 1) * (g.W >> 1) * 4;
  runImages(m, g, 'maxPoolGrad2x2', (n0, nb) => [x + n0 * inBytes, dy + n0 * outBytes, dx + n0 * inBytes, nb, g.H, g.W]);
}
