/**
 * Train-mode BatchNorm's passes in place over tfjs's wasm heap: the kernels of assembly/batch-norm.ts run on the
 * tensors themselves (no copies; see ./batch-norm.ts for the copying host and the equations), in parts of consecutive
 * rows split between the kernel threads (./pool.ts). Each part's channel sums go to its slot's own double arrays and
 * are added to the totals in part order, so the sums do not depend on which thread ran which part (their grouping
 * differs from the copying host's, within double rounding).
 *
 * The per-channel arrays live in scratch the caller allocated on the heap ({@link bnScratchFloats} floats at the
 * float index `base`): four f32 arrays, then per slot two f64 arrays.
 *
 * @module
 */
import type { BatchNormGeometry } from './batch-norm.js';
import type { SimdExports } from './module.js';
import { simdPool } from './module.js';
import { MAX_SLOTS, type PoolExport, runParts } from './pool.js';

/** Floats per part of rows (as the copying host's chunks: 256 KiB). */
const PART_FLOATS = 65536;

const align16 = (floats: number): number => (floats + 15) & ~15;

/** Floats of scratch for C channels: four f32 arrays and two f64 arrays per slot. */
export const bnScratchFloats = (C: number): number => (4 + 4 * MAX_SLOTS) * align16(C);

/** Where one pass runs: the module over the heap, the pool, rows per part, parts, slots, and the scratch's arrays. */
type Plan = {
  readonly m: SimdExports;
  readonly g: BatchNormGeometry;
  readonly rowsPerPart: number;
  readonly parts: number;
  readonly slots: number;
  readonly pool: ReturnType<typeof simdPool>;
  /** Byte addresses of the four f32 per-channel arrays. */
  readonly f32: readonly [number, number, number, number];
  /** Byte addresses of slot s's two f64 arrays. */
  readonly sums: (slot: number) => readonly [number, number];
};

/** Passes run in place so far (tests check that the in-place path ran). */
export const bnInPlacePasses = { count: 0 };

function plan(m: SimdExports, g: BatchNormGeometry, base: number): Plan {
  bnInPlacePasses.count += 1;
  // S = 1: whole images (the kernels run across channels), so every part starts at channel 0
  const rowsPerPart =
    g.S === 1
      ? Math.min(g.N, Math.max(1, Math.floor(PART_FLOATS / g.C))) * g.C
      : Math.max(1, Math.min(g.N * g.C, Math.floor(PART_FLOATS / g.S)));
  const parts = Math.ceil((g.N * g.C) / rowsPerPart);
  const pool = parts > 1 ? simdPool(m) : null;
  const pc = align16(g.C);
  const b = base * 4;
  return {
    m,
    g,
    rowsPerPart,
    parts,
    slots: pool === null ? 1 : Math.min(parts, MAX_SLOTS),
    pool,
    f32: [b, b + 4 * pc, b + 8 * pc, b + 12 * pc],
    sums: (slot) => [b + 16 * pc + slot * 16 * pc, b + 16 * pc + slot * 16 * pc + 8 * pc],
  };
}

/**
 * Runs `fn` (its `…1` form for S = 1) over every part: `args(row pointer offset in bytes, rows, c0, slot)` gives the
 * export's arguments after the data pointers' offsets are applied; where `totals` is given, each part's slot sums are
 * zeroed before it runs and added to the totals, in part order, after.
 */
function runRows(
  p: Plan,
  fn: PoolExport,
  args: (offset: number, rows: number, c0: number, slot: number) => number[],
  totals?: readonly [Float64Array, Float64Array],
): void {
  const { m, g, rowsPerPart } = p;
  const view = (at: number): Float64Array => new Float64Array(m.memory.buffer, at, g.C);
  runParts(
    m,
    p.pool,
    fn,
    p.parts,
    p.slots,
    (k, slot) => {
      const r0 = k * rowsPerPart;
      if (totals !== undefined) for (const at of p.sums(slot)) view(at).fill(0);
      return args(r0 * g.S * 4, Math.min(rowsPerPart, g.N * g.C - r0), r0 % g.C, slot);
    },
    (_k, slot) => {
      if (totals === undefined) return;
      p.sums(slot).forEach((at, i) => {
        const part = view(at);
        const total = totals[i] as Float64Array;
        for (let c = 0; c < g.C; c++) total[c] = (total[c] as number) + (part[c] as number);
      });
    },
  );
}

