/**
 * Event-driven (sparse-input) forms of a stride-1, dilation-1, one-group convolution's forward and filter gradient,
 * over f32x4: work in proportion to the nonzeros of x, the spikes of a spiking layer (src/simd/conv-sparse.ts runs
 * them in parts of images on the kernel threads and picks them by x's density):
 *
 *   y[n, o, i, j]  = Σ_{u,v} Σ_c W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]
 *   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]
 *
 * Each image's nonzeros are first listed (an entry: a byte offset and the value s), then every sum runs over a list
 * with the output channels in f32x4 registers, eight vectors (32 channels) at a time ({@link sumTaps}):
 *
 *   forward, per output (i, j) and tap (u, v): y[:, i, j] += Σ_{c : s = x[c, a, b] ≠ 0} s · Wp[c, u, v, :]
 *     (a, b) = (i + u − ph, j + v − pw); the list of pixel (a, b), channels in order; Wp[c, u, v, o] = W[o, c, u, v]
 *   gradient, per channel c and tap (u, v): dWr[c, u, v, :] += Σ_{(a, b) : s = x[c, a, b] ≠ 0} s · dyp[a − u + ph, b − v + pw, :]
 *     the list of channel c, pixels in order; dyp the image's dy with the channels innermost
 *
 * (O rounded up to Op, a multiple of 32; the lanes o ≥ O are zero.) dyp is padded to (H + kh − 1) × (W + kw − 1) so
 * that every tap of every nonzero lands inside it: dy[o, i, j] at dyp[i + kh − 1 − ph, j + kw − 1 − pw, o], zeros
 * elsewhere.
 *
 * Summation order (fixed, so any split of the images gives the same bits): the forward sums each tap's channels in
 * order from 0 and adds the taps to the output in the order (u, v) (not the dense kernel's order (c, u, v): the two may
 * differ in the last bits); the gradient sums in float32 per image in registers (pixels in order), those
 * per part in float32 (images in order), and adds each part to the f64 `dw` [C, kh, kw, Op].
 * No static data (the module runs over tfjs's heap).
 */
import { transposeMatrix } from './transpose';

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function fa(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/**
 * Sums over T taps into `dst` (Op floats, Op a multiple of 32; `add`: dst += the sums, else dst = the sums): tap t
 * (three words at `taps` + 12·t: e0, e1, base) adds Σ_{e0 ≤ e < e1} s_e · base[off_e + 0 … Op) over the list at byte
 * `list` (entries of two words: the byte offset off_e, the float32 s_e). Eight f32x4 accumulators (32 channels) a pass
 * over the taps, each lane summing the taps' entries in order from 0. Where every s_e is 1 (`ones`: spikes) the
 * products are the loaded values themselves (exactly), and the multiplications are left out.
 */
function sumTaps(taps: usize, T: i32, list: usize, ones: bool, dst: usize, Op: i32, add: bool): void {
  const tapsEnd = taps + 12 * <usize>T;
  for (let q: usize = 0; q < ((<usize>Op) << 2); q += 128) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0);
    let a5 = f32x4.splat(0);
    let a6 = f32x4.splat(0);
    let a7 = f32x4.splat(0);
    for (let t = taps; t < tapsEnd; t += 12) {
      const end = list + ((<usize>load<i32>(t + 4)) << 3);
      const b = <usize>load<i32>(t + 8) + q;
      if (ones)
        for (let e = list + ((<usize>load<i32>(t)) << 3); e < end; e += 8) {
          const p = b + <usize>load<i32>(e);
          a0 = f32x4.add(a0, v128.load(p));
          a1 = f32x4.add(a1, v128.load(p + 16));
          a2 = f32x4.add(a2, v128.load(p + 32));
          a3 = f32x4.add(a3, v128.load(p + 48));
          a4 = f32x4.add(a4, v128.load(p + 64));
          a5 = f32x4.add(a5, v128.load(p + 80));
          a6 = f32x4.add(a6, v128.load(p + 96));
          a7 = f32x4.add(a7, v128.load(p + 112));
        }
      else
        for (let e = list + ((<usize>load<i32>(t)) << 3); e < end; e += 8) {
          const p = b + <usize>load<i32>(e);
          const s = v128.load32_splat(e + 4);
          a0 = f32x4.add(a0, f32x4.mul(s, v128.load(p)));
          a1 = f32x4.add(a1, f32x4.mul(s, v128.load(p + 16)));
          a2 = f32x4.add(a2, f32x4.mul(s, v128.load(p + 32)));
          a3 = f32x4.add(a3, f32x4.mul(s, v128.load(p + 48)));
          a4 = f32x4.add(a4, f32x4.mul(s, v128.load(p + 64)));
          a5 = f32x4.add(a5, f32x4.mul(s, v128.load(p + 80)));
          a6 = f32x4.add(a6, f32x4.mul(s, v128.load(p + 96)));
          a7 = f32x4.add(a7, f32x4.mul(s, v128.load(p + 112)));
        }
    }
    const d = dst + q;
    if (add) {
      a0 = f32x4.add(v128.load(d), a0);
      a1 = f32x4.add(v128.load(d + 16), a1);
      a2 = f32x4.add(v128.load(d + 32), a2);
      a3 = f32x4.add(v128.load(d + 48), a3);
      a4 = f32x4.add(v128.load(d + 64), a4);
      a5 = f32x4.add(v128.load(d + 80), a5);
      a6 = f32x4.add(v128.load(d + 96), a6);
      a7 = f32x4.add(v128.load(d + 112), a7);
    }
    v128.store(d, a0);
    v128.store(d + 16, a1);
    v128.store(d + 32, a2);
    v128.store(d + 48, a3);
    v128.store(d + 64, a4);
    v128.store(d + 80, a5);
    v128.store(d + 96, a6);
    v128.store(d + 112, a7);
  }
}

