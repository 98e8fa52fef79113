/**
 * The forward of a stride-1, dilation-1, one-group convolution from NCHW x and weights [O, C, kh, kw] into NCHW y over
 * f32x4 (no im2col, no transposes; src/simd/conv-forward.ts runs it in parts of images on the kernel threads):
 *
 *   y[n, o, i, j] = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]   (0 outside x)
 *
 * Each image is first copied into a zero-padded scratch image (H + 2·ph rows of W + 2·pw floats), so that for output
 * row i and tap (c, u, v) the x values under columns j … j + 3 are one unaligned load. A row is computed in blocks of
 * 16 columns (four independent f32x4 accumulators share each splatted weight: one accumulator's chain of dependent adds
 * would be the bound); a row's last block starts at OW − 16 and overlaps the one before (those columns are computed
 * again, to the same bits), so no store runs past the row. Rows narrower than 16 go by single vectors the same way,
 * rows narrower than 4 by scalars (each block a call: its loops over the taps outweigh it). A 3 × 3 kernel over one
 * channel (the spiking CNN's input layer) has its own path, {@link plane3x3}: the nine weights stay in registers
 * and blocks of two rows share their x loads. Every output is one float32 sum over the taps in the order (c, u, v)
 * from 0, so the result does not depend on the block an output falls in, nor on how images are split between threads.
 * No static data (the module runs over tfjs's heap).
 */

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function fa(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/**
 * Columns j … j + 15 of one output row: `xr` is the padded image's channel 0 at row i, column j; `wo` the weights
 * W[o] (C·kh·kw floats); `yr` the output at column j.
 */
function block16(xr: usize, wo: usize, yr: usize, C: i32, kh: i32, kw: i32, plane: i32, Wp: i32): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let wp = wo;
  for (let c: i32 = 0; c < C; c++)
    for (let u: i32 = 0; u < kh; u++) {
      const row = fa(xr, c * plane + u * Wp);
      for (let v: i32 = 0; v < kw; v++) {
        const w = v128.load32_splat(wp);
        const p = fa(row, v);
        a0 = f32x4.add(a0, f32x4.mul(w, v128.load(p)));
        a1 = f32x4.add(a1, f32x4.mul(w, v128.load(p + 16)));
        a2 = f32x4.add(a2, f32x4.mul(w, v128.load(p + 32)));
        a3 = f32x4.add(a3, f32x4.mul(w, v128.load(p + 48)));
        wp += 4;
      }
    }
  v128.store(yr, a0);
  v128.store(yr + 16, a1);
  v128.store(yr + 32, a2);
  v128.store(yr + 48, a3);
}

/** `a` + w·x for the x vector at `p` and the x vectors 4 and 8 bytes on (taps v = 0, 1, 2), in that order. */
// @ts-ignore: decorator
@inline
function taps3(a: v128, x0: v128, x1: v128, x2: v128, w0: v128, w1: v128, w2: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.add(a, f32x4.mul(w0, x0)), f32x4.mul(w1, x1)), f32x4.mul(w2, x2));
}

/**
 * One 3 × 3 one-channel output plane (weights splatted once into nine registers): blocks of two output rows × eight
 * columns, so that each x vector loaded from the four x rows under them feeds both rows (6 loads per output vector
 * instead of 9). The last block of rows (columns) starts at OH − 2 (OW − 8) and overlaps the one before (the same sums
 * again). Needs OH ≥ 2 and OW ≥ 8. Each output's taps are added in the order (u, v), as in {@link block16}.
 */
function plane3x3(xp: usize, wo: usize, yo: usize, OH: i32, OW: i32, Wp: i32): void {
  const w00 = v128.load32_splat(wo);
  const w01 = v128.load32_splat(wo + 4);
  const w02 = v128.load32_splat(wo + 8);
  const w10 = v128.load32_splat(wo + 12);
  const w11 = v128.load32_splat(wo + 16);
  const w12 = v128.load32_splat(wo + 20);
  const w20 = v128.load32_splat(wo + 24);
  const w21 = v128.load32_splat(wo + 28);
  const w22 = v128.load32_splat(wo + 32);
  const s = (<usize>Wp) << 2;
  const ys = (<usize>OW) << 2;
  for (let i0: i32 = 0; i0 < OH; i0 += 2) {
    const i = min<i32>(i0, OH - 2);
    const xi = fa(xp, i * Wp);
    const yi = fa(yo, i * OW);
    for (let j0: i32 = 0; j0 < OW; j0 += 8) {
      const j = min<i32>(j0, OW - 8);
      const r0 = fa(xi, j);
      const r1 = r0 + s;
      const r2 = r1 + s;
      const r3 = r2 + s;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      // x row i: row i's taps u = 0
      a0 = taps3(a0, v128.load(r0), v128.load(r0 + 4), v128.load(r0 + 8), w00, w01, w02);
      a1 = taps3(a1, v128.load(r0 + 16), v128.load(r0 + 20), v128.load(r0 + 24), w00, w01, w02);
      // x row i + 1: row i's u = 1, row i + 1's u = 0
      let x0 = v128.load(r1);
      let x1 = v128.load(r1 + 4);
      let x2 = v128.load(r1 + 8);
      a0 = taps3(a0, x0, x1, x2, w10, w11, w12);
      let b0 = taps3(f32x4.splat(0), x0, x1, x2, w00, w01, w02);
      x0 = v128.load(r1 + 16);
      x1 = v128.load(r1 + 20);
      x2 = v128.load(r1 + 24);
      a1 = taps3(a1, x0, x1, x2, w10, w11, w12);
      let b1 = taps3(f32x4.splat(0), x0, x1, x2, w00, w01, w02);
      // x row i + 2: row i's u = 2, row i + 1's u = 1
      x0 = v128.load(r2);
      x1 = v128.load(r2 + 4);
      x2 = v128.load(r2 + 8);
      a0 = taps3(a0, x0, x1, x2, w20, w21, w22);
      b0 = taps3(b0, x0, x1, x2, w10, w11, w12);
      x0 = v128.load(r2 + 16);
      x1 = v128.load(r2 + 20);
      x2 = v128.load(r2 + 24);
      a1 = taps3(a1, x0, x1, x2, w20, w21, w22);
      b1 = taps3(b1, x0, x1, x2, w10, w11, w12);
      // x row i + 3: row i + 1's u = 2
      b0 = taps3(b0, v128.load(r3), v128.load(r3 + 4), v128.load(r3 + 8), w20, w21, w22);
      b1 = taps3(b1, v128.load(r3 + 16), v128.load(r3 + 20), v128.load(r3 + 24), w20, w21, w22);
      const y0 = fa(yi, j);
      v128.store(y0, a0);
      v128.store(y0 + 16, a1);
      v128.store(y0 + ys, b0);
      v128.store(y0 + ys + 16, b1);
    }
  }
}

