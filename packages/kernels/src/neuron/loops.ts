/**
 * The fused multi-step neuron, forward and backward, as plain loops over `Float32Array`s. Shared by the tfjs
 * kernels of every backend that can hand out typed arrays (`cpu`, `wasm`; see kernels.ts).
 *
 * Layout: time-major `[T, N]` (row t is step t, N = the number of neurons in one step), the state `v` is `[N]`.
 * One pass over time with the neurons as the inner loop, so every array is read or written once, contiguously.
 *
 * Forward (one float32 rounding per operation, `Math.fround`, in the order of the composed ops of `@spikefn/neurons`, so
 * that spikes and membranes equal the composed path bit for bit on the cpu and wasm backends):
 *
 *   h_t = charge(v_{t−1}, x_t);   s_t = [h_t ≥ V_th];   v_t = s_t ? V_reset : h_t  (hard)   or  h_t − V_th·s_t  (soft)
 *
 * Backward (BPTT through v), in double precision between loads and stores (gradients match the composed path to
 * float32 rounding, not bit for bit). With d_t = surrogate'(h_t − V_th), gv = dL/dv_t (from later steps, from the
 * final state and from a recorded v_t), the gradient reaching h_t is
 *
 *   gh_t = dL/ds_t·d_t + dL/dh_t + gv·∂v_t/∂h_t
 *   ∂v_t/∂h_t = (1 − s_t) + (V_reset − h_t)·d_t      hard reset   (the second term vanishes with detachReset)
 *             = 1 − V_th·d_t                          soft reset   (1 with detachReset)
 *
 * and the charge, linear in v and x, passes it on: dL/dx_t = gh_t·∂h/∂x, dL/dv_{t−1} = gh_t·∂h/∂v, and for a
 * learnable decay dL/dk += gh_t·∂h/∂k:
 *
 *   form             ∂h/∂x   ∂h/∂v    ∂h/∂k
 *   'if'             1       1        0
 *   'decay-input'    k       1 − k    x_t − (v_{t−1} − V_r)
 *   'no-decay-input' 1       1 − k    −(v_{t−1} − V_r)
 *
 * (v_{t−1} is rebuilt from h_{t−1}, so the forward saves h only.)
 *
 * @module
 */
import { EXP_FRAC, EXP_INT, EXP_SCALE, EXP_STEP, EXP_Y_MIN } from '../exp.js';

/**
 * Which built-in surrogate a derivative is, with its hyper-parameters: `alpha` is α (for `piecewiseLeakyRelu` the
 * half-width w, with `c` and the window `slope`; for `squarewaveFourierSeries` n, with `tPeriod`). The loops here
 * inline the sigmoid (d = α·e/(1 + e)², e = exp(−α·abs(z))) and atan (d = (α/2)/(1 + (π/2·α·z)²)) and call the scalar
 * derivative for the others; the SIMD backward (../simd) computes every kind itself.
 */
export type SurrogateHint = {
  /** Which built-in surrogate (the name of its constructor in `@spikefn/neurons`). */
  readonly kind:
    | 'sigmoid'
    | 'atan'
    | 'piecewiseQuadratic'
    | 'piecewiseExp'
    | 'softSign'
    | 'erf'
    | 'piecewiseLeakyRelu'
    | 'nonzeroSignLogAbs'
    | 'squarewaveFourierSeries';
  /** α (w for `piecewiseLeakyRelu`, n for `squarewaveFourierSeries`). */
  readonly alpha: number;
  /** `piecewiseLeakyRelu`: the slope c outside the window. */
  readonly c?: number;
  /** `piecewiseLeakyRelu`: the slope inside the window. */
  readonly slope?: number;
  /** `squarewaveFourierSeries`: the period T of the square wave. */
  readonly tPeriod?: number;
};

/** 0 = 'if', 1 = 'decay-input', 2 = 'no-decay-input'. */
export type FormCode = 0 | 1 | 2;

