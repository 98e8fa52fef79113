/**
 * The fused neuron on WebAssembly SIMD: the same contract as the JavaScript loops of ../neuron/loops.ts (`forward`,
 * `backward`; the equations are in its header), chunk by chunk of W neurons: each chunk's columns of the inputs are
 * copied into the kernels module's memory, run over all T steps, and the results copied out into the output arrays
 * (fresh `Float32Array`s, or the wasm backend's output tensors) while they are still in cache. The forward equals
 * the loops bit for bit; the backward equals them to float32 rounding (it computes in float32, the loops in double
 * between loads and stores).
 *
 * In memory every `[T, W]` chunk has rows of w4 = its width rounded up to a multiple of 4 floats, the padding lanes
 * zero, so a row is whole f32x4 vectors; arrays start on 64-byte boundaries.
 *
 * In place (`simdForwardInPlace`, `simdBackwardInPlace`): over tfjs's wasm heap, on the tensors themselves, in parts
 * of columns (rows `N` floats apart) split between the kernel threads (./pool.ts `runParts`). Each neuron runs the
 * same instructions on whichever thread, so results do not depend on the threads (dL/dk sums its parts in double, in
 * part order).
 *
 * @module
 */
import type { CoreCotangents, CoreSettings, ScalarSurrogate } from '../neuron/loops.js';
import { simdBase, simdConstants, simdHeap, simdModule, simdPool, type SimdExports } from './module.js';
import { type KernelPool, MAX_PARTS, MAX_SLOTS, runParts } from './pool.js';
import { simdSurrogate, type SimdSurrogate } from './surrogate.js';

/** Floats of scratch for the backward's surrogate row, and per step of its recomputed h (assembly/neuron.ts BLOCK). */
const SCRATCH = 512;

/**
 * Floats per `[T, W]` chunk: the loops run on chunks of W neurons (all T steps), each copied into the module's
 * memory, run, and copied out while it is still in cache (256 KiB a plane), instead of whole `[T, N]` arrays that
 * go through memory three times.
 */
const CHUNK_FLOATS = 65536;

/** Floats of h the backward computes again per block of neurons (T·J of them): about 256 KiB, in L2. */
const RECOMPUTE_FLOATS = 65536;

const round4 = (n: number): number => (n + 3) & ~3;
const align16 = (floats: number): number => (floats + 15) & ~15;

/** Neurons per chunk: a multiple of 4, at least SCRATCH, at most N rounded up to 4. */
const chunkWidth = (T: number, N: number): number => Math.min(round4(N), Math.max(SCRATCH, Math.floor(CHUNK_FLOATS / T / 4) * 4));

/**
 * Neurons per block where the backward computes h again: T·J floats of h stay in cache; J a multiple of SCRATCH (at
 * least one), or all n4 neurons where they fit.
 */
const recomputeBlockSize = (T: number, n4: number): number =>
  Math.min(n4, Math.max(SCRATCH, Math.floor(RECOMPUTE_FLOATS / T / SCRATCH) * SCRATCH));

/**
 * Copies columns `j0 .. j0 + w` of `src` (`rows` rows of `n`) into `heap` at `at` as rows of `w4` floats, the
 * padding lanes zeroed.
 */
