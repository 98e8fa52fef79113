/**
 * `tsx --conditions=@spikefn/source tools/bench/matmul-shapes.ts [threads] [reps]`: tfjs's stock wasm BatchMatMul
 * against spikefn's (in place, f32x4, kernel threads) on skinny shapes in all four transpose combinations, interleaved
 * in one process: the median ms of `reps` calls each, and the largest difference between the two outputs relative to
 * max |C|. What `takesBatchMatMul` (packages/kernels/src/batch-matmul-wasm.ts) was chosen from.
 */
import * as tf from '@spikefn/core/tf';
import { getWasmThreads, setBackend } from '@spikefn/core';
import { batchMatMulTuning, stockKernel } from '@spikefn/kernels';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const threads = args[0] !== undefined ? Number(args[0]) : undefined;
const reps = args[1] !== undefined ? Number(args[1]) : 15;
await setBackend('wasm', threads !== undefined ? { threads } : {});
// every shape to spikefn's kernel, to compare
batchMatMulTuning.minMacs = 0;
batchMatMulTuning.untransposed = true;

// [M, N, K]: the linear layer 1568 → 10 at 256 rows (forward, weight and input gradient), and neighbours
const shapes: [number, number, number][] = [
  [256, 10, 1568],
  [10, 1568, 256],
  [256, 1568, 10],
  [256, 16, 1568],
  [16, 1568, 256],
  [256, 32, 1568],
  [1, 1568, 256],
  [256, 1, 1568],
  [4, 4, 4],
  [16, 16, 16],
  [8, 8, 64],
  [32, 10, 32],
  [64, 10, 64],
  [256, 256, 256],
  [512, 64, 512],
  [1024, 100, 1024],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function time(f: () => tf.Tensor): number {
  const t0 = performance.now();
  const y = f();
  y.dataSync();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

console.log(`threads ${getWasmThreads()}, reps ${reps}`);
for (const [M, N, K] of shapes) {
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    const a = tf.randomUniform(tA ? [K, M] : [M, K], -1, 1);
    const b = tf.randomUniform(tB ? [N, K] : [K, N], -1, 1);
    const ours = (): tf.Tensor => tf.matMul(a, b, tA, tB);
    const stock = (): tf.Tensor => {
      const k = stockKernel('BatchMatMul', 'wasm');
      if (k === undefined) throw new Error('no stock BatchMatMul');
      const info = k.kernelFunc({ inputs: { a, b }, backend: tf.backend(), attrs: { transposeA: tA, transposeB: tB } }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    };
    const ya = ours();
    const yb = stock();
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0] as number);
    const scale = tf.tidy(() => tf.max(tf.abs(yb)).dataSync()[0] as number);
    ya.dispose();
    yb.dispose();
    const tOurs: number[] = [];
    const tStock: number[] = [];
    for (let r = 0; r < reps; r++) {
      tStock.push(time(stock));
      tOurs.push(time(ours));
    }
    console.log(
      `[${M}, ${N}, ${K}] tA=${tA ? 1 : 0} tB=${tB ? 1 : 0}: stock ${median(tStock).toFixed(3)} ms, spikefn ${median(tOurs).toFixed(3)} ms, max diff ${(diff / scale).toExponential(1)}`,
    );
    a.dispose();
    b.dispose();
  }
}
