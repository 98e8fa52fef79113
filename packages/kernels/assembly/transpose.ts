/**
 * A batched 2-D transpose of float32 matrices over f32x4: `dst[b, c, r] = src[b, r, c]` for `nb` consecutive
 * row-major matrices of R rows and C columns, output rows `c0 ≤ c < c1` of each (a part, src/simd/transpose.ts). Pure
 * data movement, so any split gives the same bits as tfjs's stock Transpose.
 *
 * Blocking: 4×4 blocks over f32x4 (four unaligned loads from four input rows, eight shuffles, four stores into four
 * output rows), four input rows at a time, left to right: the reads are four sequential streams and each output row
 * gets 16 bytes per block. (Measured one-threaded on [256, 32, 196], [256, 196, 32], [256, 32, 784] and
 * [256, 784, 32]: up to 2× faster than the same blocks in column order over tiles of 32 rows, and faster than a scalar
 * loop in output order.) Rows or columns past the last multiple of 4 run scalar. No static data (the module runs over
 * tfjs's heap).
 */

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function fat(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/**
 * Output rows c0 ≤ c < c1 of one matrix's transpose: `dst[c·ds + r] = src[r·ss + c]` for r < R. `src`, `dst`: byte
 * addresses of the first float; `ss`, `ds`: the floats from one row to the next in src and in dst.
 */
// @ts-ignore: decorator
@inline
export function transposeMatrix(src: usize, ss: i32, dst: usize, ds: i32, R: i32, c0: i32, c1: i32): void {
  const R4 = R & ~3;
  const c4 = c0 + ((c1 - c0) & ~3);
  const rowBytes = (<usize>ss) << 2;
  const outBytes = (<usize>ds) << 2;
  for (let r: i32 = 0; r < R4; r += 4) {
    let i0 = fat(src, r * ss + c0);
    let o = fat(dst, c0 * ds + r);
    for (let c = c0; c < c4; c += 4) {
      const a0 = v128.load(i0);
      const a1 = v128.load(i0 + rowBytes);
      const a2 = v128.load(i0 + 2 * rowBytes);
      const a3 = v128.load(i0 + 3 * rowBytes);
      // [a00 a10 a01 a11], [a02 a12 a03 a13], [a20 a30 a21 a31], [a22 a32 a23 a33]
      const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
      v128.store(o, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(o + outBytes, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(o + 2 * outBytes, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(o + 3 * outBytes, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      i0 += 16;
      o += 4 * outBytes;
    }
    // columns past the last multiple of 4 of this part, for these four rows
    for (let c = c4; c < c1; c++) {
      for (let k: i32 = 0; k < 4; k++) store<f32>(fat(dst, c * ds + r + k), load<f32>(fat(src, (r + k) * ss + c)));
    }
  }
  // rows past the last multiple of 4
  for (let r = R4; r < R; r++) {
    for (let c = c0; c < c1; c++) store<f32>(fat(dst, c * ds + r), load<f32>(fat(src, r * ss + c)));
  }
}

/** `nb` consecutive matrices [R, C] from byte `src` transposed into [C, R] matrices from byte `dst`, output rows `c0 ≤ c < c1` of each. */
export function transposeBatched(src: usize, dst: usize, nb: i32, R: i32, C: i32, c0: i32, c1: i32): void {
  const bytes = (<usize>R) * (<usize>C) * 4;
  for (let b: i32 = 0; b < nb; b++) transposeMatrix(src + (<usize>b) * bytes, C, dst + (<usize>b) * bytes, R, R, c0, c1);
}
