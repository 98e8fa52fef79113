/**
 * Surrogate derivatives g'(z), z = h − V_th, over f32x4, for the backward of neuron.ts: the built-in surrogates of
 * the neurons package (its surrogate.ts and surrogate-extra.ts give the definitions). Float32 accuracy (a few ulp),
 * which is what a gradient needs; a surrogate without an id here runs the JavaScript kernel.
 *
 *   id  surrogate                    parameters p0..p3                g'(z)
 *   1   sigmoid(α)                   α                                α·e/(1 + e)², e = exp(−α·abs(z))
 *   2   atan(α)                      α                                (α/2)/(1 + (π/2·α·z)²)
 *   3   piecewiseQuadratic(α)        α                                max(0, α − α²·abs(z))
 *   4   piecewiseExp(α)              α                                (α/2)·exp(−α·abs(z))
 *   5   softSign(α)                  α                                α/(2(1 + abs(α·z))²)
 *   6   erf(α)                       α                                (α/√π)·exp(−(α·z)²)
 *   7   piecewiseLeakyRelu(w, c)     w, c, window slope               slope (abs(z) < w, z in double), c otherwise
 *   8   nonzeroSignLogAbs(α)         α                                1/(1/α + abs(z))
 *   9   squarewaveFourierSeries(n,T) n − 1 harmonics, T                (4/T)·Σ_{i=1}^{n−1} cos((2i − 1)·ω·r), ω = 2π/T,
 *                                                                     r = z − T·round(z/T) (0 where that is ±∞)
 */

/** 1.5·2^23: y + ROUND − ROUND is y rounded to the nearest integer (ties to even) for abs(y) < 2^22. */
const ROUND: f32 = 12582912;

/**
 * Writes the constants of expNonPositive at `kc` (12 words: 11 floats, then the exponent bias 127 as an int), for
 * {@link surrogateBlock} to load into registers once before a loop (a v128 constant inside the loop is rebuilt in
 * every iteration by engines that materialise immediates). They live where the loader puts them, not in a data
 * segment: the module has no static data, so it can run over a memory that is not its own (tfjs's wasm heap).
 */
export function writeConstants(kc: usize): void {
  store<f32>(kc, -87);
  store<f32>(kc, 1.44269504, 4);
  store<f32>(kc, ROUND, 8);
  store<f32>(kc, 0.693145752, 12);
  store<f32>(kc, 1.42860677e-6, 16);
  store<f32>(kc, 0.008369148708879948, 20);
  store<f32>(kc, 0.041917506605386734, 24);
  store<f32>(kc, 0.16666504740715027, 28);
  store<f32>(kc, 0.49998870491981506, 32);
  store<f32>(kc, 1, 36);
  store<f32>(kc, 1.0000001192092896, 40);
  store<i32>(kc, 127, 44);
}

/** The i-th constant written by {@link writeConstants} at `kc`, in all four lanes. */
// @ts-ignore: decorator
@inline
function expK(kc: usize, i: i32): v128 {
  return v128.load32_splat(kc + ((<usize>i) << 2));
}

/**
 * e^x for x ≤ 0: n = round(x·log2 e), r = x − n·ln 2 (two-part ln 2), e^r by a degree-5 polynomial (interpolating
 * e^r at the Chebyshev nodes of [−ln2/2, ln2/2]; relative error < 2e−7 there, about 2 ulp), times 2^n built in the
 * exponent bits. x is clamped to −87 (e^−87 ≈ 1.6e−38, below anything a float32 gradient resolves next to 1); NaN
 * stays NaN. The rounding adds 1.5·2^23, whose float32 bits then hold 0x4B400000 + n: adding 127 and shifting left by
 * 23 leaves (n + 127) << 23, the bits of 2^n (cheaper than `nearest` and a float-to-int conversion, as are the
 * pseudo-minimum and -maximum `pmin`/`pmax` against IEEE `min`/`max`). k0..k11: {@link expK}(0..11) (k11 the bias
 * 127), loaded before the loop.
 */
// @ts-ignore: decorator
@inline
function expNonPositive(x: v128, k0: v128, k1: v128, k2: v128, k3: v128, k4: v128, k5: v128, k6: v128, k7: v128, k8: v128, k9: v128, k10: v128, k11: v128): v128 {
  const xc = f32x4.pmax(x, k0);
  const t = f32x4.add(f32x4.mul(xc, k1), k2);
  const n = f32x4.sub(t, k2);
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, k3)), f32x4.mul(n, k4));
  let p = f32x4.add(f32x4.mul(k5, r), k6);
  p = f32x4.add(f32x4.mul(p, r), k7);
  p = f32x4.add(f32x4.mul(p, r), k8);
  p = f32x4.add(f32x4.mul(p, r), k9);
  p = f32x4.add(f32x4.mul(p, r), k10);
  const scale = i32x4.shl(i32x4.add(t, k11), 23);
  return f32x4.mul(p, scale);
}

/**
 * cos(θ) for moderate θ: θ = m·π + u with m = round(θ/π), u ∈ [−π/2, π/2] (two-part π), cos θ = (−1)^m·cos u, cos u
 * by its Taylor polynomial of degree 12 (error < 5e−9 there).
 */
// @ts-ignore: decorator
@inline
function cosine(theta: v128): v128 {
  const t = f32x4.add(f32x4.mul(theta, f32x4.splat(0.318309886)), f32x4.splat(ROUND));
  const m = f32x4.sub(t, f32x4.splat(ROUND));
  const u = f32x4.sub(f32x4.sub(theta, f32x4.mul(m, f32x4.splat(3.140625))), f32x4.mul(m, f32x4.splat(9.67653589793e-4)));
  const u2 = f32x4.mul(u, u);
  let p = f32x4.splat(1.0 / 479001600);
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-1.0 / 3628800));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(1.0 / 40320));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-1.0 / 720));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-0.5));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(1));
  // the low bit of t's bits is m's parity
  const sign = i32x4.shl(t, 31);
  return v128.xor(p, sign);
}

