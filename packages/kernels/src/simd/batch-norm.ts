/**
 * Train-mode BatchNorm's passes on WebAssembly SIMD (assembly/batch-norm.ts): the host side. The same contract as the
 * JavaScript loops of ../batch-norm.ts (its header gives the equations). x (and dy), `[N, C, S]` row-major, is N·C rows
 * of S floats, row r of channel r mod C, run in parts of consecutive rows (about 256 KiB; whole images where S = 1, for
 * the kernels that run across channels), in one of two places ({@link BnTarget}):
 *
 * - **copies**: the arrays are JavaScript's (cpu tensors, or a heap that is not shared); each part is one contiguous
 *   copy into the module's own memory, run there, and (for the two elementwise passes) copied out into the output
 *   array while it is still in cache; one thread.
 * - **in place**: the arrays are views of tfjs's wasm heap, which the module runs over; no copies, and the parts are
 *   split between the kernel threads (./pool.ts).
 *
 * Each part's channel sums go to its slot's own double arrays and are added to the totals in part order, so the sums
 * do not depend on which thread ran which part. The per-channel arrays live at the target's `base`: four f32 arrays,
 * then per slot two f64 arrays, then (copies) the part buffers.
 *
 * @module
 */
import { simdBase, simdHeap, simdPool, type SimdExports } from './module.js';
import { MAX_SLOTS, type PoolExport, runParts } from './pool.js';

/** x as `[N, C, S]`: N images, C channels, S values per image and channel. */
export type BatchNormGeometry = {
  /** Images (axis 0). */
  readonly N: number;
  /** Channels (axis 1). */
  readonly C: number;
  /** Values per image and channel (the product of the axes after 1). */
  readonly S: number;
};

/**
 * Where the passes run: `base` null, over the module's own memory with copies (from {@link simdBase} on); else in
 * place over the memory `m` was instantiated on (tfjs's heap), the data arrays being views of it and the per-channel
 * scratch ({@link bnScratchFloats} floats, allocated by the caller) at float index `base`.
 */
export type BnTarget = { readonly m: SimdExports; readonly base: number | null };

/** Floats per part of rows: 256 KiB an array, so that the two parts of the backward stay in a 1 MiB L2. */
const PART_FLOATS = 65536;

const align16 = (floats: number): number => (floats + 15) & ~15;

/** Floats of per-channel scratch for C channels: four f32 arrays and two f64 arrays per slot. */
export const bnScratchFloats = (C: number): number => (4 + 4 * MAX_SLOTS) * align16(C);

/** One pass's plan: rows per part, parts, the pool and slots, and the byte addresses of its arrays. */
type Plan = {
  readonly t: BnTarget;
  readonly g: BatchNormGeometry;
  readonly rowsPerPart: number;
  readonly parts: number;
  readonly slots: number;
  readonly pool: ReturnType<typeof simdPool>;
  /** The four f32 per-channel arrays. */
  readonly f32: readonly [number, number, number, number];
  /** Slot s's two f64 sum arrays. */
  readonly sums: (slot: number) => readonly [number, number];
  /** With copies: the part buffers (byte addresses), and a view of the module's memory sized for the pass. */
  readonly buffers: readonly number[];
  readonly heap: Float32Array | null;
};

/** Passes run in place so far (tests check that the in-place path ran). */
export const bnInPlacePasses = { count: 0 };

