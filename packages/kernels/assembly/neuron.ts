/**
 * The fused multi-step neuron (IF / LIF / ParametricLIF), forward and BPTT backward, over 4-lane f32 SIMD. The
 * AssemblyScript twin of src/neuron/loops.ts (the JavaScript kernel, which stays the reference and the fallback): read
 * its header for the equations. Compiled by scripts/build-wasm.mjs.
 *
 * Layout: every `[T, N]` array is time-major with rows `rowStride` floats apart, of which the kernels use the first
 * `n4` (a multiple of 4; a loader that pads N up to n4 zero-fills the padding lanes); the state is `[n4]`. All
 * pointers are byte offsets into the memory (this module's own, or a shared one it was instantiated over); a pointer
 * of 0 means "absent". A column block of a wider array is the array's pointer plus the block's first column, with
 * the array's row stride.
 *
 * Forward: float32 operations in the order of loops.ts, each rounded once (f32x4 add, sub, mul and compare are
 * IEEE-754 exact; no fused multiply-add), so spikes, h and v equal the JavaScript kernel bit for bit, non-finite
 * values and signed zeros included. Backward: float32 throughout (loops.ts uses double between loads and stores), so
 * gradients equal it to float32 rounding; dL/dk is summed in double.
 */
import { surrogateBlock } from './surrogate';

/** Neurons per block of the backward: the surrogate derivatives of one block go to a scratch row that stays in L1. */
const BLOCK: i32 = 512;

// ---------------------------------------------------------------------------------------------------------------
// Forward

/**
 * h = charge(v, x). form 0 'if': v + x; 1 'decay-input': v + (x − (v − V_r))·k; 2 'no-decay-input':
 * (v − (v − V_r)·k) + x; 3 'decay-input' with a hard reset to 0 (loops.ts's own row): v + (x − v)·k.
 */
// @ts-ignore: decorator
@inline
function charge(form: i32, v: v128, x: v128, k: v128, vr: v128): v128 {
  if (form == 0) return f32x4.add(v, x);
  if (form == 1) return f32x4.add(v, f32x4.mul(f32x4.sub(x, f32x4.sub(v, vr)), k));
  if (form == 2) return f32x4.add(f32x4.sub(v, f32x4.mul(f32x4.sub(v, vr), k)), x);
  return f32x4.add(v, f32x4.mul(f32x4.sub(x, v), k));
}

/**
 * One step over all neurons; mode 0 = inference (spikes, v), 1 = training (+ h), 2 = record (+ h, v trace), 3 = h and
 * v only (the backward's `recomputeBlock`, no spikes).
 */
// @ts-ignore: decorator
@inline
function forwardRow(form: i32, mode: i32, n4: i32, b: usize, x: usize, v: usize, s: usize, h: usize, vs: usize, k: v128, vr: v128, vth: v128, a: v128, c: v128): void {
  const one = f32x4.splat(1);
  for (let i: i32 = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const vi = v128.load(v + o);
    const hv = charge(form, vi, v128.load(x + b + o), k, vr);
    const sv = v128.and(f32x4.ge(hv, vth), one);
    // (1 − a·s)·h + c·s: exactly loops.ts's reset (see its header), every product exact, one rounding in the sum.
    const vn = f32x4.add(f32x4.mul(f32x4.sub(one, f32x4.mul(a, sv)), hv), f32x4.mul(c, sv));
    if (mode != 3) v128.store(s + b + o, sv);
    v128.store(v + o, vn);
    if (mode >= 1) v128.store(h + b + o, hv);
    if (mode == 2) v128.store(vs + b + o, vn);
  }
}

// @ts-ignore: decorator
@inline
function forwardRows(form: i32, mode: i32, T: i32, n4: i32, stride: usize, x: usize, v: usize, s: usize, h: usize, vs: usize, k: v128, vr: v128, vth: v128, a: v128, c: v128): void {
  for (let t: i32 = 0; t < T; t++) forwardRow(form, mode, n4, stride * <usize>t, x, v, s, h, vs, k, vr, vth, a, c);
}

/**
 * Forward over T steps: `v` holds v_0 on entry and v_T on return; `s` receives the spikes, `h` (mode ≥ 1) h, `vs`
 * (mode 2) v after reset at every step. `form` as in loops.ts (0 'if', 1 'decay-input', 2 'no-decay-input').
 */
