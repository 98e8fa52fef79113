/**
 * Batched float32 matrix products over f32x4 for skinny shapes: `C = op(A)·op(B)` with C [M, N] row-major, op(A)
 * [M, K] and op(B) [K, N], where op transposes its operand or not (tfjs's BatchMatMul attributes transposeA and
 * transposeB). src/simd/batch-matmul.ts runs {@link batchMatMul} in place on tfjs's wasm heap, in parts that are
 * groups of whole matrices or bands of output rows or columns of one matrix.
 *
 * Writing A(i, k) and B(k, j) for the elements of op(A) and op(B), three forms by where K is contiguous:
 *
 * - dot (A [M, K], B stored [N, K]: K contiguous in both): f32x4 partial sums along k, two rows × four columns of C
 *   at a time (eight accumulators); C[i, j] = ((s0 + s1) + (s2 + s3)) + the K mod 4 last products in order.
 * - axpy (B stored [K, N]: rows of C are combinations of rows of B): for two rows of C and sixteen columns at a time,
 *   eight accumulators `acc += splat(A(i, k)) · B(k, j..j+3)` over k in order; A(i, k) read at any strides.
 * - columns (A stored [K, M], B stored [N, K]): four rows of C in a vector, `acc += A(k, i..i+3) · splat(B(k, j))`
 *   over k, two vectors of rows × four columns at a time, each lane stored to its row of C.
 *
 * Every element of C is summed by the same operations in the same order wherever it falls in a block or a part (edges
 * run the same sums with fewer accumulators, and a vector lane is the scalar IEEE operation), so C does not depend on
 * how a call is split, nor on the threads. No fused multiply-add (relaxed SIMD is off). No static data (the module runs
 * over tfjs's heap); pointers are byte offsets.
 */

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/** ((l0 + l1) + (l2 + l3)) of an f32x4 partial sum. */
// @ts-ignore: decorator
@inline
function lanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** One element of the dot form: rows at byte `pa` and `pb` of K floats. */
// @ts-ignore: decorator
@inline
function dot1(pa: usize, pb: usize, K: i32): f32 {
  const K4 = K & ~3;
  let s = f32x4.splat(0);
  for (let k: i32 = 0; k < K4; k += 4) s = f32x4.add(s, f32x4.mul(v128.load(at(pa, k)), v128.load(at(pb, k))));
  let r = lanes(s);
  for (let k = K4; k < K; k++) r += load<f32>(at(pa, k)) * load<f32>(at(pb, k));
  return r;
}

