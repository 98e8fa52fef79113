/**
 * `wasm-threads`: the wasm backend on 1 thread against all cores (`setBackend('wasm', { threads })`, spikefn's
 * kernels), interleaved: each round sets 1 thread, times every case, then N threads (N = `os.availableParallelism()`,
 * at least 2) and times them again; 3 rounds (1 with `--quick`), and each row is the median over rounds of the
 * per-round medians. Cases, at the shapes of the `cnn-train-step` network (B·T = 256 images per conv call):
 *
 * - `Conv2D` forward, 3×3 1→32 on [256, 28, 28, 1] and 3×3 32→32 on [256, 14, 14, 32] ('same', NHWC);
 * - `Conv2DBackpropFilter` and `Conv2DBackpropInput` of the 32→32 conv (the backward pass);
 * - `BatchMatMul` of [1024, 1024] × [1024, 1024], and of [256, 1568] × [1568, 10] (the CNN's linear layer);
 * - `cnn-train-step`: one training step of that suite's network (T = 8, B = 32; T = 4, B = 8 with `--quick`).
 *
 * Rows: `{suite, backend: 'wasm', kernels: 'spikefn', simd, threads, op, shape, ms, cpuMs}`; `cpuMs` is this
 * process's CPU time (all threads) per call.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@spikefn/core/tf';
import { getWasmThreads, setBackend } from '@spikefn/core';
import type { BenchRow, BenchSuite } from '../suite.js';
import { makeStep } from './cnn-train-step.js';

const SUITE = 'wasm-threads';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Median wall and CPU ms of `f` over `repeats` calls after one untimed call. */
function timeIt(f: () => void, repeats: number): { ms: number; cpuMs: number } {
  f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu) };
}

type Case = { readonly op: string; readonly shape: readonly number[]; readonly run: (repeats: number) => { ms: number; cpuMs: number } };

/** Runs one kernel on seeded random inputs made for this call, reads its output back, disposes everything. */
const kernelCase = (
  op: string,
  kernel: string,
  shapes: Record<string, number[]>,
  attrs: tf.NamedAttrMap,
  shape: readonly number[],
): Case => ({
  op,
  shape,
  run: (repeats) => {
    const inputs: tf.NamedTensorMap = {};
    let seed = 1;
    for (const [name, s] of Object.entries(shapes)) inputs[name] = tf.randomUniform(s, -1, 1, 'float32', seed++);
    try {
      return timeIt(() => {
        const y = tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
        y.dataSync();
        y.dispose();
      }, repeats);
    } finally {
      tf.dispose(Object.values(inputs));
    }
  },
});

const convAttrs = {
  strides: [1, 1],
  pad: 'same',
  dataFormat: 'NHWC',
  dilations: [1, 1],
  dimRoundingMode: undefined,
} as unknown as tf.NamedAttrMap;

function cases(quick: boolean): Case[] {
  const T = quick ? 4 : 8;
  const B = quick ? 8 : 32;
  const n = T * B;
  return [
    kernelCase('Conv2D 1→32', 'Conv2D', { x: [n, 28, 28, 1], filter: [3, 3, 1, 32] }, convAttrs, [n, 28, 28, 1]),
    kernelCase('Conv2D 32→32', 'Conv2D', { x: [n, 14, 14, 32], filter: [3, 3, 32, 32] }, convAttrs, [n, 14, 14, 32]),
    kernelCase(
      'Conv2DBackpropFilter 32→32',
      'Conv2DBackpropFilter',
      { x: [n, 14, 14, 32], dy: [n, 14, 14, 32] },
      { ...convAttrs, filterShape: [3, 3, 32, 32] },
      [n, 14, 14, 32],
    ),
    kernelCase(
      'Conv2DBackpropInput 32→32',
      'Conv2DBackpropInput',
      { dy: [n, 14, 14, 32], filter: [3, 3, 32, 32] },
      { ...convAttrs, inputShape: [n, 14, 14, 32] },
      [n, 14, 14, 32],
    ),
    kernelCase(
      'BatchMatMul 1024²',
      'BatchMatMul',
      { a: [1, 1024, 1024], b: [1, 1024, 1024] },
      { transposeA: false, transposeB: false },
      [1024, 1024, 1024],
    ),
    kernelCase('BatchMatMul fc', 'BatchMatMul', { a: [1, n, 1568], b: [1, 1568, 10] }, { transposeA: false, transposeB: false }, [
      n,
      1568,
      10,
    ]),
    {
      op: 'cnn-train-step',
      shape: [T, B, 1, 28, 28],
      run: (repeats) => {
        const s = makeStep(T, B);
        try {
          return timeIt(s.step, Math.max(1, repeats - 1));
        } finally {
          s.dispose();
        }
      },
    },
  ];
}

export const suite: BenchSuite = {
  name: SUITE,
  async run({ quick }) {
    const rounds = quick ? 1 : 3;
    const counts = [1, Math.min(8, Math.max(2, availableParallelism()))];
    const all = cases(quick);
    await setBackend('wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const times = new Map<string, { ms: number[]; cpuMs: number[] }>();
    for (let round = 0; round < rounds; round++) {
      for (const threads of counts) {
        await setBackend('wasm', { threads });
        if (getWasmThreads() !== threads)
          throw new Error(`wasm-threads: asked for ${threads} threads, the backend runs ${getWasmThreads()}`);
        for (const c of all) {
          const t = c.run(quick ? 2 : 5);
          const k = `${c.op}|${threads}`;
          const entry = times.get(k) ?? { ms: [], cpuMs: [] };
          entry.ms.push(t.ms);
          entry.cpuMs.push(t.cpuMs);
          times.set(k, entry);
        }
      }
    }
    const rows: BenchRow[] = [];
    for (const c of all) {
      for (const threads of counts) {
        const t = times.get(`${c.op}|${threads}`);
        rows.push({
          suite: SUITE,
          backend: 'wasm',
          kernels: 'spikefn',
          simd,
          threads,
          op: c.op,
          shape: [...c.shape],
          ms: median(t?.ms ?? []),
          cpuMs: median(t?.cpuMs ?? []),
          rounds,
        });
      }
    }
    await setBackend('wasm');
    return rows;
  },
};
