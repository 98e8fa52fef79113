/**
 * Train-mode BatchNorm's four passes over f32x4: the AssemblyScript twin of the JavaScript loops of
 * src/batch-norm.ts (which stay the reference and the fallback; its header gives the equations). Compiled by
 * scripts/build-wasm.mjs; src/simd/batch-norm.ts copies chunks in and out.
 *
 * Layout: x (and dy) `[N, C, S]` row-major, seen as N·C rows of S floats, row r of channel r mod C. A chunk is `rows`
 * consecutive rows from one of channel `c0` (whole images or not), copied into this module's memory; rows are not
 * aligned (S need not be a multiple of 4: the last S mod 4 values of a row run in a scalar tail). Per-channel arrays
 * hold C values, f32 (4 bytes) or f64 (8 bytes); pointers are byte offsets into this module's memory. For S = 1
 * (x: [N, C]) the `…1` kernels run the lanes across channels instead, over chunks of whole images.
 *
 * Sums are in double, as the JavaScript loops' are: each f32x4 load is widened to two f64x2, so d = x − shift and d²
 * (or dy and dy·(x − μ)) are the JavaScript loop's doubles, summed in another order. The two elementwise passes
 * compute in float32 in the centred form, y = (x − μ)·a + β and dx = dy·a + (x − μ)·bx + k (no cancellation between
 * x·bx and k for abs(μ) ≫ σ), equal to the JavaScript loops' double expressions to float32 rounding.
 */

/** Lanes 0 and 1 of the f32x4 `v` widened to an f64x2. */
// @ts-ignore: decorator
@inline
function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2 and 3 of the f32x4 `v` widened to an f64x2. */
// @ts-ignore: decorator
@inline
function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** The sum of the two lanes of an f64x2. */
// @ts-ignore: decorator
@inline
function lanes(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** The byte address of float i (4 bytes) from p. */
// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + ((<usize>i) << 2);
}

/** The byte address of double i (8 bytes) from p. */
// @ts-ignore: decorator
@inline
function at8(p: usize, i: i32): usize {
  return p + ((<usize>i) << 3);
}

/**
 * Statistics pass: for each row of channel c, sum[c] += Σ (x − shift[c]) and sumSq[c] += Σ (x − shift[c])², in
 * double. `shift`: f32 [C]; `sum`, `sumSq`: f64 [C], accumulated across calls (the loader zeroes them first).
 */
export function batchNormStats(x: usize, rows: i32, c0: i32, C: i32, S: i32, shift: usize, sum: usize, sumSq: usize): void {
  const S4 = S & ~3;
  let c = c0;
  for (let r: i32 = 0; r < rows; r++) {
    const row = x + (<usize>r) * (<usize>S) * 4;
    const sh = <f64>load<f32>(at(shift, c));
    const SH = f64x2.splat(sh);
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let q0 = f64x2.splat(0);
    let q1 = f64x2.splat(0);
    let i: i32 = 0;
    for (; i < S4; i += 4) {
      const v = v128.load(at(row, i));
      const d0 = f64x2.sub(low(v), SH);
      const d1 = f64x2.sub(high(v), SH);
      a0 = f64x2.add(a0, d0);
      a1 = f64x2.add(a1, d1);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0));
      q1 = f64x2.add(q1, f64x2.mul(d1, d1));
    }
    let s1 = lanes(f64x2.add(a0, a1));
    let s2 = lanes(f64x2.add(q0, q1));
    for (; i < S; i++) {
      const d = <f64>load<f32>(at(row, i)) - sh;
      s1 += d;
      s2 += d * d;
    }
    store<f64>(at8(sum, c), load<f64>(at8(sum, c)) + s1);
    store<f64>(at8(sumSq, c), load<f64>(at8(sumSq, c)) + s2);
    if (++c == C) c = 0;
  }
}

/** Output pass, in place allowed (y may equal x): y = (x − mean[c])·a[c] + beta[c], a = γ·r; all f32 [C]. */
export function batchNormNormalise(x: usize, y: usize, rows: i32, c0: i32, C: i32, S: i32, mean: usize, a: usize, beta: usize): void {
  const S4 = S & ~3;
  let c = c0;
  for (let r: i32 = 0; r < rows; r++) {
    const o = (<usize>r) * (<usize>S) * 4;
    const xr = x + o;
    const yr = y + o;
    const mu = load<f32>(at(mean, c));
    const ac = load<f32>(at(a, c));
    const bc = load<f32>(at(beta, c));
    const MU = f32x4.splat(mu);
    const A = f32x4.splat(ac);
    const B = f32x4.splat(bc);
    let i: i32 = 0;
    for (; i < S4; i += 4) v128.store(at(yr, i), f32x4.add(f32x4.mul(f32x4.sub(v128.load(at(xr, i)), MU), A), B));
    for (; i < S; i++) store<f32>(at(yr, i), (load<f32>(at(xr, i)) - mu) * ac + bc);
    if (++c == C) c = 0;
  }
}