/** Plain settings of one fused call. `vThreshold`, `vReset` and `k` are float32 values. */
export type CoreSettings = {
  readonly form: FormCode;
  readonly k: number;
  readonly vThreshold: number;
  /** V_reset for a hard reset; for a soft reset the V_r of the charge (0). */
  readonly vReset: number;
  readonly hard: boolean;
  readonly detachReset: boolean;
};

const fr = Math.fround;

// Each time step of each variant is its own small function, called T times per kernel call: V8 then optimizes
// every loop as a whole function with its own type feedback (one big function with many loops ran partly
// unoptimized). Training rows write h, inference rows do not, and only records go through the general row with
// optional outputs: a check per element for an output that is never there costs as much as a third of a row.
//
// The reset is arithmetic, not a branch (spikes are data-dependent and would mispredict):
// v = (1 − a·s)·h + c·s with a = 1, c = V_reset (hard) or a = 0, c = −V_th (soft): the composed ops
// (1 − s)·h + s·V_reset and h − s·V_th, operation for operation. For finite h and s in {0, 1} this is exactly h, exactly
// V_reset, or h − V_th rounded once by the float32 store; for non-finite h it is what IEEE-754 gives the composed ops
// (a hard reset of h = +Infinity is 0·Infinity + V_reset = NaN; −Infinity and NaN stay), so both paths record the same
// v for every input, signed zeros included. The default LIF (decay input, hard reset to 0) has its own rows.

type Row = (
  x: Float32Array,
  v: Float32Array,
  spikes: Float32Array,
  h: Float32Array,
  b: number,
  N: number,
  k: number,
  vr: number,
  vth: number,
  a: number,
  c: number,
) => void;
type RecordRow = (
  x: Float32Array,
  v: Float32Array,
  spikes: Float32Array,
  h: Float32Array,
  vSeq: Float32Array,
  b: number,
  N: number,
  k: number,
  vr: number,
  vth: number,
  a: number,
  c: number,
  form: FormCode,
) => void;

/** 'decay-input', hard reset to 0: h = v + (x − v)·k (v − 0 is exact), v = (1 − s)·h + 0 (+0: a −0 h becomes +0, as in the composed (1 − s)·h + s·0). Training (writes h). */
const trainDecayInputHard0: Row = (x, v, spikes, h, b, N, k, _vr, vth) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const hv = fr(vi + fr(fr((x[b + i] as number) - vi) * k));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    h[b + i] = hv;
    v[i] = (1 - s) * hv + 0;
  }
};

/** The same without h (inference). */
const inferDecayInputHard0: Row = (x, v, spikes, _h, b, N, k, _vr, vth) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const hv = fr(vi + fr(fr((x[b + i] as number) - vi) * k));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    v[i] = (1 - s) * hv + 0;
  }
};

/** 'decay-input': h = v + (x − (v − V_r))·k. Training. */
const trainDecayInput: Row = (x, v, spikes, h, b, N, k, vr, vth, a, c) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const hv = fr(vi + fr(fr((x[b + i] as number) - fr(vi - vr)) * k));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    h[b + i] = hv;
    v[i] = (1 - a * s) * hv + c * s;
  }
};

/** 'decay-input', inference. */
const inferDecayInput: Row = (x, v, spikes, _h, b, N, k, vr, vth, a, c) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const hv = fr(vi + fr(fr((x[b + i] as number) - fr(vi - vr)) * k));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    v[i] = (1 - a * s) * hv + c * s;
  }
};

/** 'no-decay-input': h = v − (v − V_r)·k + x. Training. */
const trainNoDecayInput: Row = (x, v, spikes, h, b, N, k, vr, vth, a, c) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const hv = fr(fr(vi - fr(fr(vi - vr) * k)) + (x[b + i] as number));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    h[b + i] = hv;
    v[i] = (1 - a * s) * hv + c * s;
  }
};