/** Columns j … j + 3 of one output row (as {@link block16}). */
function block4(xr: usize, wo: usize, yr: usize, C: i32, kh: i32, kw: i32, plane: i32, Wp: i32): void {
  let a = f32x4.splat(0);
  let wp = wo;
  for (let c: i32 = 0; c < C; c++)
    for (let u: i32 = 0; u < kh; u++) {
      const row = fa(xr, c * plane + u * Wp);
      for (let v: i32 = 0; v < kw; v++) {
        a = f32x4.add(a, f32x4.mul(v128.load32_splat(wp), v128.load(fa(row, v))));
        wp += 4;
      }
    }
  v128.store(yr, a);
}

/** Column j of one output row, in float32 (the same products and order as one lane of {@link block4}). */
function block1(xr: usize, wo: usize, yr: usize, C: i32, kh: i32, kw: i32, plane: i32, Wp: i32): void {
  let a: f32 = 0;
  let wp = wo;
  for (let c: i32 = 0; c < C; c++)
    for (let u: i32 = 0; u < kh; u++) {
      const row = fa(xr, c * plane + u * Wp);
      for (let v: i32 = 0; v < kw; v++) {
        a += load<f32>(wp) * load<f32>(fa(row, v));
        wp += 4;
      }
    }
  store<f32>(yr, a);
}

/**
 * The outputs of `nb` consecutive images: `x` byte address of float32 [nb, C, H, W], `w` of [O, C, kh, kw], `y` of
 * [nb, O, OH, OW] (OH = H + 2·ph − kh + 1, OW = W + 2·pw − kw + 1; every element written), `xp` scratch for one
 * zero-padded image, C·(H + 2·ph)·(W + 2·pw) floats.
 */
export function convForward(
  x: usize,
  w: usize,
  y: usize,
  xp: usize,
  nb: i32,
  C: i32,
  H: i32,
  W: i32,
  O: i32,
  kh: i32,
  kw: i32,
  ph: i32,
  pw: i32,
): void {
  const Hp = H + 2 * ph;
  const Wp = W + 2 * pw;
  const OH = Hp - kh + 1;
  const OW = Wp - kw + 1;
  const plane = Hp * Wp;
  const K = C * kh * kw;
  const xImage = C * H * W;
  const yImage = O * OH * OW;
  memory.fill(xp, 0, (<usize>(C * plane)) << 2);
  for (let b: i32 = 0; b < nb; b++) {
    // the image, zero-padded (the borders stay zero from the fill)
    const xb = fa(x, b * xImage);
    for (let c: i32 = 0; c < C; c++)
      for (let a: i32 = 0; a < H; a++) memory.copy(fa(xp, (c * Hp + a + ph) * Wp + pw), fa(xb, (c * H + a) * W), (<usize>W) << 2);
    const yb = fa(y, b * yImage);
    for (let o: i32 = 0; o < O; o++) {
      const wo = fa(w, o * K);
      const yo = fa(yb, o * OH * OW);
      if (C == 1 && kh == 3 && kw == 3 && OH >= 2 && OW >= 8) {
        plane3x3(xp, wo, yo, OH, OW, Wp);
        continue;
      }
      for (let i: i32 = 0; i < OH; i++) {
        const xr = fa(xp, i * Wp);
        const yr = fa(yo, i * OW);
        if (OW >= 16) {
          let j: i32 = 0;
          for (; j + 16 <= OW; j += 16) block16(fa(xr, j), wo, fa(yr, j), C, kh, kw, plane, Wp);
          if (j < OW) block16(fa(xr, OW - 16), wo, fa(yr, OW - 16), C, kh, kw, plane, Wp);
        } else if (OW >= 4) {
          let j: i32 = 0;
          for (; j + 4 <= OW; j += 4) block4(fa(xr, j), wo, fa(yr, j), C, kh, kw, plane, Wp);
          if (j < OW) block4(fa(xr, OW - 4), wo, fa(yr, OW - 4), C, kh, kw, plane, Wp);
        } else for (let j: i32 = 0; j < OW; j++) block1(fa(xr, j), wo, fa(yr, j), C, kh, kw, plane, Wp);
      }
    }
  }
}
