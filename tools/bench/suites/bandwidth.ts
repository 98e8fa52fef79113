/**
 * `bandwidth`: this machine's memory bandwidth from WebAssembly, the floor of memory-bound kernels. STREAM-style copy
 * (a[i] = b[i]) and triad (a[i] = b[i] + s·c[i]) over f32x4 on 64 MiB arrays (16 MiB with `--quick`), best of 5 runs,
 * counting every byte read and written (`measureBandwidth` of `@spikefn/kernels`).
 *
 * Rows: `{suite: 'bandwidth', name: 'copy' | 'triad', backend: 'wasm', bytes, gbPerSecond, simd, threads, load1}`
 * (bytes = one array; threads = 1: one core). The lif suite reads the triad figure to print its floor.
 */
import { loadavg } from 'node:os';
import { measureBandwidth } from '@spikefn/kernels';
import type { BenchOptions, BenchRow, BenchSuite } from '../suite.js';

const SUITE = 'bandwidth';

async function run(options: BenchOptions): Promise<readonly BenchRow[]> {
  const bw = measureBandwidth({ bytes: (options.quick ? 16 : 64) * 2 ** 20, repeats: 5 });
  if (bw === null) {
    console.log('bandwidth: this engine has no WebAssembly SIMD; nothing measured');
    return [];
  }
  const common = { suite: SUITE, backend: 'wasm', bytes: bw.bytes, simd: true, threads: 1 };
  const rows: BenchRow[] = [
    { ...common, name: 'copy', gbPerSecond: bw.copyGbPerSecond, load1: loadavg()[0] },
    { ...common, name: 'triad', gbPerSecond: bw.triadGbPerSecond, load1: loadavg()[0] },
  ];
  console.log(
    `bandwidth: copy ${bw.copyGbPerSecond.toFixed(1)} GB/s, triad ${bw.triadGbPerSecond.toFixed(1)} GB/s (${bw.bytes / 2 ** 20} MiB arrays)`,
  );
  return rows;
}

/** The `bandwidth` suite. */
export const suite: BenchSuite = { name: SUITE, run };