/** C[i, j] for i0 ≤ i < i1, j0 ≤ j < j1 of one matrix in the dot form: A [M, K], B [N, K] (row-major). */
function dotBlock(a: usize, b: usize, c: usize, N: i32, K: i32, i0: i32, i1: i32, j0: i32, j1: i32): void {
  const K4 = K & ~3;
  const j4 = j0 + ((j1 - j0) & ~3);
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const a0 = at(a, i * K);
    const a1 = at(a0, K);
    let j = j0;
    for (; j < j4; j += 4) {
      const b0 = at(b, j * K);
      const b1 = at(b0, K);
      const b2 = at(b1, K);
      const b3 = at(b2, K);
      let s00 = f32x4.splat(0);
      let s01 = f32x4.splat(0);
      let s02 = f32x4.splat(0);
      let s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0);
      let s11 = f32x4.splat(0);
      let s12 = f32x4.splat(0);
      let s13 = f32x4.splat(0);
      for (let k: i32 = 0; k < K4; k += 4) {
        const o = (<usize>k) << 2;
        const x0 = v128.load(a0 + o);
        const x1 = v128.load(a1 + o);
        let y = v128.load(b0 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y));
        s10 = f32x4.add(s10, f32x4.mul(x1, y));
        y = v128.load(b1 + o);
        s01 = f32x4.add(s01, f32x4.mul(x0, y));
        s11 = f32x4.add(s11, f32x4.mul(x1, y));
        y = v128.load(b2 + o);
        s02 = f32x4.add(s02, f32x4.mul(x0, y));
        s12 = f32x4.add(s12, f32x4.mul(x1, y));
        y = v128.load(b3 + o);
        s03 = f32x4.add(s03, f32x4.mul(x0, y));
        s13 = f32x4.add(s13, f32x4.mul(x1, y));
      }
      let r00 = lanes(s00);
      let r01 = lanes(s01);
      let r02 = lanes(s02);
      let r03 = lanes(s03);
      let r10 = lanes(s10);
      let r11 = lanes(s11);
      let r12 = lanes(s12);
      let r13 = lanes(s13);
      for (let k = K4; k < K; k++) {
        const x0 = load<f32>(at(a0, k));
        const x1 = load<f32>(at(a1, k));
        const y0 = load<f32>(at(b0, k));
        const y1 = load<f32>(at(b1, k));
        const y2 = load<f32>(at(b2, k));
        const y3 = load<f32>(at(b3, k));
        r00 += x0 * y0;
        r01 += x0 * y1;
        r02 += x0 * y2;
        r03 += x0 * y3;
        r10 += x1 * y0;
        r11 += x1 * y1;
        r12 += x1 * y2;
        r13 += x1 * y3;
      }
      const c0 = at(c, i * N + j);
      const c1 = at(c0, N);
      store<f32>(c0, r00);
      store<f32>(c0, r01, 4);
      store<f32>(c0, r02, 8);
      store<f32>(c0, r03, 12);
      store<f32>(c1, r10);
      store<f32>(c1, r11, 4);
      store<f32>(c1, r12, 8);
      store<f32>(c1, r13, 12);
    }
    for (; j < j1; j++) {
      const b0 = at(b, j * K);
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      for (let k: i32 = 0; k < K4; k += 4) {
        const o = (<usize>k) << 2;
        const y = v128.load(b0 + o);
        s0 = f32x4.add(s0, f32x4.mul(v128.load(a0 + o), y));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(a1 + o), y));
      }
      let r0 = lanes(s0);
      let r1 = lanes(s1);
      for (let k = K4; k < K; k++) {
        const y = load<f32>(at(b0, k));
        r0 += load<f32>(at(a0, k)) * y;
        r1 += load<f32>(at(a1, k)) * y;
      }
      store<f32>(at(c, i * N + j), r0);
      store<f32>(at(c, (i + 1) * N + j), r1);
    }
  }
  for (; i < i1; i++) {
    const a0 = at(a, i * K);
    let j = j0;
    for (; j < j4; j += 4) {
      const b0 = at(b, j * K);
      const b1 = at(b0, K);
      const b2 = at(b1, K);
      const b3 = at(b2, K);
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let s2 = f32x4.splat(0);
      let s3 = f32x4.splat(0);
      for (let k: i32 = 0; k < K4; k += 4) {
        const o = (<usize>k) << 2;
        const x = v128.load(a0 + o);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(b0 + o)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(b1 + o)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(b2 + o)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(b3 + o)));
      }
      let r0 = lanes(s0);
      let r1 = lanes(s1);
      let r2 = lanes(s2);
      let r3 = lanes(s3);
      for (let k = K4; k < K; k++) {
        const x = load<f32>(at(a0, k));
        r0 += x * load<f32>(at(b0, k));
        r1 += x * load<f32>(at(b1, k));
        r2 += x * load<f32>(at(b2, k));
        r3 += x * load<f32>(at(b3, k));
      }
      const c0 = at(c, i * N + j);
      store<f32>(c0, r0);
      store<f32>(c0, r1, 4);
      store<f32>(c0, r2, 8);
      store<f32>(c0, r3, 12);
    }
    for (; j < j1; j++) store<f32>(at(c, i * N + j), dot1(a0, at(b, j * K), K));
  }
}