/** Copies per-channel f32 values into the scratch's arrays (in order of `p.f32`). */
function putChannels(p: Plan, values: readonly Float32Array[]): void {
  values.forEach((v, i) => {
    new Float32Array(p.m.memory.buffer, p.f32[i] as number, p.g.C).set(v.subarray(0, p.g.C));
  });
}

/** Statistics in place: `sum[c] = Σ (x − shift[c])`, `sumSq[c] = Σ (x − shift[c])²` (x a view of the heap). */
export function channelSumsInPlace(
  m: SimdExports,
  base: number,
  x: Float32Array,
  g: BatchNormGeometry,
  shift: Float32Array,
  sum: Float64Array,
  sumSq: Float64Array,
): void {
  const p = plan(m, g, base);
  putChannels(p, [shift]);
  sum.fill(0);
  sumSq.fill(0);
  const [sh] = p.f32;
  runRows(
    p,
    g.S === 1 ? 'batchNormStats1' : 'batchNormStats',
    (o, rows, c0, slot) => {
      const [d0, d1] = p.sums(slot);
      return g.S === 1 ? [x.byteOffset + o, rows / g.C, g.C, sh, d0, d1] : [x.byteOffset + o, rows, c0, g.C, g.S, sh, d0, d1];
    },
    [sum, sumSq],
  );
}

/** The output in place: `y = (x − mean[c])·a[c] + beta[c]` (x, y views of the heap). */
export function normaliseInPlace(
  m: SimdExports,
  base: number,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  a: Float32Array,
  beta: Float32Array,
  y: Float32Array,
): void {
  const p = plan(m, g, base);
  putChannels(p, [mean, a, beta]);
  const [mu, pa, pb] = p.f32;
  runRows(p, g.S === 1 ? 'batchNormNormalise1' : 'batchNormNormalise', (o, rows, c0) =>
    g.S === 1
      ? [x.byteOffset + o, y.byteOffset + o, rows / g.C, g.C, mu, pa, pb]
      : [x.byteOffset + o, y.byteOffset + o, rows, c0, g.C, g.S, mu, pa, pb],
  );
}

/** Backward sums in place: `sumDy[c] = Σ dy`, `sumDyX[c] = Σ dy·(x − mean[c])` (dy, x views of the heap). */
export function backwardSumsInPlace(
  m: SimdExports,
  base: number,
  dy: Float32Array,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  sumDy: Float64Array,
  sumDyX: Float64Array,
): void {
  const p = plan(m, g, base);
  putChannels(p, [mean]);
  sumDy.fill(0);
  sumDyX.fill(0);
  const [mu] = p.f32;
  runRows(
    p,
    g.S === 1 ? 'batchNormBackwardSums1' : 'batchNormBackwardSums',
    (o, rows, c0, slot) => {
      const [d0, d1] = p.sums(slot);
      return g.S === 1
        ? [dy.byteOffset + o, x.byteOffset + o, rows / g.C, g.C, mu, d0, d1]
        : [dy.byteOffset + o, x.byteOffset + o, rows, c0, g.C, g.S, mu, d0, d1];
    },
    [sumDy, sumDyX],
  );
}

/** The input gradient in place: `dx = dy·a[c] + (x − mean[c])·bx[c] + k[c]` (dy, x, dx views of the heap). */
export function inputGradientInPlace(
  m: SimdExports,
  base: number,
  dy: Float32Array,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  a: Float32Array,
  bx: Float32Array,
  k: Float32Array,
  dx: Float32Array,
): void {
  const p = plan(m, g, base);
  putChannels(p, [mean, a, bx, k]);
  const [mu, pa, pbx, pk] = p.f32;
  runRows(p, g.S === 1 ? 'batchNormDx1' : 'batchNormDx', (o, rows, c0) =>
    g.S === 1
      ? [dy.byteOffset + o, x.byteOffset + o, dx.byteOffset + o, rows / g.C, g.C, mu, pa, pbx, pk]
      : [dy.byteOffset + o, x.byteOffset + o, dx.byteOffset + o, rows, c0, g.C, g.S, mu, pa, pbx, pk],
  );
}
