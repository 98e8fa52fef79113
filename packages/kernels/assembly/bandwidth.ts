/**
 * Memory-bandwidth probes for the benchmarks (tools/bench/suites/bandwidth.ts): STREAM-style copy and triad loops
 * over f32x4. `n` is a multiple of 4, pointers are 16-byte aligned byte offsets.
 */

/** dst[i] = src[i]: reads and writes 4 bytes per element each. */
export function copy(dst: usize, src: usize, n: i32): void {
  const end = dst + ((<usize>n) << 2);
  for (let d = dst, s = src; d < end; d += 16, s += 16) v128.store(d, v128.load(s));
}

/** a[i] = b[i] + s·c[i]: two reads and one write of 4 bytes per element. */
export function triad(a: usize, b: usize, c: usize, s: f32, n: i32): void {
  const S = f32x4.splat(s);
  const end = (<usize>n) << 2;
  for (let o: usize = 0; o < end; o += 16) v128.store(a + o, f32x4.add(v128.load(b + o), f32x4.mul(S, v128.load(c + o))));
}
