/**
 * Train-mode BatchNorm's passes on WebAssembly SIMD (assembly/batch-norm.ts): the host side. The same contract as the
 * JavaScript loops of ../batch-norm.ts (its header gives the equations), chunk by chunk: x (and dy), `[N, C, S]`
 * row-major, is N·C rows of S floats, row r of channel r mod C; a chunk of consecutive rows (about 256 KiB; whole
 * images where S = 1, for the kernels that run across channels) is one contiguous copy into the module's memory,
 * run there, and (for the two elementwise passes) copied out into the output array (a fresh `Float32Array`, or the
 * wasm backend's output tensor) while it is still in cache. The sums are accumulated per channel in double in the
 * module's memory across chunks and read back at the end.
 *
 * @module
 */
import { simdBase, simdHeap, type SimdExports } from './module.js';

/** x as `[N, C, S]`: N images, C channels, S values per image and channel. */
export type BatchNormGeometry = {
  /** Images (axis 0). */
  readonly N: number;
  /** Channels (axis 1). */
  readonly C: number;
  /** Values per image and channel (the product of the axes after 1). */
  readonly S: number;
};

/** Floats per chunk of rows: 256 KiB an array, so that the two chunks of the backward stay in a 1 MiB L2. */
const CHUNK_FLOATS = 65536;

const align16 = (floats: number): number => (floats + 15) & ~15;

/** Layout of one call in the module's memory (float indices): per-channel arrays, then one or two chunk buffers. */
type Layout = {
  readonly rowsPerChunk: number;
  /** Float indices of the four per-channel f32 arrays, the two f64 arrays, and the chunk buffers. */
  readonly p0: number;
  readonly p1: number;
  readonly p2: number;
  readonly p3: number;
  readonly d0: number;
  readonly d1: number;
  readonly chunk0: number;
  readonly chunk1: number;
  /** Floats used from simdBase on. */
  readonly floats: number;
};

function layout(m: SimdExports, g: BatchNormGeometry, chunks: number): Layout {
  // S = 1: whole images (the kernels run across channels), so every chunk starts at channel 0
  const rowsPerChunk =
    g.S === 1
      ? Math.min(g.N, Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(1, g.C)))) * g.C
      : Math.max(1, Math.min(g.N * g.C, Math.floor(CHUNK_FLOATS / g.S)));
  const chunk = align16(rowsPerChunk * g.S);
  const perChannel = align16(g.C);
  const base = simdBase(m);
  const p0 = base;
  const p1 = p0 + perChannel;
  const p2 = p1 + perChannel;
  const p3 = p2 + perChannel;
  const d0 = p3 + perChannel;
  const d1 = d0 + 2 * perChannel;
  const chunk0 = d1 + 2 * perChannel;
  const chunk1 = chunk0 + chunk;
  return { rowsPerChunk, p0, p1, p2, p3, d0, d1, chunk0, chunk1, floats: chunk1 + (chunks - 1) * chunk - base };
}

/** Calls `f(r0, rows, c0)` for each chunk of consecutive rows (r0: first row, c0: its channel). */
function eachChunk(g: BatchNormGeometry, rowsPerChunk: number, f: (r0: number, rows: number, c0: number) => void): void {
  const total = g.N * g.C;
  for (let r0 = 0; r0 < total; r0 += rowsPerChunk) f(r0, Math.min(rowsPerChunk, total - r0), r0 % g.C);
}

/** Zeroes two f64 arrays of C values at float indices d0, d1 and returns their views (after the heap is sized). */
function sums(m: SimdExports, L: Layout, C: number): [Float64Array, Float64Array] {
  const a = new Float64Array(m.memory.buffer, L.d0 * 4, C);
  const b = new Float64Array(m.memory.buffer, L.d1 * 4, C);
  a.fill(0);
  b.fill(0);
  return [a, b];
}

/**
 * Statistics pass: per channel c, `sum[c] = Σ (x − shift[c])` and `sumSq[c] = Σ (x − shift[c])²` over the N·S values
 * of the channel, in double (as the JavaScript loop: the same doubles, summed in another order).
 */
export function simdChannelSums(
  m: SimdExports,
  x: Float32Array,
  g: BatchNormGeometry,
  shift: Float32Array,
  sum: Float64Array,
  sumSq: Float64Array,
): void {
  const L = layout(m, g, 1);
  const heap = simdHeap(m, L.floats);
  heap.set(shift.subarray(0, g.C), L.p0);
  const [s1, s2] = sums(m, L, g.C);
  eachChunk(g, L.rowsPerChunk, (r0, rows, c0) => {
    heap.set(x.subarray(r0 * g.S, (r0 + rows) * g.S), L.chunk0);
    if (g.S === 1) m.batchNormStats1(L.chunk0 * 4, rows / g.C, g.C, L.p0 * 4, L.d0 * 4, L.d1 * 4);
    else m.batchNormStats(L.chunk0 * 4, rows, c0, g.C, g.S, L.p0 * 4, L.d0 * 4, L.d1 * 4);
  });
  sum.set(s1);
  sumSq.set(s2);
}