/** Writes g'(h − V_th) for `n` neurons (a multiple of 4) from `h` to `out`; `kc`: the constants ({@link writeConstants}). */
export function surrogateBlock(id: i32, p0: f32, p1: f32, p2: f32, p3: f32, n: i32, h: usize, vThreshold: f32, out: usize, kc: usize): void {
  const vth = f32x4.splat(vThreshold);
  const P0 = f32x4.splat(p0);
  const one = expK(kc, 9); // 1, from memory (see writeConstants)
  const k0 = expK(kc, 0);
  const k1 = expK(kc, 1);
  const k2 = expK(kc, 2);
  const k3 = expK(kc, 3);
  const k4 = expK(kc, 4);
  const k5 = expK(kc, 5);
  const k6 = expK(kc, 6);
  const k7 = expK(kc, 7);
  const k8 = expK(kc, 8);
  const k9 = expK(kc, 9);
  const k10 = expK(kc, 10);
  const k11 = expK(kc, 11);
  if (id == 1) {
    const negAlpha = f32x4.splat(-p0);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const z = f32x4.sub(v128.load(h + o), vth);
      const e = expNonPositive(f32x4.mul(negAlpha, f32x4.abs(z)), k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11);
      const q = f32x4.add(one, e);
      v128.store(out + o, f32x4.div(f32x4.mul(P0, e), f32x4.mul(q, q)));
    }
  } else if (id == 2) {
    const halfPiAlpha = f32x4.splat(<f32>(Math.PI / 2) * p0);
    const halfAlpha = f32x4.splat(p0 / 2);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const u = f32x4.mul(halfPiAlpha, f32x4.sub(v128.load(h + o), vth));
      v128.store(out + o, f32x4.div(halfAlpha, f32x4.add(one, f32x4.mul(u, u))));
    }
  } else if (id == 3) {
    const alpha2 = f32x4.splat(p0 * p0);
    const zero = f32x4.splat(0);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const z = f32x4.abs(f32x4.sub(v128.load(h + o), vth));
      v128.store(out + o, f32x4.pmax(f32x4.sub(P0, f32x4.mul(alpha2, z)), zero));
    }
  } else if (id == 4) {
    const negAlpha = f32x4.splat(-p0);
    const halfAlpha = f32x4.splat(p0 / 2);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const z = f32x4.abs(f32x4.sub(v128.load(h + o), vth));
      v128.store(out + o, f32x4.mul(halfAlpha, expNonPositive(f32x4.mul(negAlpha, z), k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11)));
    }
  } else if (id == 5) {
    const two = f32x4.splat(2);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const q = f32x4.add(one, f32x4.abs(f32x4.mul(P0, f32x4.sub(v128.load(h + o), vth))));
      v128.store(out + o, f32x4.div(P0, f32x4.mul(two, f32x4.mul(q, q))));
    }
  } else if (id == 6) {
    const scale = f32x4.splat(p0 / <f32>Math.sqrt(Math.PI));
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const u = f32x4.mul(P0, f32x4.sub(v128.load(h + o), vth));
      v128.store(out + o, f32x4.mul(scale, expNonPositive(f32x4.neg(f32x4.mul(u, u)), k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11)));
    }
  } else if (id == 7) {
    const slope = f32x4.splat(p2);
    const c = f32x4.splat(p1);
    const vth64 = f64x2.splat(<f64>vThreshold);
    const w64 = f64x2.splat(<f64>p0);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      // The window test abs(h − V_th) < w in double, as the JavaScript derivative takes it (a float32 difference
      // would round differently next to the window's edge, where the derivative jumps): two lanes at a time.
      const hv = v128.load(h + o);
      const lo = f64x2.lt(f64x2.abs(f64x2.sub(f64x2.promote_low_f32x4(hv), vth64)), w64);
      const hi = f64x2.lt(f64x2.abs(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(hv, hv, 2, 3, 0, 1)), vth64)), w64);
      const inside = v128.shuffle<i32>(lo, hi, 0, 2, 4, 6);
      v128.store(out + o, v128.bitselect(slope, c, inside));
    }
  } else if (id == 8) {
    const invAlpha = f32x4.splat(1 / p0);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(out + o, f32x4.div(one, f32x4.add(invAlpha, f32x4.abs(f32x4.sub(v128.load(h + o), vth)))));
    }
  } else if (id == 9) {
    const harmonics = <i32>p0;
    const period = f32x4.splat(p1);
    const invPeriod = f32x4.splat(1 / p1);
    const omega = <f32>(2 * Math.PI) / p1;
    const gain = f32x4.splat(4 / p1);
    const inf = f32x4.splat(Infinity);
    const zero = f32x4.splat(0);
    for (let i: i32 = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      const z = f32x4.sub(v128.load(h + o), vth);
      let r = f32x4.sub(z, f32x4.mul(period, f32x4.nearest(f32x4.mul(z, invPeriod))));
      r = v128.bitselect(zero, r, f32x4.eq(f32x4.abs(r), inf));
      let sum = zero;
      for (let j: i32 = 1; j <= harmonics; j++) {
        const odd: i32 = 2 * j - 1;
        sum = f32x4.add(sum, cosine(f32x4.mul(r, f32x4.splat(<f32>odd * omega))));
      }
      v128.store(out + o, f32x4.mul(gain, sum));
    }
  } else {
    unreachable();
  }
}
