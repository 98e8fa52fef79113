/**
 * One-channel 2×2 max pooling with stride 2 over f32x4 (VALID: windows inside the input; an odd last row or column is
 * not pooled), forward and gradient, for the pooling layer's `[N·C, H, W, 1]` layout. Compiled by
 * scripts/build-wasm.mjs; src/simd/max-pool.ts runs them in place on tfjs's wasm heap, in parts of whole images.
 *
 * Window (oh, ow) of image n has the taps t0 = x[2oh, 2ow], t1 = x[2oh, 2ow + 1], t2 = x[2oh + 1, 2ow],
 * t3 = x[2oh + 1, 2ow + 1]. Four windows at once: two f32x4 loads of a row (eight columns) split into their even and
 * odd columns by shuffles.
 *
 * Forward: y = pmax(−∞, pmax(pmax(t0, pmax(t3, t1)), t2)), with pmax(a, b) = a < b ? b : a (WebAssembly's
 * pseudo-maximum): the order of tfjs-backend-wasm 4.22's MaxPool (XNNPACK) as observed tap by tap on NaN, ±0 and ±∞,
 * so the two agree bit for bit (a NaN tap loses except where it comes first and nothing beats it; a NaN result
 * becomes −∞).
 *
 * Gradient: dx gets dy at the first strictly greatest tap in the order t0, t1, t2, t3, starting from −∞ (NaN never
 * wins; a window of −∞ and NaN routes nothing), as 0 + dy (−0 → 0); every other dx is +0, the odd last row and column
 * included. The rule of src/max-pool-grad.ts (tfjs's cpu kernel and TensorFlow's).
 *
 * No static data (constants are immediates): the module may run over tfjs's heap. Pointers are byte offsets.
 */

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/** Scalar pseudo-maximum: a < b ? b : a (f32x4.pmax on one lane). */
// @ts-ignore: decorator
@inline
function pmax(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

/** The forward's window maximum on scalars (see the module comment). */
// @ts-ignore: decorator
@inline
function windowMax(t0: f32, t1: f32, t2: f32, t3: f32): f32 {
  return pmax(f32.NEGATIVE_INFINITY, pmax(pmax(t0, pmax(t3, t1)), t2));
}

/**
 * Forward over `nb` images of H×W (one channel): y [nb, H/2, W/2] (floor) from x [nb, H, W].
 */
export function maxPool2x2(x: usize, y: usize, nb: i32, H: i32, W: i32): void {
  const OH = H >> 1;
  const OW = OW4(W);
  const OWall = W >> 1;
  const NEG = f32x4.splat(f32.NEGATIVE_INFINITY);
  for (let n: i32 = 0; n < nb; n++) {
    for (let oh: i32 = 0; oh < OH; oh++) {
      const r0 = at(x, (n * H + 2 * oh) * W);
      const r1 = at(r0, W);
      const out = at(y, (n * OH + oh) * OWall);
      let ow: i32 = 0;
      for (; ow < OW; ow += 4) {
        const a0 = v128.load(at(r0, 2 * ow));
        const a1 = v128.load(at(r0, 2 * ow + 4));
        const b0 = v128.load(at(r1, 2 * ow));
        const b1 = v128.load(at(r1, 2 * ow + 4));
        const t0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        const t1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const t2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const t3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const m = f32x4.pmax(f32x4.pmax(t0, f32x4.pmax(t3, t1)), t2);
        v128.store(at(out, ow), f32x4.pmax(NEG, m));
      }
      for (; ow < OWall; ow++) {
        const c = 2 * ow;
        store<f32>(at(out, ow), windowMax(load<f32>(at(r0, c)), load<f32>(at(r0, c + 1)), load<f32>(at(r1, c)), load<f32>(at(r1, c + 1))));
      }
    }
  }
}

/** Output columns done four at a time: ⌊W/2⌋ rounded down to a multiple of 4. */
// @ts-ignore: decorator
@inline
function OW4(W: i32): i32 {
  return (W >> 1) & ~3;
}

/**
 * Gradient over `nb` images of H×W (one channel): dx [nb, H, W] from x [nb, H, W] and dy [nb, H/2, W/2] (floor).
 * Writes every element of dx.
 */
export function maxPoolGrad2x2(x: usize, dy: usize, dx: usize, nb: i32, H: i32, W: i32): void {
  const OH = H >> 1;
  const OW = OW4(W);
  const OWall = W >> 1;
  const NEG = f32x4.splat(f32.NEGATIVE_INFINITY);
  const ZERO = f32x4.splat(0);
  for (let n: i32 = 0; n < nb; n++) {
    for (let oh: i32 = 0; oh < OH; oh++) {
      const row = (n * H + 2 * oh) * W;
      const r0 = at(x, row);
      const r1 = at(r0, W);
      const d0 = at(dx, row);
      const d1 = at(d0, W);
      const g = at(dy, (n * OH + oh) * OWall);
      let ow: i32 = 0;
      for (; ow < OW; ow += 4) {
        const c = 2 * ow;
        const a0 = v128.load(at(r0, c));
        const a1 = v128.load(at(r0, c + 4));
        const b0 = v128.load(at(r1, c));
        const b1 = v128.load(at(r1, c + 4));
        const t0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        const t1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const t2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const t3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        // m_k: tap k beats every earlier tap and −∞ (strictly; false for NaN)
        const m0 = f32x4.gt(t0, NEG);
        let best = v128.bitselect(t0, NEG, m0);
        const m1 = f32x4.gt(t1, best);
        best = v128.bitselect(t1, best, m1);
        const m2 = f32x4.gt(t2, best);
        best = v128.bitselect(t2, best, m2);
        const m3 = f32x4.gt(t3, best);
        // the winner is the last tap that beat the ones before it
        const later2 = v128.or(m2, m3);
        const later1 = v128.or(m1, later2);
        const gv = f32x4.add(v128.load(at(g, ow)), ZERO);
        const e0 = v128.andnot(v128.and(gv, m0), later1);
        const e1 = v128.andnot(v128.and(gv, m1), later2);
        const e2 = v128.andnot(v128.and(gv, m2), m3);
        const e3 = v128.and(gv, m3);
        v128.store(at(d0, c), v128.shuffle<f32>(e0, e1, 0, 4, 1, 5));
        v128.store(at(d0, c + 4), v128.shuffle<f32>(e0, e1, 2, 6, 3, 7));
        v128.store(at(d1, c), v128.shuffle<f32>(e2, e3, 0, 4, 1, 5));
        v128.store(at(d1, c + 4), v128.shuffle<f32>(e2, e3, 2, 6, 3, 7));
      }
      for (; ow < OWall; ow++) {
        const c = 2 * ow;
        let best: f32 = f32.NEGATIVE_INFINITY;
        let where: i32 = -1;
        const t0 = load<f32>(at(r0, c));
        if (t0 > best) {
          best = t0;
          where = 0;
        }
        const t1 = load<f32>(at(r0, c + 1));
        if (t1 > best) {
          best = t1;
          where = 1;
        }
        const t2 = load<f32>(at(r1, c));
        if (t2 > best) {
          best = t2;
          where = 2;
        }
        if (load<f32>(at(r1, c + 1)) > best) where = 3;
        const v: f32 = <f32>0 + load<f32>(at(g, ow));
        store<f32>(at(d0, c), where == 0 ? v : 0);
        store<f32>(at(d0, c + 1), where == 1 ? v : 0);
        store<f32>(at(d1, c), where == 2 ? v : 0);
        store<f32>(at(d1, c + 1), where == 3 ? v : 0);
      }
      if (W & 1) {
        store<f32>(at(d0, W - 1), 0);
        store<f32>(at(d1, W - 1), 0);
      }
    }
    // an odd last row is not pooled: no gradient
    if (H & 1) memory.fill(at(dx, (n * H + H - 1) * W), 0, (<usize>W) << 2);
  }
}