function plan(t: BnTarget, g: BatchNormGeometry, buffers: number): Plan {
  if (t.base !== null) bnInPlacePasses.count += 1;
  // S = 1: whole images (the kernels run across channels), so every part starts at channel 0
  const rowsPerPart =
    g.S === 1
      ? Math.min(g.N, Math.max(1, Math.floor(PART_FLOATS / g.C))) * g.C
      : Math.max(1, Math.min(g.N * g.C, Math.floor(PART_FLOATS / g.S)));
  const parts = Math.ceil((g.N * g.C) / rowsPerPart);
  const pool = t.base !== null && parts > 1 ? simdPool(t.m) : null;
  const slots = pool === null ? 1 : Math.min(parts, MAX_SLOTS);
  const pc = align16(g.C);
  const base = t.base ?? simdBase(t.m);
  const part = align16(rowsPerPart * g.S);
  // copies: grow the module's memory to the scratch and the part buffers first (views are taken after)
  const heap = t.base === null ? simdHeap(t.m, 4 * pc + 4 * pc * slots + buffers * part) : null;
  const b = base * 4;
  const sumsAt = b + 16 * pc;
  const buffersAt = sumsAt + slots * 16 * pc;
  return {
    t,
    g,
    rowsPerPart,
    parts,
    slots,
    pool,
    f32: [b, b + 4 * pc, b + 8 * pc, b + 12 * pc],
    sums: (slot) => [sumsAt + slot * 16 * pc, sumsAt + slot * 16 * pc + 8 * pc],
    buffers: Array.from({ length: buffers }, (_, i) => buffersAt + i * part * 4),
    heap,
  };
}

/**
 * Runs `fn` (its `…1` form for S = 1) over every part. `ins` are the arrays read (x, or dy and x), `out` the array
 * written (y or dx) or null; `args(pointers, rows, c0, slot)` gives the export's arguments from the parts' byte
 * addresses (the inputs', then the output's). Where `totals` is given, each part's slot sums are zeroed before it runs
 * and added to the totals, in part order, after.
 */
function runRows(
  p: Plan,
  fn: PoolExport,
  ins: readonly Float32Array[],
  out: Float32Array | null,
  args: (at: readonly number[], rows: number, c0: number, slot: number) => number[],
  totals?: readonly [Float64Array, Float64Array],
): void {
  const { t, g, rowsPerPart, heap } = p;
  const view = (at: number): Float64Array => new Float64Array(t.m.memory.buffer, at, g.C);
  const span = (k: number): [number, number] => [k * rowsPerPart * g.S, Math.min(rowsPerPart, g.N * g.C - k * rowsPerPart) * g.S];
  runParts(
    t.m,
    p.pool,
    fn,
    p.parts,
    p.slots,
    (k, slot) => {
      const [o, len] = span(k);
      if (totals !== undefined) for (const at of p.sums(slot)) view(at).fill(0);
      // in place: the arrays themselves; copies: the inputs copied into the part buffers, the output over the first
      const at =
        heap === null
          ? [...ins, ...(out === null ? [] : [out])].map((a) => a.byteOffset + 4 * o)
          : [
              ...ins.map((a, i) => {
                heap.set(a.subarray(o, o + len), (p.buffers[i] as number) >>> 2);
                return p.buffers[i] as number;
              }),
              ...(out === null ? [] : [p.buffers[0] as number]),
            ];
      const r0 = k * rowsPerPart;
      return args(at, len / g.S, r0 % g.C, slot);
    },
    (k, slot) => {
      const [o, len] = span(k);
      if (heap !== null && out !== null) out.set(heap.subarray((p.buffers[0] as number) >>> 2, ((p.buffers[0] as number) >>> 2) + len), o);
      if (totals === undefined) return;
      p.sums(slot).forEach((at, i) => {
        const part = view(at);
        const total = totals[i] as Float64Array;
        for (let c = 0; c < g.C; c++) total[c] = (total[c] as number) + (part[c] as number);
      });
    },
  );
}

/** Copies per-channel f32 values into the plan's arrays (in order of `p.f32`). */
function putChannels(p: Plan, values: readonly Float32Array[]): void {
  values.forEach((v, i) => {
    new Float32Array(p.t.m.memory.buffer, p.f32[i] as number, p.g.C).set(v.subarray(0, p.g.C));
  });
}