/**
 * Rows i0 ≤ i < i1 of C, columns j ≤ c < j + 16, in the axpy form (see {@link axpyBlock}): two rows at a time (eight
 * accumulators), then an odd last row.
 */
// @ts-ignore: decorator
@inline
function axpy16(a: usize, b: usize, c: usize, N: i32, K: i32, ai: i32, ak: i32, i0: i32, i1: i32, j: i32): void {
  const rowB = (<usize>N) << 2;
  const stepA = (<usize>ak) << 2;
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const a0 = at(a, i * ai);
    const a1 = at(a0, ai);
    let s00 = f32x4.splat(0);
    let s01 = f32x4.splat(0);
    let s02 = f32x4.splat(0);
    let s03 = f32x4.splat(0);
    let s10 = f32x4.splat(0);
    let s11 = f32x4.splat(0);
    let s12 = f32x4.splat(0);
    let s13 = f32x4.splat(0);
    let pb = at(b, j);
    let pa = <usize>0;
    for (let k: i32 = 0; k < K; k++) {
      const x0 = v128.load32_splat(a0 + pa);
      const x1 = v128.load32_splat(a1 + pa);
      let y = v128.load(pb);
      s00 = f32x4.add(s00, f32x4.mul(x0, y));
      s10 = f32x4.add(s10, f32x4.mul(x1, y));
      y = v128.load(pb, 16);
      s01 = f32x4.add(s01, f32x4.mul(x0, y));
      s11 = f32x4.add(s11, f32x4.mul(x1, y));
      y = v128.load(pb, 32);
      s02 = f32x4.add(s02, f32x4.mul(x0, y));
      s12 = f32x4.add(s12, f32x4.mul(x1, y));
      y = v128.load(pb, 48);
      s03 = f32x4.add(s03, f32x4.mul(x0, y));
      s13 = f32x4.add(s13, f32x4.mul(x1, y));
      pb += rowB;
      pa += stepA;
    }
    const c0 = at(c, i * N + j);
    const c1 = at(c0, N);
    v128.store(c0, s00);
    v128.store(c0, s01, 16);
    v128.store(c0, s02, 32);
    v128.store(c0, s03, 48);
    v128.store(c1, s10);
    v128.store(c1, s11, 16);
    v128.store(c1, s12, 32);
    v128.store(c1, s13, 48);
  }
  if (i < i1) {
    const a0 = at(a, i * ai);
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let pb = at(b, j);
    let pa = <usize>0;
    for (let k: i32 = 0; k < K; k++) {
      const x = v128.load32_splat(a0 + pa);
      s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb)));
      s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb, 16)));
      s2 = f32x4.add(s2, f32x4.mul(x, v128.load(pb, 32)));
      s3 = f32x4.add(s3, f32x4.mul(x, v128.load(pb, 48)));
      pb += rowB;
      pa += stepA;
    }
    const c0 = at(c, i * N + j);
    v128.store(c0, s0);
    v128.store(c0, s1, 16);
    v128.store(c0, s2, 32);
    v128.store(c0, s3, 48);
  }
}

/** Rows i0 ≤ i < i1 of C, columns j ≤ c < j + 4, in the axpy form: two rows at a time, then an odd last row. */
// @ts-ignore: decorator
@inline
function axpy4(a: usize, b: usize, c: usize, N: i32, K: i32, ai: i32, ak: i32, i0: i32, i1: i32, j: i32): void {
  const rowB = (<usize>N) << 2;
  const stepA = (<usize>ak) << 2;
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const a0 = at(a, i * ai);
    const a1 = at(a0, ai);
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let pb = at(b, j);
    let pa = <usize>0;
    for (let k: i32 = 0; k < K; k++) {
      const y = v128.load(pb);
      s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(a0 + pa), y));
      s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(a1 + pa), y));
      pb += rowB;
      pa += stepA;
    }
    v128.store(at(c, i * N + j), s0);
    v128.store(at(c, (i + 1) * N + j), s1);
  }
  if (i < i1) {
    const a0 = at(a, i * ai);
    let s = f32x4.splat(0);
    let pb = at(b, j);
    let pa = <usize>0;
    for (let k: i32 = 0; k < K; k++) {
      s = f32x4.add(s, f32x4.mul(v128.load32_splat(a0 + pa), v128.load(pb)));
      pb += rowB;
      pa += stepA;
    }
    v128.store(at(c, i * N + j), s);
  }
}

