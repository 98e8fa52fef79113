/**
 * The filter gradient of a stride-1, dilation-1, one-group convolution straight from NCHW x and NCHW dy over f32x4
 * (no im2col, no transposes; src/simd/conv-filter.ts runs it in parts of images on the kernel threads):
 *
 *   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]   (0 outside x)
 *
 * Each image is first copied into a zero-padded scratch image (H + 2·ph rows of W + 2·pw floats), so that for
 * (o, c, u, v) and each row i whose x row i + u − ph is inside x, the products over j are one run of OW floats: f32x4
 * over it (unaligned loads), the last OW mod 4 columns scalar; four taps v at a time, so that one load of dy feeds four
 * independent accumulators (one accumulator's chain of dependent adds was the bound). Summation order (fixed, so any split of the images gives the same bits): per image, an f32x4
 * accumulator over the rows' vectors row by row and a float32 scalar accumulator over the rows' tails; the four lanes
 * and the scalar then go to double, are added as ((l0 + l1) + (l2 + l3)) + s, and that is added to the f64
 * `dw[o, c, u, v]` (images in order). No static data (the module runs over tfjs's heap).
 */

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function fa(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/** Adds ((l0 + l1) + (l2 + l3)) + s in double (the lanes of `acc`, and `s`) to the f64 at byte `at`. */
// @ts-ignore: decorator
@inline
function add(at: usize, acc: v128, s: f32): void {
  const l01 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1);
  const l23 = <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  store<f64>(at, load<f64>(at) + (l01 + l23 + <f64>s));
}

/**
 * Adds the filter gradient of `nb` consecutive images to the f64 array `dw` [O, C, kh, kw] (byte address; not
 * zeroed here). `x`: byte address of float32 [nb, C, H, W]; `dy`: of float32 [nb, O, OH, OW]; `xp`: scratch for one
 * zero-padded image, C·(H + 2·ph)·(W + 2·pw) + 3 floats (the taps past kw read up to 3 floats past a row).
 */
export function convFilterGrad(
  x: usize,
  dy: usize,
  dw: usize,
  xp: usize,
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
): void {
  const Hp = H + 2 * ph;
  const Wp = W + 2 * pw;
  const xImage = C * H * W;
  const dyImage = O * OH * OW;
  const n4 = OW & ~3;
  memory.fill(xp, 0, (<usize>(C * Hp * Wp + 3)) << 2);
  for (let b: i32 = 0; b < nb; b++) {
    // the image, zero-padded: every shifted row of x is then one contiguous run of OW floats
    const xb = fa(x, b * xImage);
    for (let c: i32 = 0; c < C; c++)
      for (let a: i32 = 0; a < H; a++) memory.copy(fa(xp, (c * Hp + a + ph) * Wp + pw), fa(xb, (c * H + a) * W), (<usize>W) << 2);
    const db = fa(dy, b * dyImage);
    for (let o: i32 = 0; o < O; o++) {
      const dyo = fa(db, o * OH * OW);
      for (let c: i32 = 0; c < C; c++) {
        const xc = fa(xp, c * Hp * Wp);
        for (let u: i32 = 0; u < kh; u++) {
          // rows i with 0 ≤ i + u − ph < H (the padding rows add zeros)
          const i0 = max<i32>(0, ph - u);
          const i1 = min<i32>(OH, H + ph - u);
          // four taps v at a time: four independent accumulators share each load of dy (taps past kw are dropped)
          for (let v0: i32 = 0; v0 < kw; v0 += 4) {
            let a0 = f32x4.splat(0);
            let a1 = f32x4.splat(0);
            let a2 = f32x4.splat(0);
            let a3 = f32x4.splat(0);
            let s0: f32 = 0;
            let s1: f32 = 0;
            let s2: f32 = 0;
            let s3: f32 = 0;
            for (let i = i0; i < i1; i++) {
              const dr = fa(dyo, i * OW);
              const xr = fa(xc, (i + u) * Wp + v0);
              let k: i32 = 0;
              for (; k < n4; k += 4) {
                const d = v128.load(fa(dr, k));
                const p = fa(xr, k);
                a0 = f32x4.add(a0, f32x4.mul(d, v128.load(p)));
                a1 = f32x4.add(a1, f32x4.mul(d, v128.load(p + 4)));
                a2 = f32x4.add(a2, f32x4.mul(d, v128.load(p + 8)));
                a3 = f32x4.add(a3, f32x4.mul(d, v128.load(p + 12)));
              }
              for (; k < OW; k++) {
                const d = load<f32>(fa(dr, k));
                const p = fa(xr, k);
                s0 += d * load<f32>(p);
                s1 += d * load<f32>(p + 4);
                s2 += d * load<f32>(p + 8);
                s3 += d * load<f32>(p + 12);
              }
            }
            const at = dw + ((<usize>(((o * C + c) * kh + u) * kw + v0)) << 3);
            add(at, a0, s0);
            if (v0 + 1 < kw) add(at + 8, a1, s1);
            if (v0 + 2 < kw) add(at + 16, a2, s2);
            if (v0 + 3 < kw) add(at + 24, a3, s3);
          }
        }
      }
    }
  }
}