/**
 * Statistics pass: per channel c, `sum[c] = Σ (x − shift[c])` and `sumSq[c] = Σ (x − shift[c])²` over the N·S values
 * of the channel, in double (as the JavaScript loop: the same doubles, summed in another order).
 */
export function simdChannelSums(
  t: BnTarget,
  x: Float32Array,
  g: BatchNormGeometry,
  shift: Float32Array,
  sum: Float64Array,
  sumSq: Float64Array,
): void {
  const p = plan(t, g, 1);
  putChannels(p, [shift]);
  sum.fill(0);
  sumSq.fill(0);
  const [sh] = p.f32;
  runRows(
    p,
    g.S === 1 ? 'batchNormStats1' : 'batchNormStats',
    [x],
    null,
    ([px = 0], rows, c0, slot) => {
      const [d0, d1] = p.sums(slot);
      return g.S === 1 ? [px, rows / g.C, g.C, sh, d0, d1] : [px, rows, c0, g.C, g.S, sh, d0, d1];
    },
    [sum, sumSq],
  );
}

/** Output pass: `y = (x − mean[c])·a[c] + beta[c]` in float32 (a = γ·r, the JavaScript loop's y = x·a + b centred). */
export function simdNormalise(
  t: BnTarget,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  a: Float32Array,
  beta: Float32Array,
  y: Float32Array,
): void {
  const p = plan(t, g, 1);
  putChannels(p, [mean, a, beta]);
  const [mu, pa, pb] = p.f32;
  runRows(p, g.S === 1 ? 'batchNormNormalise1' : 'batchNormNormalise', [x], y, ([px = 0, py = 0], rows, c0) =>
    g.S === 1 ? [px, py, rows / g.C, g.C, mu, pa, pb] : [px, py, rows, c0, g.C, g.S, mu, pa, pb],
  );
}

/** Backward sums: per channel, `sumDy[c] = Σ dy` and `sumDyX[c] = Σ dy·(x − mean[c])`, in double. */
export function simdBackwardSums(
  t: BnTarget,
  dy: Float32Array,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  sumDy: Float64Array,
  sumDyX: Float64Array,
): void {
  const p = plan(t, g, 2);
  putChannels(p, [mean]);
  sumDy.fill(0);
  sumDyX.fill(0);
  const [mu] = p.f32;
  runRows(
    p,
    g.S === 1 ? 'batchNormBackwardSums1' : 'batchNormBackwardSums',
    [dy, x],
    null,
    ([pdy = 0, px = 0], rows, c0, slot) => {
      const [d0, d1] = p.sums(slot);
      return g.S === 1 ? [pdy, px, rows / g.C, g.C, mu, d0, d1] : [pdy, px, rows, c0, g.C, g.S, mu, d0, d1];
    },
    [sumDy, sumDyX],
  );
}

/**
 * Input-gradient pass: `dx = dy·a[c] + (x − mean[c])·bx[c] + k[c]` in float32 (the JavaScript loop's
 * dy·a + x·bx + k with k centred: here k = −a·dβ/n, there −a·dβ/n − bx·μ).
 */
export function simdInputGradient(
  t: BnTarget,
  dy: Float32Array,
  x: Float32Array,
  g: BatchNormGeometry,
  mean: Float32Array,
  a: Float32Array,
  bx: Float32Array,
  k: Float32Array,
  dx: Float32Array,
): void {
  const p = plan(t, g, 2);
  putChannels(p, [mean, a, bx, k]);
  const [mu, pa, pbx, pk] = p.f32;
  runRows(p, g.S === 1 ? 'batchNormDx1' : 'batchNormDx', [dy, x], dx, ([pdy = 0, px = 0, pdx = 0], rows, c0) =>
    g.S === 1 ? [pdy, px, pdx, rows / g.C, g.C, mu, pa, pbx, pk] : [pdy, px, pdx, rows, c0, g.C, g.S, mu, pa, pbx, pk],
  );
}