/**
 * C[i, j] for i0 ≤ i < i1, j0 ≤ j < j1 of one matrix in the axpy form: B [K, N] row-major, A(i, k) at float
 * `i·ai + k·ak` of `a`. Columns outside, rows inside: a panel of B (K rows of 16 columns) is read from memory once and
 * stays in L1 while every row of C takes its sums over it.
 */
function axpyBlock(a: usize, b: usize, c: usize, N: i32, K: i32, ai: i32, ak: i32, i0: i32, i1: i32, j0: i32, j1: i32): void {
  const j16 = j0 + ((j1 - j0) & ~15);
  const j4 = j0 + ((j1 - j0) & ~3);
  const rowB = (<usize>N) << 2;
  const stepA = (<usize>ak) << 2;
  let j = j0;
  for (; j < j16; j += 16) axpy16(a, b, c, N, K, ai, ak, i0, i1, j);
  for (; j < j4; j += 4) axpy4(a, b, c, N, K, ai, ak, i0, i1, j);
  for (; j < j1; j++) {
    for (let i = i0; i < i1; i++) {
      const a0 = at(a, i * ai);
      let r: f32 = 0;
      let pb = at(b, j);
      let pa = <usize>0;
      for (let k: i32 = 0; k < K; k++) {
        r += load<f32>(a0 + pa) * load<f32>(pb);
        pb += rowB;
        pa += stepA;
      }
      store<f32>(at(c, i * N + j), r);
    }
  }
}

/** Stores the four lanes of `v` down column j of C from row i (C [·, N] at byte c). */
// @ts-ignore: decorator
@inline
function storeColumn(c: usize, N: i32, i: i32, j: i32, v: v128): void {
  const p = at(c, i * N + j);
  const row = (<usize>N) << 2;
  store<f32>(p, f32x4.extract_lane(v, 0));
  store<f32>(p + row, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * row, f32x4.extract_lane(v, 2));
  store<f32>(p + 3 * row, f32x4.extract_lane(v, 3));
}