function put(heap: Float32Array, at: number, src: Float32Array, rows: number, n: number, j0: number, w: number, w4: number): void {
  if (w === n && w === w4) {
    heap.set(src.subarray(0, rows * n), at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    heap.set(src.subarray(r * n + j0, r * n + j0 + w), at + r * w4);
    if (w4 > w) heap.fill(0, at + r * w4 + w, at + (r + 1) * w4);
  }
}

/** Copies `rows` rows of `w` floats out of `heap` at `at` (rows of `w4`) into columns `j0 .. j0 + w` of `dst` (rows of `n`). */
function take(heap: Float32Array, at: number, dst: Float32Array, rows: number, n: number, j0: number, w: number, w4: number): void {
  if (w === n && w === w4) {
    dst.set(heap.subarray(at, at + rows * n));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(heap.subarray(at + r * w4, at + r * w4 + w), r * n + j0);
}

/** A bump allocator over the module's memory from simdBase (float indices). */
function layout(m: SimdExports): (floats: number) => number {
  let next = simdBase(m);
  return (floats) => {
    const a = next;
    next += align16(floats);
    return a;
  };
}

/** Outputs of {@link simdForward}. */
export type SimdForwardResult = {
  /** Spikes, `[T, N]`. */
  readonly spikes: Float32Array;
  /** v_T, `[N]`. */
  readonly v: Float32Array;
  /** h, `[T, N]`, when asked for. */
  readonly h: Float32Array | null;
  /** v after reset at every step, `[T, N]`, when asked for. */
  readonly vSeq: Float32Array | null;
};

/** Arrays for the forward to write into (the wasm backend's output tensors); fresh ones where absent. */
export type SimdForwardInto = {
  /** Spikes, `[T, N]`. */
  readonly spikes: Float32Array;
  /** v_T, `[N]`. */
  readonly v: Float32Array;
  /** h, `[T, N]` (written when `saveH`). */
  readonly h: Float32Array | null;
  /** The v trace, `[T, N]` (written when `record`). */
  readonly vSeq: Float32Array | null;
};

/**
 * Forward over T steps from v_0 (`[N]`), as ../neuron/loops.ts `forward`: h_t = charge(v_{t−1}, x_t),
 * s_t = [h_t ≥ V_th], v_t = reset(h_t, s_t). `saveH` returns h, `record` (with `saveH`) the v trace too. Runs chunk
 * by chunk of neurons (each neuron is independent), writing into `into` where given.
 */
export function simdForward(
  m: SimdExports,
  p: CoreSettings,
  T: number,
  N: number,
  x: Float32Array,
  v0: Float32Array,
  saveH: boolean,
  record: boolean,
  into?: SimdForwardInto,
): SimdForwardResult {
  const W = chunkWidth(T, N);
  const plane = T * W;
  const at = layout(m);
  const xAt = at(plane);
  const vAt = at(W);
  const sAt = at(plane);
  const hAt = saveH || record ? at(plane) : 0;
  const vsAt = record ? at(plane) : 0;
  const heap = simdHeap(m, at(0) - simdBase(m));
  const mode = record ? 2 : saveH ? 1 : 0;
  const out: SimdForwardResult = into ?? {
    spikes: new Float32Array(T * N),
    v: new Float32Array(N),
    h: mode >= 1 ? new Float32Array(T * N) : null,
    vSeq: mode === 2 ? new Float32Array(T * N) : null,
  };
  for (let j0 = 0; j0 < N; j0 += W) {
    const w = Math.min(W, N - j0);
    const w4 = round4(w);
    put(heap, xAt, x, T, N, j0, w, w4);
    put(heap, vAt, v0, 1, N, j0, w, w4);
    m.forward(p.form, mode, T, w4, w4, p.k, p.vReset, p.vThreshold, p.hard ? 1 : 0, xAt * 4, vAt * 4, sAt * 4, hAt * 4, vsAt * 4);
    take(heap, sAt, out.spikes, T, N, j0, w, w4);
    take(heap, vAt, out.v, 1, N, j0, w, w4);
    if (mode >= 1 && out.h !== null) take(heap, hAt, out.h, T, N, j0, w, w4);
    if (mode === 2 && out.vSeq !== null) take(heap, vsAt, out.vSeq, T, N, j0, w, w4);
  }
  return out;
}

/** Outputs of {@link simdBackward}. */
export type SimdBackwardResult = {
  /** dL/dx, `[T, N]`. */
  readonly dx: Float32Array;
  /** dL/dv_0, `[N]`. */
  readonly dv0: Float32Array;
  /** dL/dk (0 unless asked for). */
  readonly dk: number;
};

/** Arrays for the backward to write dL/dx and dL/dv_0 into (the wasm backend's output tensors). */
export type SimdBackwardInto = {
  /** dL/dx, `[T, N]`. */
  readonly dx: Float32Array;
  /** dL/dv_0, `[N]`. */
  readonly dv0: Float32Array;
};

/**
 * Backward over T steps, as ../neuron/loops.ts `backward` (BPTT through v; any cotangent may be absent = zero;
 * dL/dk when `wantDk`), with the surrogate derivative computed in the module, chunk by chunk of neurons (dL/dk
 * summed over the chunks). `h` null: the forward did not save it, and the module computes it again from x and v_0,
 * block by block of neurons, into a scratch that stays in cache (the forward's loop, so the same h bit for bit;
 * cheaper than writing h out of the forward and copying it back in).
 */
export function simdBackward(
  m: SimdExports,
  p: CoreSettings,
  T: number,
  N: number,
  surrogate: SimdSurrogate,
  h: Float32Array | null,
  x: Float32Array,
  v0: Float32Array,
  cot: CoreCotangents,
  wantDk: boolean,
  into?: SimdBackwardInto,
): SimdBackwardResult {
  const W = chunkWidth(T, N);
  const plane = T * W;
  const needX = wantDk || h === null;
  const J = recomputeBlockSize(T, W);
  const at = layout(m);
  const hAt = h !== null ? at(plane) : 0;
  const dxAt = at(plane);
  const gvAt = at(W);
  const scratchAt = at(SCRATCH);
  const xAt = needX ? at(plane) : 0;
  const v0At = needX ? at(W) : 0;
  const hsAt = h === null ? at(T * J) : 0;
  const vbAt = h === null ? at(J) : 0;
  const dsAt = cot.dSpikes !== null ? at(plane) : 0;
  const dhAt = cot.dH !== null ? at(plane) : 0;
  const dvsAt = cot.dVSeq !== null ? at(plane) : 0;
  const heap = simdHeap(m, at(0) - simdBase(m));
  const dx = into?.dx ?? new Float32Array(T * N);
  const dv0 = into?.dv0 ?? new Float32Array(N);
  const [p0, p1, p2, p3] = surrogate.p;
  const kc = simdConstants(m);
  let dk = 0;
  for (let j0 = 0; j0 < N; j0 += W) {
    const w = Math.min(W, N - j0);
    const w4 = round4(w);
    if (cot.dV !== null) put(heap, gvAt, cot.dV, 1, N, j0, w, w4);
    else heap.fill(0, gvAt, gvAt + w4);
    if (needX) {
      put(heap, xAt, x, T, N, j0, w, w4);
      put(heap, v0At, v0, 1, N, j0, w, w4);
    }
    if (h !== null) put(heap, hAt, h, T, N, j0, w, w4);
    if (cot.dSpikes !== null) put(heap, dsAt, cot.dSpikes, T, N, j0, w, w4);
    if (cot.dH !== null) put(heap, dhAt, cot.dH, T, N, j0, w, w4);
    if (cot.dVSeq !== null) put(heap, dvsAt, cot.dVSeq, T, N, j0, w, w4);
    dk += m.backward(
      p.form,
      p.k,
      p.vReset,
      p.vThreshold,
      p.hard ? 1 : 0,
      p.detachReset ? 1 : 0,
      surrogate.id,
      p0,
      p1,
      p2,
      p3,
      T,
      w4,
      w4,
      hAt * 4,
      xAt * 4,
      v0At * 4,
      dsAt * 4,
      dhAt * 4,
      dvsAt * 4,
      wantDk ? 1 : 0,
      dxAt * 4,
      gvAt * 4,
      scratchAt * 4,
      hsAt * 4,
      vbAt * 4,
      Math.min(J, w4),
      kc,
    );
    take(heap, dxAt, dx, T, N, j0, w, w4);
    take(heap, gvAt, dv0, 1, N, j0, w, w4);
  }
  return { dx, dv0, dk: wantDk ? dk : 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// In place: over tfjs's wasm heap, where the arrays are the tensors themselves (no copies).

/** How a call runs in place: parts of W columns (multiples of 4), the pool, slots of scratch, scratch floats. */
export type InPlacePlan = {
  readonly pool: KernelPool | null;
  readonly W: number;
  readonly parts: number;
  readonly slots: number;
  /** Floats of scratch the backward needs (the caller allocates them): the constants, then per slot its scratch row, h block and v block. */
  readonly scratchFloats: number;
};

/** Calls run in place so far (tests check that the in-place path ran). */
export const inPlaceCalls = { forward: 0, backward: 0 };

/** Parts a call in place is cut into (fewer for small calls): enough for uneven progress to even out over 2–8 threads. */
const PARTS = 16;

/**
 * The plan of a call of N neurons (a multiple of 4) in place: up to {@link PARTS} parts of at least MIN_PART_STEPS
 * neuron-steps each, the same whatever the thread count (so that dL/dk, summed part by part, is too).
 */
export function planInPlace(m: SimdExports, T: number, N: number): InPlacePlan {
  const W = Math.min(N, Math.max(round4(Math.ceil(MIN_PART_STEPS / T)), round4(Math.ceil(N / PARTS)), round4(Math.ceil(N / MAX_PARTS))));
  const parts = Math.ceil(N / W);
  const pool = parts > 1 ? simdPool(m) : null;
  // two slots per thread keep every thread busy while the caller finishes parts
  const slots = pool === null ? 1 : Math.min(parts, MAX_SLOTS, 2 * (pool.workers + 1));
  const J = recomputeBlockSize(T, W);
  return { pool, W, parts, slots, scratchFloats: 16 + slots * align16(SCRATCH + T * J + J) };
}

/** Neuron-steps a part needs at least (below, waking a worker costs more than it saves). */
const MIN_PART_STEPS = 16384;

/** Byte offsets of a forward's arrays in the memory `m` runs over: `[T, N]` x, s, h, vs (0 = absent), `[N]` v holding v_0 on entry. */
export type InPlaceForward = { readonly x: number; readonly v: number; readonly s: number; readonly h: number; readonly vs: number };

/**
 * The forward in place (as {@link simdForward}; mode 0 inference, 1 + h, 2 + h and the v trace), its parts split
 * between kernel threads: v_T replaces v_0 in `at.v`.
 */
export function simdForwardInPlace(
  m: SimdExports,
  plan: InPlacePlan,
  p: CoreSettings,
  T: number,
  N: number,
  mode: 0 | 1 | 2,
  at: InPlaceForward,
): void {
  const { pool, W, parts, slots } = plan;
  const hard = p.hard ? 1 : 0;
  const col = (base: number, a: number): number => (base === 0 ? 0 : base + 4 * a);
  inPlaceCalls.forward += 1;
  runParts(
    m,
    pool,
    'forward',
    parts,
    slots,
    (k) => {
      const a = k * W;
      const w = Math.min(W, N - a);
      return [
        p.form,
        mode,
        T,
        w,
        N,
        p.k,
        p.vReset,
        p.vThreshold,
        hard,
        col(at.x, a),
        col(at.v, a),
        col(at.s, a),
        col(at.h, a),
        col(at.vs, a),
      ];
    },
    () => undefined,
  );
}

/**
 * Byte offsets of a backward's arrays: `[T, N]` h (0: compute it again), x, dL/ds, dL/dh, dL/dv-trace (0 = absent), dx;
 * `[N]` v_0, and gv: dL/dv_T on entry (zeros for none), dL/dv_0 on return; `scratch`: {@link InPlacePlan}'s
 * `scratchFloats` floats.
 */
export type InPlaceBackward = {
  readonly h: number;
  readonly x: number;
  readonly v0: number;
  readonly ds: number;
  readonly dh: number;
  readonly dvs: number;
  readonly dx: number;
  readonly gv: number;
  readonly scratch: number;
};

/** The backward in place (as {@link simdBackward}), its parts split between kernel threads; returns dL/dk (0 unless `wantDk`). */
export function simdBackwardInPlace(
  m: SimdExports,
  plan: InPlacePlan,
  p: CoreSettings,
  T: number,
  N: number,
  surrogate: SimdSurrogate,
  wantDk: boolean,
  at: InPlaceBackward,
): number {
  const { pool, W, parts, slots } = plan;
  const J = recomputeBlockSize(T, W);
  const kc = at.scratch;
  m.writeConstants(kc);
  const slotBytes = 4 * align16(SCRATCH + T * J + J);
  const [p0, p1, p2, p3] = surrogate.p;
  const [hard, detach] = [p.hard ? 1 : 0, p.detachReset ? 1 : 0];
  const col = (base: number, a: number): number => (base === 0 ? 0 : base + 4 * a);
  let dk = 0;
  inPlaceCalls.backward += 1;
  runParts(
    m,
    pool,
    'backward',
    parts,
    slots,
    (k, slot) => {
      const a = k * W;
      const w = Math.min(W, N - a);
      const scratch = at.scratch + 64 + slot * slotBytes;
      const hs = scratch + 4 * SCRATCH;
      // the export's argument order (assembly/neuron.ts `backward`)
      return [
        p.form,
        p.k,
        p.vReset,
        p.vThreshold,
        hard,
        detach,
        surrogate.id,
        p0,
        p1,
        p2,
        p3,
        T,
        w,
        N,
        col(at.h, a),
        col(at.x, a),
        col(at.v0, a),
        col(at.ds, a),
        col(at.dh, a),
        col(at.dvs, a),
        wantDk ? 1 : 0,
        col(at.dx, a),
        col(at.gv, a),
        scratch,
        at.h === 0 ? hs : 0,
        at.h === 0 ? hs + 4 * T * J : 0,
        Math.min(J, w),
        kc,
      ];
    },
    (_k, _slot, result) => {
      dk += result;
    },
  );
  return wantDk ? dk : 0;
}

/**
 * The kernels' hook: {@link simdForward} when the SIMD module runs here (see ./module.ts), else `null` (run the
 * JavaScript loop); also `null` where the module's memory cannot hold the call. A record needs h (as the loops
 * require).
 */
export function trySimdForward(
  p: CoreSettings,
  T: number,
  N: number,
  x: Float32Array,
  v0: Float32Array,
  saveH: boolean,
  record: boolean,
  into?: SimdForwardInto,
): SimdForwardResult | null {
  if (record && !saveH) return null;
  const m = simdModule();
  return m === null ? null : orNull(() => simdForward(m, p, T, N, x, v0, saveH, record, into));
}

/** `f()`, or `null` where the module's memory cannot grow to the call's size (the JavaScript loop then runs). */
function orNull<R>(f: () => R): R | null {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/**
 * Whether {@link trySimdBackward} would run the SIMD backward for this surrogate (module running here, built-in
 * surrogate), so that the forward can leave h out (the SIMD backward computes it again).
 */
export function simdBackwardRuns(surrogate: ScalarSurrogate): boolean {
  return simdSurrogate(surrogate.hint) !== null && simdModule() !== null;
}

/**
 * The kernels' hook: {@link simdBackward} when the SIMD module runs here and the surrogate is a built-in one (its
 * hint names it), else `null` (run the JavaScript loop, which calls the surrogate's scalar derivative).
 */
export function trySimdBackward(
  p: CoreSettings,
  T: number,
  N: number,
  surrogate: ScalarSurrogate,
  h: Float32Array | null,
  x: Float32Array,
  v0: Float32Array,
  cot: CoreCotangents,
  wantDk: boolean,
  into?: SimdBackwardInto,
): SimdBackwardResult | null {
  const s = simdSurrogate(surrogate.hint);
  if (s === null) return null;
  const m = simdModule();
  return m === null ? null : orNull(() => simdBackward(m, p, T, N, s, h, x, v0, cot, wantDk, into));
}