/** 'no-decay-input', inference. */
const inferNoDecayInput: Row = (x, v, spikes, _h, b, N, k, vr, vth, a, c) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const hv = fr(fr(vi - fr(fr(vi - vr) * k)) + (x[b + i] as number));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    v[i] = (1 - a * s) * hv + c * s;
  }
};

/** 'if': h = v + x. Training. */
const trainIf: Row = (x, v, spikes, h, b, N, _k, _vr, vth, a, c) => {
  for (let i = 0; i < N; i++) {
    const hv = fr((v[i] as number) + (x[b + i] as number));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    h[b + i] = hv;
    v[i] = (1 - a * s) * hv + c * s;
  }
};

/** 'if', inference. */
const inferIf: Row = (x, v, spikes, _h, b, N, _k, _vr, vth, a, c) => {
  for (let i = 0; i < N; i++) {
    const hv = fr((v[i] as number) + (x[b + i] as number));
    const s = +(hv >= vth);
    spikes[b + i] = s;
    v[i] = (1 - a * s) * hv + c * s;
  }
};

/** Records: any form (a branch per element, predictable), h and the v trace written. */
const recordRow: RecordRow = (x, v, spikes, h, vSeq, b, N, k, vr, vth, a, c, form) => {
  for (let i = 0; i < N; i++) {
    const vi = v[i] as number;
    const xi = x[b + i] as number;
    const hv = form === 1 ? fr(vi + fr(fr(xi - fr(vi - vr)) * k)) : form === 2 ? fr(fr(vi - fr(fr(vi - vr) * k)) + xi) : fr(vi + xi);
    const s = +(hv >= vth);
    spikes[b + i] = s;
    h[b + i] = hv;
    const vn = (1 - a * s) * hv + c * s;
    v[i] = vn;
    vSeq[b + i] = vn;
  }
};

const NO_H = new Float32Array(0);

/**
 * Forward over T steps. `v` holds v_0 on entry and v_T on return. `spikes` receives s; `h` (optional) receives h
 * (what the backward needs, and `vBeforeReset`); `vSeq` (optional, with `h`) receives v after reset at every step.
 */
export function forward(
  p: CoreSettings,
  T: number,
  N: number,
  x: Float32Array,
  v: Float32Array,
  spikes: Float32Array,
  h: Float32Array | null,
  vSeq: Float32Array | null,
): void {
  const { form, k, vReset: vr, vThreshold: vth, hard } = p;
  const a = hard ? 1 : 0;
  const c = hard ? vr : -vth;
  if (vSeq !== null) {
    if (h === null) throw new Error('spikefn fused forward: a v trace needs h too');
    for (let t = 0; t < T; t++) recordRow(x, v, spikes, h, vSeq, t * N, N, k, vr, vth, a, c, form);
    return;
  }
  const train = h !== null;
  const row =
    form === 1 && hard && vr === 0
      ? train
        ? trainDecayInputHard0
        : inferDecayInputHard0
      : form === 1
        ? train
          ? trainDecayInput
          : inferDecayInput
        : form === 2
          ? train
            ? trainNoDecayInput
            : inferNoDecayInput
          : train
            ? trainIf
            : inferIf;
  const hOut = h ?? NO_H;
  for (let t = 0; t < T; t++) row(x, v, spikes, hOut, t * N, N, k, vr, vth, a, c);
}

/** Upstream gradients of one backward call; `null` = that output got no gradient (zero). */
export type CoreCotangents = {
  /** dL/d spikes, `[T, N]`. */
  readonly dSpikes: Float32Array | null;
  /** dL/d v_T (the final state), `[N]`. */
  readonly dV: Float32Array | null;
  /** dL/d h (the recorded `vBeforeReset`), `[T, N]`. */
  readonly dH: Float32Array | null;
  /** dL/d v_t (the recorded `v`), `[T, N]`. */
  readonly dVSeq: Float32Array | null;
};

