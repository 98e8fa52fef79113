/**
 * The filter gradient of a stride-1, dilation-1, one-group convolution straight from NCHW x and NCHW dy over f32x4
 * (no im2col, no transposes; src/simd/conv-filter.ts runs it in parts of images on the kernel threads):
 *
 *   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]   (0 outside x)
 *
 * Each image is first laid out on one row stride S: x zero-padded (channel c at `xp + c·CS`, row a + ph at offset
 * (a + ph)·S + pw) and dy with zeros after each row's OW values (channel o at `dyp + o·L`, L = OH·S rounded up to 4).
 * S = W + pw where OW ≤ W + pw (the zeros before a row are also the right padding of the row above), else W + 2·pw.
 * Then every tap is one dot product of two contiguous runs of L floats:
 *
 *   dW[o, c, u, v] += Σ_{q < L} dyp[o, q] · xp[c, q + u·S + v]
 *
 * (q = i·S + j; the zeros of dyp drop the columns j ≥ OW, and the padding of xp is x's zeros). Register tile: three
 * output channels o × three taps v, nine f32x4 accumulators fed by three loads of x and three of dy per step (four
 * channels, twelve accumulators, measured 5 % slower: more live vectors than registers). Output channels past O and
 * taps past kw in the last tile are computed on repeated rows and dropped.
 *
 * Summation order (fixed, so any split of the images gives the same bits): per image and tap, an f32x4 accumulator
 * over q (lane l sums q ≡ l mod 4 in order); its lanes then go to double, are added as (l0 + l1) + (l2 + l3), and that
 * is added to the f64 `dw[o, c, u, v]` (images in order). No static data (the module runs over tfjs's heap).
 */

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function fa(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/** Adds (l0 + l1) + (l2 + l3) in double (the lanes of `acc`) to the f64 at byte `at`. */
// @ts-ignore: decorator
@inline
function add(at: usize, acc: v128): void {
  const l01 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1);
  const l23 = <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  store<f64>(at, load<f64>(at) + (l01 + l23));
}

/**
 * Adds the filter gradient of `nb` consecutive images to the f64 array `dw` [O, C, kh, kw] (byte address; not
 * zeroed here). `x`: byte address of float32 [nb, C, H, W]; `dy`: of float32 [nb, O, OH, OW]; `xp`: 16-byte aligned
 * scratch of C·CS floats, `dyp`: of O·L floats, where S is the row stride above, L ≥ OH·S a multiple of 4 and
 * CS ≥ L + (kh − 1)·S + kw + 2 (past the farthest float a tile's loads reach; src/simd/conv-filter.ts lays them out).
 */
export function convFilterGrad(
  x: usize,
  dy: usize,
  dw: usize,
  xp: usize,
  dyp: usize,
  nb: i32,
  C: i32,
  H: i32,
  W: i32,
  O: i32,
  OH: i32,
  OW: i32,
  kh: i32,
  kw: i32,
  ph: i32,
  pw: i32,
  S: i32,
  L: i32,
  CS: i32,
): void {
  const xImage = C * H * W;
  const dyImage = O * OH * OW;
  const oStep = (<usize>(C * kh * kw)) << 3;
  const end = (<usize>L) << 2;
  // the zeros (padding, row tails) are never overwritten: each image writes the same positions
  memory.fill(xp, 0, (<usize>(C * CS)) << 2);
  memory.fill(dyp, 0, (<usize>(O * L)) << 2);
  for (let b: i32 = 0; b < nb; b++) {
    const xb = fa(x, b * xImage);
    for (let c: i32 = 0; c < C; c++)
      for (let a: i32 = 0; a < H; a++) memory.copy(fa(xp, c * CS + (a + ph) * S + pw), fa(xb, (c * H + a) * W), (<usize>W) << 2);
    const db = fa(dy, b * dyImage);
    for (let o: i32 = 0; o < O; o++)
      for (let i: i32 = 0; i < OH; i++) memory.copy(fa(dyp, o * L + i * S), fa(db, (o * OH + i) * OW), (<usize>OW) << 2);
    for (let o0: i32 = 0; o0 < O; o0 += 3) {
      const r0 = fa(dyp, o0 * L);
      const r1 = fa(dyp, min<i32>(o0 + 1, O - 1) * L);
      const r2 = fa(dyp, min<i32>(o0 + 2, O - 1) * L);
      for (let c: i32 = 0; c < C; c++)
        for (let u: i32 = 0; u < kh; u++)
          for (let v0: i32 = 0; v0 < kw; v0 += 3) {
            const xr = fa(xp, c * CS + u * S + v0);
            let a00 = f32x4.splat(0);
            let a01 = f32x4.splat(0);
            let a02 = f32x4.splat(0);
            let a10 = f32x4.splat(0);
            let a11 = f32x4.splat(0);
            let a12 = f32x4.splat(0);
            let a20 = f32x4.splat(0);
            let a21 = f32x4.splat(0);
            let a22 = f32x4.splat(0);
            for (let q: usize = 0; q < end; q += 16) {
              const p = xr + q;
              const x0 = v128.load(p);
              const x1 = v128.load(p + 4);
              const x2 = v128.load(p + 8);
              let d = v128.load(r0 + q);
              a00 = f32x4.add(a00, f32x4.mul(d, x0));
              a01 = f32x4.add(a01, f32x4.mul(d, x1));
              a02 = f32x4.add(a02, f32x4.mul(d, x2));
              d = v128.load(r1 + q);
              a10 = f32x4.add(a10, f32x4.mul(d, x0));
              a11 = f32x4.add(a11, f32x4.mul(d, x1));
              a12 = f32x4.add(a12, f32x4.mul(d, x2));
              d = v128.load(r2 + q);
              a20 = f32x4.add(a20, f32x4.mul(d, x0));
              a21 = f32x4.add(a21, f32x4.mul(d, x1));
              a22 = f32x4.add(a22, f32x4.mul(d, x2));
            }
            const at = dw + ((<usize>(((o0 * C + c) * kh + u) * kw + v0)) << 3);
            const t1 = v0 + 1 < kw;
            const t2 = v0 + 2 < kw;
            add(at, a00);
            if (t1) add(at + 8, a01);
            if (t2) add(at + 16, a02);
            if (o0 + 1 < O) {
              add(at + oStep, a10);
              if (t1) add(at + oStep + 8, a11);
              if (t2) add(at + oStep + 16, a12);
            }
            if (o0 + 2 < O) {
              add(at + 2 * oStep, a20);
              if (t1) add(at + 2 * oStep + 8, a21);
              if (t2) add(at + 2 * oStep + 16, a22);
            }
          }
    }
  }
}