export function forward(
  form: i32,
  mode: i32,
  T: i32,
  n4: i32,
  rowStride: i32,
  k: f32,
  vReset: f32,
  vThreshold: f32,
  hard: i32,
  x: usize,
  v: usize,
  s: usize,
  h: usize,
  vs: usize,
): void {
  const K = f32x4.splat(k);
  const VR = f32x4.splat(vReset);
  const VTH = f32x4.splat(vThreshold);
  const A = f32x4.splat(hard ? 1 : 0);
  const stride = (<usize>rowStride) << 2;
  // loops.ts's default-LIF rows (decay input, hard reset to V_reset == 0, not recording) skip "− V_r" and add +0.
  const hard0 = form == 1 && hard != 0 && vReset == 0 && mode != 2;
  const C = f32x4.splat(hard0 ? 0 : hard ? vReset : -vThreshold);
  const f = hard0 ? 3 : form;
  if (mode == 0) {
    if (f == 0) forwardRows(0, 0, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else if (f == 1) forwardRows(1, 0, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else if (f == 2) forwardRows(2, 0, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else forwardRows(3, 0, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
  } else if (mode == 1) {
    if (f == 0) forwardRows(0, 1, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else if (f == 1) forwardRows(1, 1, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else if (f == 2) forwardRows(2, 1, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else forwardRows(3, 1, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
  } else {
    if (f == 0) forwardRows(0, 2, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else if (f == 1) forwardRows(1, 2, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
    else forwardRows(2, 2, T, n4, stride, x, v, s, h, vs, K, VR, VTH, A, C);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Backward

/**
 * The common training row: only dL/ds (and maybe dL/dv_T) carry gradients. With d from the scratch row:
 * gh = g·(1 − a·s) + (dL/ds + g·(cA·h + cB))·d;  dx = gh·kx;  g ← gh·kv.
 */
// @ts-ignore: decorator
@inline
function spikesBlock(n: i32, h: usize, ds: usize, dx: usize, gv: usize, d: usize, vth: v128, a: v128, cA: v128, cB: v128, kx: v128, kv: v128): void {
  const one = f32x4.splat(1);
  for (let i: i32 = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    const hv = v128.load(h + o);
    const g = v128.load(gv + o);
    const sv = v128.and(f32x4.ge(hv, vth), one);
    const inner = f32x4.add(v128.load(ds + o), f32x4.mul(g, f32x4.add(f32x4.mul(cA, hv), cB)));
    const gh = f32x4.add(f32x4.mul(g, f32x4.sub(one, f32x4.mul(a, sv))), f32x4.mul(inner, v128.load(d + o)));
    v128.store(dx + o, f32x4.mul(gh, kx));
    v128.store(gv + o, f32x4.mul(gh, kv));
  }
}

/**
 * Any row (loops.ts's backRow): every cotangent optional (pointer 0 = absent), dL/dk summed when `wantDk`:
 * g = gv + dL/dv_t;  gh = g·(1 − a·s) + g·(cA·h + cB)·d + dL/ds·d + dL/dh, and for dL/dk the previous membrane
 * v_{t−1} (v_0, or rebuilt from h_{t−1} as the forward computed it): dk += gh·(x − (v_{t−1} − V_r)) ('decay-input')
 * or gh·(−(v_{t−1} − V_r)) ('no-decay-input'). Returns the block's dL/dk as f64x2 partial sums.
 */
// @ts-ignore: decorator
@inline
function generalBlock(
  n: i32,
  h: usize,
  hPrev: usize,
  x: usize,
  ds: usize,
  dh: usize,
  dvs: usize,
  dx: usize,
  gv: usize,
  d: usize,
  vth: v128,
  vr: v128,
  a: v128,
  c: v128,
  cA: v128,
  cB: v128,
  kx: v128,
  kv: v128,
  dkForm: i32,
  acc: v128,
): v128 {
  const one = f32x4.splat(1);
  let sum = acc;
  for (let i: i32 = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    const hv = v128.load(h + o);
    const dv = v128.load(d + o);
    let g = v128.load(gv + o);
    if (dvs != 0) g = f32x4.add(g, v128.load(dvs + o));
    const sv = v128.and(f32x4.ge(hv, vth), one);
    let gh = f32x4.add(f32x4.mul(g, f32x4.sub(one, f32x4.mul(a, sv))), f32x4.mul(f32x4.mul(g, f32x4.add(f32x4.mul(cA, hv), cB)), dv));
    if (ds != 0) gh = f32x4.add(gh, f32x4.mul(v128.load(ds + o), dv));
    if (dh != 0) gh = f32x4.add(gh, v128.load(dh + o));
    v128.store(dx + o, f32x4.mul(gh, kx));
    v128.store(gv + o, f32x4.mul(gh, kv));
    if (dkForm != 0) {
      // hPrev: h_{t−1} (rebuild v_{t−1} from it), or v_0 itself when dkForm < 0 (t = 0).
      let vp = v128.load(hPrev + o);
      if (dkForm > 0) {
        const sp = v128.and(f32x4.ge(vp, vth), one);
        vp = f32x4.add(f32x4.mul(f32x4.sub(one, f32x4.mul(a, sp)), vp), f32x4.mul(c, sp));
      }
      const centred = f32x4.sub(vp, vr);
      const term = abs<i32>(dkForm) == 1 ? f32x4.sub(v128.load(x + o), centred) : f32x4.neg(centred);
      const p = f32x4.mul(gh, term);
      sum = f64x2.add(sum, f64x2.add(f64x2.promote_low_f32x4(p), f64x2.promote_low_f32x4(v128.shuffle<f32>(p, p, 2, 3, 0, 1))));
    }
  }
  return sum;
}

/**
 * h of one block of `n` neurons for all T steps, computed again from x and v_0 (the forward's rows in mode 3, so
 * bit for bit the h it computed) into `hs`, rows of `row` bytes: `x` points at the block's column of x (rows of
 * `stride` bytes), `vb` holds the block's v_0 on entry.
 */
function recomputeBlock(f: i32, T: i32, n: i32, x: usize, stride: usize, vb: usize, hs: usize, row: usize, k: v128, vr: v128, vth: v128, a: v128, c: v128): void {
  if (f == 0) for (let t: i32 = 0; t < T; t++) forwardRow(0, 3, n, 0, x + stride * <usize>t, vb, 0, hs + row * <usize>t, 0, k, vr, vth, a, c);
  else if (f == 1) for (let t: i32 = 0; t < T; t++) forwardRow(1, 3, n, 0, x + stride * <usize>t, vb, 0, hs + row * <usize>t, 0, k, vr, vth, a, c);
  else if (f == 2) for (let t: i32 = 0; t < T; t++) forwardRow(2, 3, n, 0, x + stride * <usize>t, vb, 0, hs + row * <usize>t, 0, k, vr, vth, a, c);
  else for (let t: i32 = 0; t < T; t++) forwardRow(3, 3, n, 0, x + stride * <usize>t, vb, 0, hs + row * <usize>t, 0, k, vr, vth, a, c);
}

/**
 * Backward over T steps (rows from T − 1 down to 0). Writes dL/dx into `dx` and dL/dv_0 into `gv` (which holds
 * dL/dv_T on entry, zeros when none, and is the running dL/dv_t); returns dL/dk when `wantDk` (else 0). `x` and `v0`
 * are read for dL/dk, and to compute h again where `h` is 0 (absent): then every block of `J` neurons (a multiple of
 * 4) runs the forward over all T steps into `hs` (T·J floats, sized by the loader to stay in cache) and its backward
 * from there, so h never goes through memory; `vb` is J floats for the block's v. `surrogate` and `p0`..`p3`: see
 * surrogate.ts; `kc`: its constants (surrogate.ts `writeConstants`). `scratch`: BLOCK floats.
 */
export function backward(
  form: i32,
  k: f32,
  vReset: f32,
  vThreshold: f32,
  hard: i32,
  detachReset: i32,
  surrogate: i32,
  p0: f32,
  p1: f32,
  p2: f32,
  p3: f32,
  T: i32,
  n4: i32,
  rowStride: i32,
  h: usize,
  x: usize,
  v0: usize,
  ds: usize,
  dh: usize,
  dvs: usize,
  wantDk: i32,
  dx: usize,
  gv: usize,
  scratch: usize,
  hs: usize,
  vb: usize,
  J: i32,
  kc: usize,
): f64 {
  const VTH = f32x4.splat(vThreshold);
  const VR = f32x4.splat(vReset);
  const A = f32x4.splat(hard ? 1 : 0);
  const C = f32x4.splat(hard ? vReset : -vThreshold);
  const KX = f32x4.splat(form == 1 ? k : 1);
  const KV = f32x4.splat(form == 0 ? 1 : 1 - k);
  const CA = f32x4.splat(hard && !detachReset ? -1 : 0);
  const CB = f32x4.splat(detachReset ? 0 : hard ? vReset : -vThreshold);
  const spikesOnly = ds != 0 && dh == 0 && dvs == 0 && !wantDk;
  const dkOn = wantDk != 0 && form != 0;
  const stride = (<usize>rowStride) << 2;
  let acc = f64x2.splat(0);
  if (h != 0) {
    for (let t: i32 = T - 1; t >= 0; t--) {
      const b = stride * <usize>t;
      for (let j: i32 = 0; j < n4; j += BLOCK) {
        const o = b + ((<usize>j) << 2);
        const og = (<usize>j) << 2;
        const hPrev = t == 0 ? v0 + og : h + o - stride;
        acc = backStep(surrogate, p0, p1, p2, p3, vThreshold, min(BLOCK, n4 - j), h + o, hPrev, o, og, x, ds, dh, dvs, dx, gv, scratch, kc, VTH, VR, A, C, CA, CB, KX, KV, spikesOnly, dkOn ? (t == 0 ? -form : form) : 0, acc);
      }
    }
  } else {
    // The forward's constants (its default-LIF rows, see `forward`), for computing h again.
    const hard0 = form == 1 && hard != 0 && vReset == 0;
    const FC = f32x4.splat(hard0 ? 0 : hard ? vReset : -vThreshold);
    const f = hard0 ? 3 : form;
    const KF = f32x4.splat(k);
    const row = (<usize>J) << 2;
    for (let jb: i32 = 0; jb < n4; jb += J) {
      const nJ = min(J, n4 - jb);
      const ob = (<usize>jb) << 2;
      for (let i: i32 = 0; i < nJ; i += 4) v128.store(vb + ((<usize>i) << 2), v128.load(v0 + ob + ((<usize>i) << 2)));
      recomputeBlock(f, T, nJ, x + ob, stride, vb, hs, row, KF, VR, VTH, A, FC);
      for (let t: i32 = T - 1; t >= 0; t--) {
        for (let j: i32 = 0; j < nJ; j += BLOCK) {
          const og = ob + ((<usize>j) << 2);
          const o = stride * <usize>t + og;
          const hr = hs + row * <usize>t + ((<usize>j) << 2);
          const hPrev = t == 0 ? v0 + og : hr - row;
          acc = backStep(surrogate, p0, p1, p2, p3, vThreshold, min(BLOCK, nJ - j), hr, hPrev, o, og, x, ds, dh, dvs, dx, gv, scratch, kc, VTH, VR, A, C, CA, CB, KX, KV, spikesOnly, dkOn ? (t == 0 ? -form : form) : 0, acc);
        }
      }
    }
  }
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * One step t of one block of `n` neurons: the surrogate derivatives of its h row (`hRow`) into `scratch`, then the
 * combining loop. `o`: the byte offset of (t, block) in the `[T, n4]` planes (x, ds, dh, dvs, dx), `og` in the `[n4]`
 * row gv; `hPrev`: h_{t−1} of the block (or v_0 where `dkForm` < 0), for dL/dk.
 */
// @ts-ignore: decorator
@inline
function backStep(
  surrogate: i32,
  p0: f32,
  p1: f32,
  p2: f32,
  p3: f32,
  vThreshold: f32,
  n: i32,
  hRow: usize,
  hPrev: usize,
  o: usize,
  og: usize,
  x: usize,
  ds: usize,
  dh: usize,
  dvs: usize,
  dx: usize,
  gv: usize,
  scratch: usize,
  kc: usize,
  VTH: v128,
  VR: v128,
  A: v128,
  C: v128,
  CA: v128,
  CB: v128,
  KX: v128,
  KV: v128,
  spikesOnly: bool,
  dkForm: i32,
  acc: v128,
): v128 {
  surrogateBlock(surrogate, p0, p1, p2, p3, n, hRow, vThreshold, scratch, kc);
  if (spikesOnly) {
    spikesBlock(n, hRow, ds + o, dx + o, gv + og, scratch, VTH, A, CA, CB, KX, KV);
    return acc;
  }
  return generalBlock(
    n,
    hRow,
    hPrev,
    x + o,
    ds == 0 ? 0 : ds + o,
    dh == 0 ? 0 : dh + o,
    dvs == 0 ? 0 : dvs + o,
    dx + o,
    gv + og,
    scratch,
    VTH,
    VR,
    A,
    C,
    CA,
    CB,
    KX,
    KV,
    dkForm,
    acc,
  );
}