/**
 * The surrogate as the backward takes it: its scalar derivative, and for the built-in sigmoid and atan a hint that
 * lets the common row inline the derivative instead of calling it.
 */
export type ScalarSurrogate = { readonly derivative: (z: number) => number; readonly hint?: SurrogateHint | undefined };

// The common training rows: gradients reach the spikes (and maybe the final v) only. The reset enters as
// gh = g·(1 − a·s) + (dL/ds + g·(cA·h + cB))·d, where (a, cA, cB) = (1, −1, V_reset) for a hard reset,
// (1, 0, 0) hard detached, (0, 0, −V_th) soft, (0, 0, 0) soft detached; no branch on the mode inside the loop.
// One row per derivative: sigmoid and atan inlined (the derivative is most of the backward's arithmetic), any other
// surrogate called through its derivativeScalar.

type SpikesRow = (
  h: Float32Array,
  dSpikes: Float32Array,
  dx: Float32Array,
  gv: Float32Array,
  b: number,
  N: number,
  vth: number,
  a: number,
  cA: number,
  cB: number,
  kx: number,
  kv: number,
  alpha: number,
  derivative: (z: number) => number,
) => void;

/** Sigmoid(α): d = α·e/(1 + e)², e = exp(−α·abs(z)) by the table reduction of `expNonPositive` (exp.ts), inlined. */
const spikesRowSigmoid: SpikesRow = (h, dSpikes, dx, gv, b, N, vth, a, cA, cB, kx, kv, alpha) => {
  const scale = -alpha * EXP_SCALE;
  for (let i = 0; i < N; i++) {
    const hv = h[b + i] as number;
    const y = scale * Math.abs(hv - vth);
    const n = y < EXP_Y_MIN ? -EXP_Y_MIN : (0.5 - y) | 0;
    const f = (y + n) * EXP_STEP;
    const e = (1 + f * (1 + f * (0.5 + f * (1 / 6)))) * ((EXP_FRAC[n & 63] as number) * (EXP_INT[n >> 6] as number));
    const q = 1 + e;
    const d = (alpha * e) / (q * q);
    const g = gv[i] as number;
    const gh = g * (1 - a * +(hv >= vth)) + ((dSpikes[b + i] as number) + g * (cA * hv + cB)) * d;
    dx[b + i] = gh * kx;
    gv[i] = gh * kv;
  }
};

/** ATan(α): d = (α/2)/(1 + (π/2·α·z)²), inlined. */
const spikesRowAtan: SpikesRow = (h, dSpikes, dx, gv, b, N, vth, a, cA, cB, kx, kv, alpha) => {
  const halfPiAlpha = (Math.PI / 2) * alpha;
  const halfAlpha = alpha / 2;
  for (let i = 0; i < N; i++) {
    const hv = h[b + i] as number;
    const u = halfPiAlpha * (hv - vth);
    const d = halfAlpha / (1 + u * u);
    const g = gv[i] as number;
    const gh = g * (1 - a * +(hv >= vth)) + ((dSpikes[b + i] as number) + g * (cA * hv + cB)) * d;
    dx[b + i] = gh * kx;
    gv[i] = gh * kv;
  }
};

/** Any surrogate, through its derivativeScalar. */
const spikesRowGeneric: SpikesRow = (h, dSpikes, dx, gv, b, N, vth, a, cA, cB, kx, kv, _alpha, derivative) => {
  for (let i = 0; i < N; i++) {
    const hv = h[b + i] as number;
    const d = derivative(hv - vth);
    const g = gv[i] as number;
    const gh = g * (1 - a * +(hv >= vth)) + ((dSpikes[b + i] as number) + g * (cA * hv + cB)) * d;
    dx[b + i] = gh * kx;
    gv[i] = gh * kv;
  }
};