/** Writes tap (e0, e1, base) at byte `at` (see {@link sumTaps}). */
// @ts-ignore: decorator
@inline
function putTap(at: usize, e0: i32, e1: i32, base: usize): void {
  store<i32>(at, e0);
  store<i32>(at + 4, e1);
  store<i32>(at + 8, <i32>base);
}

/** Whether the values of entries e0 ≤ e < e1 of the list at byte `list` are all 1. */
function allOnes(list: usize, e0: i32, e1: i32): bool {
  for (let e = list + ((<usize>e0) << 3), end = list + ((<usize>e1) << 3); e < end; e += 8) if (load<f32>(e + 4) != 1) return false;
  return true;
}

/**
 * Lists the nonzeros (NaN included) of R rows of L floats at byte `x` (row-major), in order, into the list at byte
 * `list`: each as the byte offset `(r·rowStep + k·step)·4` of row r, position k, and its value; `starts[r]` (words at
 * byte `starts`, unless 0) gets row r's first entry. Returns the count. Four floats are tested at once (most groups of
 * four spikes are all zero).
 */
// @ts-ignore: decorator
@inline
function listNonzeros(x: usize, R: i32, L: i32, rowStep: i32, step: i32, starts: usize, list: usize): i32 {
  const zero = f32x4.splat(0);
  let n: i32 = 0;
  for (let r: i32 = 0; r < R; r++) {
    if (starts != 0) store<i32>(fa(starts, r), n);
    const row = fa(x, r * L);
    for (let k: i32 = 0; k < L; k++) {
      if ((k & 3) == 0 && k + 4 <= L && !v128.any_true(f32x4.ne(v128.load(fa(row, k)), zero))) {
        k += 3;
        continue;
      }
      const s = load<f32>(fa(row, k));
      if (s == 0) continue;
      const at = list + ((<usize>n) << 3);
      store<i32>(at, (r * rowStep + k * step) << 2);
      store<f32>(at + 4, s);
      n++;
    }
  }
  return n;
}

/**
 * The forward of `nb` consecutive images: x [nb, C, H, W] at byte `x`, y [nb, O, OH, OW] at byte `y` (every element
 * written), `wp` the packed weights Wp [C, kh, kw, Op] (zeros for o ≥ O). Scratch (16-byte aligned): `xt`, H·W·C
 * floats (the image with the channels innermost); `starts`, H·W + 1 words; `list`, 2·C·H·W words; `row`, OW·Op
 * floats; `taps`, 3·kh·kw words.
 */
export function convForwardSparse(
  x: usize,
  wp: usize,
  y: usize,
  xt: usize,
  starts: usize,
  list: usize,
  row: usize,
  taps: usize,
  nb: i32,
  C: i32,
  H: i32,
  W: i32,
  O: i32,
  Op: i32,
  kh: i32,
  kw: i32,
  ph: i32,
  pw: i32,
): void {
  const OH = H + 2 * ph - kh + 1;
  const OW = W + 2 * pw - kw + 1;
  const HW = H * W;
  for (let n: i32 = 0; n < nb; n++) {
    // per pixel, its nonzero channels in order, each as the byte offset of Wp[c]
    transposeMatrix(fa(x, n * C * HW), HW, xt, C, C, 0, HW);
    store<i32>(fa(starts, HW), listNonzeros(xt, HW, C, 0, kh * kw * Op, starts, list));
    const yn = fa(y, n * O * OH * OW);
    const ones = allOnes(list, 0, load<i32>(fa(starts, HW)));
    for (let i: i32 = 0; i < OH; i++) {
      // output (i, j), tap (u, v): the list of pixel (i + u − ph, j + v − pw), the tap's weights Wp[·, u, v]
      for (let j: i32 = 0; j < OW; j++) {
        let T: i32 = 0;
        for (let u = max<i32>(0, ph - i); u < min<i32>(kh, H + ph - i); u++)
          for (let v = max<i32>(0, pw - j); v < min<i32>(kw, W + pw - j); v++) {
            const pixel = fa(starts, (i + u - ph) * W + j + v - pw);
            putTap(taps + 12 * <usize>T, load<i32>(pixel), load<i32>(pixel + 4), fa(wp, (u * kw + v) * Op));
            T++;
          }
        sumTaps(taps, T, list, ones, fa(row, j * Op), Op, false);
      }
      // y[o, i, j] = row[j, o]
      transposeMatrix(row, Op, fa(yn, i * OW), OH * OW, OW, 0, O);
    }
  }
}