/** C[i, j] for i0 ≤ i < i1, j0 ≤ j < j1 of one matrix in the columns form: A stored [K, M], B stored [N, K]. */
function columnsBlock(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, i0: i32, i1: i32, j0: i32, j1: i32): void {
  const i8 = i0 + ((i1 - i0) & ~7);
  const i4 = i0 + ((i1 - i0) & ~3);
  const j4 = j0 + ((j1 - j0) & ~3);
  const rowA = (<usize>M) << 2;
  let i = i0;
  for (; i < i8; i += 8) {
    let j = j0;
    for (; j < j4; j += 4) {
      let s00 = f32x4.splat(0);
      let s01 = f32x4.splat(0);
      let s02 = f32x4.splat(0);
      let s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0);
      let s11 = f32x4.splat(0);
      let s12 = f32x4.splat(0);
      let s13 = f32x4.splat(0);
      let pa = at(a, i);
      const b0 = at(b, j * K);
      const b1 = at(b0, K);
      const b2 = at(b1, K);
      const b3 = at(b2, K);
      for (let k: i32 = 0; k < K; k++) {
        const o = (<usize>k) << 2;
        const x0 = v128.load(pa);
        const x1 = v128.load(pa, 16);
        let y = v128.load32_splat(b0 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y));
        s10 = f32x4.add(s10, f32x4.mul(x1, y));
        y = v128.load32_splat(b1 + o);
        s01 = f32x4.add(s01, f32x4.mul(x0, y));
        s11 = f32x4.add(s11, f32x4.mul(x1, y));
        y = v128.load32_splat(b2 + o);
        s02 = f32x4.add(s02, f32x4.mul(x0, y));
        s12 = f32x4.add(s12, f32x4.mul(x1, y));
        y = v128.load32_splat(b3 + o);
        s03 = f32x4.add(s03, f32x4.mul(x0, y));
        s13 = f32x4.add(s13, f32x4.mul(x1, y));
        pa += rowA;
      }
      storeColumn(c, N, i, j, s00);
      storeColumn(c, N, i, j + 1, s01);
      storeColumn(c, N, i, j + 2, s02);
      storeColumn(c, N, i, j + 3, s03);
      storeColumn(c, N, i + 4, j, s10);
      storeColumn(c, N, i + 4, j + 1, s11);
      storeColumn(c, N, i + 4, j + 2, s12);
      storeColumn(c, N, i + 4, j + 3, s13);
    }
    for (; j < j1; j++) {
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let pa = at(a, i);
      const b0 = at(b, j * K);
      for (let k: i32 = 0; k < K; k++) {
        const y = v128.load32_splat(at(b0, k));
        s0 = f32x4.add(s0, f32x4.mul(v128.load(pa), y));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(pa, 16), y));
        pa += rowA;
      }
      storeColumn(c, N, i, j, s0);
      storeColumn(c, N, i + 4, j, s1);
    }
  }
  for (; i < i4; i += 4) {
    for (let j = j0; j < j1; j++) {
      let s = f32x4.splat(0);
      let pa = at(a, i);
      const b0 = at(b, j * K);
      for (let k: i32 = 0; k < K; k++) {
        s = f32x4.add(s, f32x4.mul(v128.load(pa), v128.load32_splat(at(b0, k))));
        pa += rowA;
      }
      storeColumn(c, N, i, j, s);
    }
  }
  for (; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let r: f32 = 0;
      const b0 = at(b, j * K);
      for (let k: i32 = 0; k < K; k++) r += load<f32>(at(a, k * M + i)) * load<f32>(at(b0, k));
      store<f32>(at(c, i * N + j), r);
    }
  }
}

/**
 * `nb` consecutive products C = op(A)·op(B) (C [M, N]; op(A) [M, K], op(B) [K, N]), rows i0 ≤ i < i1 and columns
 * j0 ≤ j < j1 of each C. A is stored [K, M] where `transposeA` is 1, else [M, K]; B is stored [N, K] where
 * `transposeB` is 1, else [K, N]. Matrix n of the call reads A at byte `a + n·strideA`, B at `b + n·strideB` (a
 * stride of 0 broadcasts one matrix over the batch) and writes C at `c + n·M·N·4`.
 */
export function batchMatMul(
  transposeA: i32,
  transposeB: i32,
  a: usize,
  b: usize,
  c: usize,
  nb: i32,
  strideA: usize,
  strideB: usize,
  M: i32,
  N: i32,
  K: i32,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
): void {
  const strideC = (<usize>M) * (<usize>N) * 4;
  for (let n: i32 = 0; n < nb; n++) {
    const pa = a + (<usize>n) * strideA;
    const pb = b + (<usize>n) * strideB;
    const pc = c + (<usize>n) * strideC;
    if (transposeB == 0) {
      if (transposeA == 0) axpyBlock(pa, pb, pc, N, K, K, 1, i0, i1, j0, j1);
      else axpyBlock(pa, pb, pc, N, K, 1, M, i0, i1, j0, j1);
    } else if (transposeA == 0) dotBlock(pa, pb, pc, N, K, i0, i1, j0, j1);
    else columnsBlock(pa, pb, pc, M, N, K, i0, i1, j0, j1);
  }
}