/**
 * Backward sums: for each row of channel c, sumDy[c] += Σ dy and sumDyX[c] += Σ dy·(x − mean[c]), in double.
 * `mean`: f32 [C]; `sumDy`, `sumDyX`: f64 [C], accumulated across calls.
 */
export function batchNormBackwardSums(dy: usize, x: usize, rows: i32, c0: i32, C: i32, S: i32, mean: usize, sumDy: usize, sumDyX: usize): void {
  const S4 = S & ~3;
  let c = c0;
  for (let r: i32 = 0; r < rows; r++) {
    const o = (<usize>r) * (<usize>S) * 4;
    const dr = dy + o;
    const xr = x + o;
    const mu = <f64>load<f32>(at(mean, c));
    const MU = f64x2.splat(mu);
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let q0 = f64x2.splat(0);
    let q1 = f64x2.splat(0);
    let i: i32 = 0;
    for (; i < S4; i += 4) {
      const d = v128.load(at(dr, i));
      const v = v128.load(at(xr, i));
      const d0 = low(d);
      const d1 = high(d);
      a0 = f64x2.add(a0, d0);
      a1 = f64x2.add(a1, d1);
      q0 = f64x2.add(q0, f64x2.mul(d0, f64x2.sub(low(v), MU)));
      q1 = f64x2.add(q1, f64x2.mul(d1, f64x2.sub(high(v), MU)));
    }
    let s1 = lanes(f64x2.add(a0, a1));
    let s2 = lanes(f64x2.add(q0, q1));
    for (; i < S; i++) {
      const d = <f64>load<f32>(at(dr, i));
      s1 += d;
      s2 += d * (<f64>load<f32>(at(xr, i)) - mu);
    }
    store<f64>(at8(sumDy, c), load<f64>(at8(sumDy, c)) + s1);
    store<f64>(at8(sumDyX, c), load<f64>(at8(sumDyX, c)) + s2);
    if (++c == C) c = 0;
  }
}

/**
 * dx pass, in place allowed (dx may equal dy): dx = dy·a[c] + (x − mean[c])·bx[c] + k[c], with a = γ·r,
 * bx = −a·r·dγ/n, k = −a·dβ/n; all f32 [C].
 */