/** Any row: every cotangent optional, and dL/dk accumulated when asked. Returns this row's share of dL/dk. */
function backRow(
  p: CoreSettings,
  t: number,
  N: number,
  derivative: (z: number) => number,
  h: Float32Array,
  x: Float32Array,
  v0: Float32Array,
  cot: CoreCotangents,
  wantDk: boolean,
  dx: Float32Array,
  gv: Float32Array,
): number {
  const { form, k, vThreshold: vth, vReset: vr, hard, detachReset } = p;
  const { dSpikes, dH, dVSeq } = cot;
  const kx = form === 1 ? k : 1;
  const kv = form === 0 ? 1 : 1 - k;
  const a = hard ? 1 : 0;
  const cHard = hard && !detachReset;
  const cSoft = !hard && !detachReset ? -vth : 0;
  const b = t * N;
  let dk = 0;
  for (let i = 0; i < N; i++) {
    const hv = h[b + i] as number;
    const d = derivative(hv - vth);
    const g = (gv[i] as number) + (dVSeq !== null ? (dVSeq[b + i] as number) : 0);
    const s = +(hv >= vth);
    let gh = g * (1 - a * s) + g * (cHard ? vr - hv : cSoft) * d;
    if (dSpikes !== null) gh += (dSpikes[b + i] as number) * d;
    if (dH !== null) gh += dH[b + i] as number;
    dx[b + i] = gh * kx;
    gv[i] = gh * kv;
    if (wantDk && form !== 0) {
      // v_{t−1}: v_0, or rebuilt from h_{t−1} exactly as the forward computed it.
      let vp: number;
      if (t === 0) vp = v0[i] as number;
      else {
        const hp = h[b - N + i] as number;
        const sp = +(hp >= vth);
        vp = fr((1 - (hard ? 1 : 0) * sp) * hp + (hard ? vr : -vth) * sp);
      }
      const centred = fr(vp - vr);
      dk += gh * (form === 1 ? fr((x[b + i] as number) - centred) : -centred);
    }
  }
  return dk;
}

/**
 * Backward over T steps. Writes dL/dx into `dx` (`[T, N]`) and dL/dv_0 into `dv0` (`[N]`; also used as the
 * running dL/dv_t); returns dL/dk when `wantDk` (else 0). `x` and `v0` are read only for dL/dk.
 */
export function backward(
  p: CoreSettings,
  T: number,
  N: number,
  surrogate: ScalarSurrogate,
  h: Float32Array,
  x: Float32Array,
  v0: Float32Array,
  cot: CoreCotangents,
  wantDk: boolean,
  dx: Float32Array,
  dv0: Float32Array,
): number {
  if (cot.dV !== null) dv0.set(cot.dV);
  else dv0.fill(0);
  const spikesOnly = cot.dSpikes !== null && cot.dH === null && cot.dVSeq === null && !wantDk;
  if (!spikesOnly) {
    let dk = 0;
    for (let t = T - 1; t >= 0; t--) dk += backRow(p, t, N, surrogate.derivative, h, x, v0, cot, wantDk, dx, dv0);
    return dk;
  }
  const { form, k, vThreshold: vth, vReset: vr, hard, detachReset } = p;
  const kx = form === 1 ? k : 1; // ∂h/∂x
  const kv = form === 0 ? 1 : 1 - k; // ∂h/∂v
  const a = hard ? 1 : 0;
  const cA = hard && !detachReset ? -1 : 0;
  const cB = detachReset ? 0 : hard ? vr : -vth;
  const hint = surrogate.hint;
  const row = hint?.kind === 'sigmoid' ? spikesRowSigmoid : hint?.kind === 'atan' ? spikesRowAtan : spikesRowGeneric;
  const alpha = hint?.alpha ?? 0;
  const dSpikes = cot.dSpikes as Float32Array;
  for (let t = T - 1; t >= 0; t--) row(h, dSpikes, dx, dv0, t * N, N, vth, a, cA, cB, kx, kv, alpha, surrogate.derivative);
  return 0;
}