/**
 * Adds the filter gradient of `nb` consecutive images to the f64 `dw` [C, kh, kw, Op] at byte `dw` (not zeroed here):
 * x [nb, C, H, W] at byte `x`, dy [nb, O, OH, OW] at byte `dy`. Scratch (16-byte aligned): `dyp`, Ha·Wa·Op floats
 * (Ha = H + kh − 1, Wa = W + kw − 1); `dwr`, C·kh·kw·Op floats; `list`, 2·H·W words; `taps`, 3 words.
 */
export function convFilterGradSparse(
  x: usize,
  dy: usize,
  dw: usize,
  dyp: usize,
  dwr: usize,
  list: usize,
  taps: usize,
  nb: i32,
  C: i32,
  H: i32,
  W: i32,
  O: i32,
  Op: i32,
  kh: i32,
  kw: i32,
  ph: i32,
  pw: i32,
): void {
  const OH = H + 2 * ph - kh + 1;
  const OW = W + 2 * pw - kw + 1;
  const Ha = H + kh - 1;
  const Wa = W + kw - 1;
  const di = kh - 1 - ph;
  const dj = kw - 1 - pw;
  const len = C * kh * kw * Op;
  const i0 = max<i32>(0, -di);
  const i1 = min<i32>(OH, Ha - di);
  const j0 = max<i32>(0, -dj);
  const j1 = min<i32>(OW, Wa - dj);
  // dy's padding and the lanes o ≥ O stay zero: each image writes the same positions
  memory.fill(dyp, 0, (<usize>(Ha * Wa * Op)) << 2);
  memory.fill(dwr, 0, (<usize>len) << 2);
  for (let n: i32 = 0; n < nb; n++) {
    // dyp[i + di, j + dj, o] = dy[o, i, j]
    const dn = fa(dy, n * O * OH * OW);
    if (j1 > j0)
      for (let i = i0; i < i1; i++) transposeMatrix(fa(dn, i * OW), OH * OW, fa(dyp, ((i + di) * Wa + dj) * Op), Op, O, j0, j1);
    for (let c: i32 = 0; c < C; c++) {
      // the channel's nonzero pixels (a, b) in order, each as the byte offset of dyp[a, b]
      const count = listNonzeros(fa(x, (n * C + c) * H * W), H, W, Wa * Op, Op, 0, list);
      if (count == 0) continue;
      const ones = allOnes(list, 0, count);
      // tap (u, v) of pixel (a, b) meets dy[a − u + ph, b − v + pw] = dyp[a + kh − 1 − u, b + kw − 1 − v]
      for (let u: i32 = 0; u < kh; u++)
        for (let v: i32 = 0; v < kw; v++) {
          putTap(taps, 0, count, fa(dyp, ((kh - 1 - u) * Wa + kw - 1 - v) * Op));
          sumTaps(taps, 1, list, ones, fa(dwr, ((c * kh + u) * kw + v) * Op), Op, true);
        }
    }
  }
  for (let k: i32 = 0; k < len; k++) {
    const at = dw + ((<usize>k) << 3);
    store<f64>(at, load<f64>(at) + <f64>load<f32>(fa(dwr, k)));
  }
}

/** The nonzeros (NaN included) among the n floats at byte `p` (16-byte aligned). */
export function countNonzero(p: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let count: i32 = 0;
  const n4 = n & ~3;
  const end = p + ((<usize>n4) << 2);
  for (let q = p; q < end; q += 16) count += 4 - popcnt<i32>(i32x4.bitmask(f32x4.eq(v128.load(q), zero)));
  for (let k = n4; k < n; k++) if (load<f32>(fa(p, k)) != 0) count++;
  return count;
}

/** 1 where the n floats at byte `p` are all finite, else 0 (x − x is 0 exactly for finite x, NaN otherwise). */
export function allFinite(p: usize, n: i32): i32 {
  const n4 = n & ~3;
  const end = p + ((<usize>n4) << 2);
  let bad = f32x4.splat(0);
  for (let q = p; q < end; q += 16) {
    const v = v128.load(q);
    bad = f32x4.add(bad, f32x4.sub(v, v));
  }
  if (!i32x4.all_true(f32x4.eq(bad, f32x4.splat(0)))) return 0;
  for (let k = n4; k < n; k++) {
    const v = load<f32>(fa(p, k));
    if (v - v != 0) return 0;
  }
  return 1;
}