export function batchNormDx(dy: usize, x: usize, dx: usize, rows: i32, c0: i32, C: i32, S: i32, mean: usize, a: usize, bx: usize, k: usize): void {
  const S4 = S & ~3;
  let c = c0;
  for (let r: i32 = 0; r < rows; r++) {
    const o = (<usize>r) * (<usize>S) * 4;
    const dr = dy + o;
    const xr = x + o;
    const outr = dx + o;
    const mu = load<f32>(at(mean, c));
    const ac = load<f32>(at(a, c));
    const bc = load<f32>(at(bx, c));
    const kc = load<f32>(at(k, c));
    const MU = f32x4.splat(mu);
    const A = f32x4.splat(ac);
    const BX = f32x4.splat(bc);
    const K = f32x4.splat(kc);
    let i: i32 = 0;
    for (; i < S4; i += 4) {
      const t = f32x4.add(f32x4.mul(v128.load(at(dr, i)), A), f32x4.mul(f32x4.sub(v128.load(at(xr, i)), MU), BX));
      v128.store(at(outr, i), f32x4.add(t, K));
    }
    for (; i < S; i++) store<f32>(at(outr, i), load<f32>(at(dr, i)) * ac + (load<f32>(at(xr, i)) - mu) * bc + kc);
    if (++c == C) c = 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// S = 1 (x: [N, C], BatchNorm1d over features): a row is one value, so these loop over images and run the lanes
// across channels instead (a chunk is whole images, channel 0 first). Same sums and expressions as above.

/** Two f32 at `p` widened to an f64x2. */
// @ts-ignore: decorator
@inline
function pair(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** batchNormStats for S = 1 over `nb` images of C values. */
export function batchNormStats1(x: usize, nb: i32, C: i32, shift: usize, sum: usize, sumSq: usize): void {
  const C2 = C & ~1;
  for (let b: i32 = 0; b < nb; b++) {
    const row = x + (<usize>b) * (<usize>C) * 4;
    let c: i32 = 0;
    for (; c < C2; c += 2) {
      const d = f64x2.sub(pair(at(row, c)), pair(at(shift, c)));
      v128.store(at8(sum, c), f64x2.add(v128.load(at8(sum, c)), d));
      v128.store(at8(sumSq, c), f64x2.add(v128.load(at8(sumSq, c)), f64x2.mul(d, d)));
    }
    if (c < C) {
      const d = <f64>load<f32>(at(row, c)) - <f64>load<f32>(at(shift, c));
      store<f64>(at8(sum, c), load<f64>(at8(sum, c)) + d);
      store<f64>(at8(sumSq, c), load<f64>(at8(sumSq, c)) + d * d);
    }
  }
}

/** batchNormNormalise for S = 1 over `nb` images of C values (in place allowed). */
export function batchNormNormalise1(x: usize, y: usize, nb: i32, C: i32, mean: usize, a: usize, beta: usize): void {
  const C4 = C & ~3;
  for (let b: i32 = 0; b < nb; b++) {
    const o = (<usize>b) * (<usize>C) * 4;
    const xr = x + o;
    const yr = y + o;
    let c: i32 = 0;
    for (; c < C4; c += 4) {
      const t = f32x4.mul(f32x4.sub(v128.load(at(xr, c)), v128.load(at(mean, c))), v128.load(at(a, c)));
      v128.store(at(yr, c), f32x4.add(t, v128.load(at(beta, c))));
    }
    for (; c < C; c++) store<f32>(at(yr, c), (load<f32>(at(xr, c)) - load<f32>(at(mean, c))) * load<f32>(at(a, c)) + load<f32>(at(beta, c)));
  }
}

/** batchNormBackwardSums for S = 1 over `nb` images of C values. */
export function batchNormBackwardSums1(dy: usize, x: usize, nb: i32, C: i32, mean: usize, sumDy: usize, sumDyX: usize): void {
  const C2 = C & ~1;
  for (let b: i32 = 0; b < nb; b++) {
    const o = (<usize>b) * (<usize>C) * 4;
    const dr = dy + o;
    const xr = x + o;
    let c: i32 = 0;
    for (; c < C2; c += 2) {
      const d = pair(at(dr, c));
      const xc = f64x2.sub(pair(at(xr, c)), pair(at(mean, c)));
      v128.store(at8(sumDy, c), f64x2.add(v128.load(at8(sumDy, c)), d));
      v128.store(at8(sumDyX, c), f64x2.add(v128.load(at8(sumDyX, c)), f64x2.mul(d, xc)));
    }
    if (c < C) {
      const d = <f64>load<f32>(at(dr, c));
      store<f64>(at8(sumDy, c), load<f64>(at8(sumDy, c)) + d);
      store<f64>(at8(sumDyX, c), load<f64>(at8(sumDyX, c)) + d * (<f64>load<f32>(at(xr, c)) - <f64>load<f32>(at(mean, c))));
    }
  }
}

/** batchNormDx for S = 1 over `nb` images of C values (in place allowed). */
export function batchNormDx1(dy: usize, x: usize, dx: usize, nb: i32, C: i32, mean: usize, a: usize, bx: usize, k: usize): void {
  const C4 = C & ~3;
  for (let b: i32 = 0; b < nb; b++) {
    const o = (<usize>b) * (<usize>C) * 4;
    const dr = dy + o;
    const xr = x + o;
    const outr = dx + o;
    let c: i32 = 0;
    for (; c < C4; c += 4) {
      const xc = f32x4.sub(v128.load(at(xr, c)), v128.load(at(mean, c)));
      const t = f32x4.add(f32x4.mul(v128.load(at(dr, c)), v128.load(at(a, c))), f32x4.mul(xc, v128.load(at(bx, c))));
      v128.store(at(outr, c), f32x4.add(t, v128.load(at(k, c))));
    }
    for (; c < C; c++) {
      const xc = load<f32>(at(xr, c)) - load<f32>(at(mean, c));
      store<f32>(at(outr, c), load<f32>(at(dr, c)) * load<f32>(at(a, c)) + xc * load<f32>(at(bx, c)) + load<f32>(at(k, c)));
    }
  }
}