/** Output pass: `y = (x − mean[c])·a[c] + beta[c]` in float32 (a = γ·r, the JavaScript loop's y = x·a + b centred). */
export function simdNormalise(
  m: SimdExports,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  a: Float32Array,
  beta: Float32Array,
  y: Float32Array,
): void {
  const L = layout(m, g, 1);
  const heap = simdHeap(m, L.floats);
  heap.set(mean.subarray(0, g.C), L.p0);
  heap.set(a.subarray(0, g.C), L.p1);
  heap.set(beta.subarray(0, g.C), L.p2);
  eachChunk(g, L.rowsPerChunk, (r0, rows, c0) => {
    const o = r0 * g.S;
    const len = rows * g.S;
    heap.set(x.subarray(o, o + len), L.chunk0);
    if (g.S === 1) m.batchNormNormalise1(L.chunk0 * 4, L.chunk0 * 4, rows / g.C, g.C, L.p0 * 4, L.p1 * 4, L.p2 * 4);
    else m.batchNormNormalise(L.chunk0 * 4, L.chunk0 * 4, rows, c0, g.C, g.S, L.p0 * 4, L.p1 * 4, L.p2 * 4);
    y.set(heap.subarray(L.chunk0, L.chunk0 + len), o);
  });
}

/** Backward sums: per channel, `sumDy[c] = Σ dy` and `sumDyX[c] = Σ dy·(x − mean[c])`, in double. */
export function simdBackwardSums(
  m: SimdExports,
  dy: Float32Array,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  sumDy: Float64Array,
  sumDyX: Float64Array,
): void {
  const L = layout(m, g, 2);
  const heap = simdHeap(m, L.floats);
  heap.set(mean.subarray(0, g.C), L.p0);
  const [s1, s2] = sums(m, L, g.C);
  eachChunk(g, L.rowsPerChunk, (r0, rows, c0) => {
    const o = r0 * g.S;
    const len = rows * g.S;
    heap.set(dy.subarray(o, o + len), L.chunk0);
    heap.set(x.subarray(o, o + len), L.chunk1);
    if (g.S === 1) m.batchNormBackwardSums1(L.chunk0 * 4, L.chunk1 * 4, rows / g.C, g.C, L.p0 * 4, L.d0 * 4, L.d1 * 4);
    else m.batchNormBackwardSums(L.chunk0 * 4, L.chunk1 * 4, rows, c0, g.C, g.S, L.p0 * 4, L.d0 * 4, L.d1 * 4);
  });
  sumDy.set(s1);
  sumDyX.set(s2);
}

/**
 * Input-gradient pass: `dx = dy·a[c] + (x − mean[c])·bx[c] + k[c]` in float32 (the JavaScript loop's
 * dy·a + x·bx + k with k centred: here k = −a·dβ/n, there −a·dβ/n − bx·μ).
 */
export function simdInputGradient(
  m: SimdExports,
  dy: Float32Array,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  a: Float32Array,
  bx: Float32Array,
  k: Float32Array,
  dx: Float32Array,
): void {
  const L = layout(m, g, 2);
  const heap = simdHeap(m, L.floats);
  heap.set(mean.subarray(0, g.C), L.p0);
  heap.set(a.subarray(0, g.C), L.p1);
  heap.set(bx.subarray(0, g.C), L.p2);
  heap.set(k.subarray(0, g.C), L.p3);
  eachChunk(g, L.rowsPerChunk, (r0, rows, c0) => {
    const o = r0 * g.S;
    const len = rows * g.S;
    heap.set(dy.subarray(o, o + len), L.chunk0);
    heap.set(x.subarray(o, o + len), L.chunk1);
    if (g.S === 1) m.batchNormDx1(L.chunk0 * 4, L.chunk1 * 4, L.chunk0 * 4, rows / g.C, g.C, L.p0 * 4, L.p1 * 4, L.p2 * 4, L.p3 * 4);
    else m.batchNormDx(L.chunk0 * 4, L.chunk1 * 4, L.chunk0 * 4, rows, c0, g.C, g.S, L.p0 * 4, L.p1 * 4, L.p2 * 4, L.p3 * 4);
    dx.set(heap.subarray(L.chunk0, L.chunk0 + len), o);
  });
}
