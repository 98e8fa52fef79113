/**
 * `conv-kernels`: tfjs's stock kernels against spikefn's (`@spikefn/kernels`, the `'overrides'` set)
 * for the kernels a spiking CNN's training step leans on, at the shapes of the
 * reference network (T = 8, B = 32, so B·T = 256 images per conv call):
 *
 * - Conv2DBackpropFilter and Conv2DBackpropInput of conv 3x3 1->32 on
 *   [256, 28, 28, 1] and conv 3x3 32->32 on [256, 14, 14, 32] ('same', stride 1);
 * - MaxPoolGrad of a 2x2 stride-2 pool on [256, 28, 28, 32];
 * - `tf.unstack` of a [128, 100000] sequence on wasm (the Slice trap).
 *
 * Rows: `{suite, kernel, backend, kernels: 'stock' | 'spikefn', shape, ms, cpuMs}`
 * (median wall time, and median CPU time of the process, which is steadier
 * when other processes share the cores). A combination that cannot or should
 * not run has `skipped` instead: wasm has no stock Conv2DBackpropFilter, and
 * cpu's stock one is skipped when a probe at batch 4 extrapolates past 30 s of
 * CPU time (1 s with `--quick`). `--quick` uses batch 16 and a [16, 100000]
 * sequence.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@spikefn/core';
import { isRegistered, register, unregister } from '@spikefn/kernels';
import type { BenchOptions, BenchRow, BenchSuite } from '../suite.js';

const SUITE = 'conv-kernels';
/** Stock kernels whose probe extrapolates past this are skipped (a row with `skipped`). */
const TOO_SLOW_MS = 30_000;
const TOO_SLOW_QUICK_MS = 1_000;
/** Past this, a kernel is timed once, without a warm-up call. */
const SLOW_MS = 5_000;

type Mode = 'stock' | 'spikefn';

function randomArray(n: number, seed: number): Float32Array {
  // a small LCG: the same data on every backend and run
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/**
 * Median wall time (`ms`) and median CPU time of this process (`cpuMs`) of `f`
 * over `repeats` calls after `warmup` untimed ones. The kernels are
 * single-threaded, so on an idle machine the two agree; when other processes
 * compete for the cores, `cpuMs` is the steadier of the two.
 */
function timeIt(f: () => void, repeats: number, warmup: number): { ms: number; cpuMs: number } {
  for (let i = 0; i < warmup; i++) f();
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

function useKernels(backend: string, mode: Mode): void {
  if (mode === 'spikefn') register(backend, ['overrides']);
  else unregister(backend, ['overrides']);
}

/** Times one kernel call (output read back and disposed), inputs made once. */
function timeKernel(
  kernelName: string,
  inputs: Record<string, { shape: number[]; data: Float32Array }>,
  attrs: tf.NamedAttrMap,
  repeats: number,
  warmup = 1,
): { ms: number; cpuMs: number } {
  const tensors: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.data, v.shape, 'float32');
  try {
    return timeIt(
      () => {
        const out = tf.engine().runKernel(kernelName, tensors, attrs) as tf.Tensor | tf.Tensor[];
        const outs = Array.isArray(out) ? out : [out];
        outs[0]?.dataSync();
        tf.dispose(outs);
      },
      repeats,
      warmup,
    );
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

interface ConvCase {
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
}

function convRows(backend: string, mode: Mode, c: ConvCase, batch: number, tooSlowMs: number): BenchRow[] {
  const rows: BenchRow[] = [];
  const xShape = [...c.x];
  const dyShape = [c.x[0], c.x[1], c.x[2], c.filter[3]]; // 'same', stride 1
  const x = { shape: xShape, data: randomArray(size(xShape), 1) };
  const dy = { shape: dyShape, data: randomArray(size(dyShape), 2) };
  const filter = { shape: [...c.filter], data: randomArray(size(c.filter), 3) };
  const base = { suite: SUITE, backend, kernels: mode, shape: xShape, filter: [...c.filter] };
  const conv = { pad: 'same', dataFormat: 'NHWC' };
  const repeats = 3;

  // filter gradient
  const fAttrs: tf.NamedAttrMap = { ...conv, strides: [1, 1], filterShape: [...c.filter] };
  if (tf.getKernel('Conv2DBackpropFilter', backend) === undefined) {
    rows.push({
      ...base,
      kernel: 'Conv2DBackpropFilter',
      skipped: `no stock kernel: tfjs-backend-${backend} 4.22 has no Conv2DBackpropFilter`,
    });
  } else {
    let skipped: string | undefined;
    let slow = false;
    if (mode === 'stock' && backend === 'cpu') {
      // probe at a small batch, extrapolate linearly in the batch
      const pb = Math.min(batch, 4);
      const px = { shape: [pb, ...xShape.slice(1)], data: x.data.subarray(0, (size(xShape) / batch) * pb) };
      const pdy = { shape: [pb, ...dyShape.slice(1)], data: dy.data.subarray(0, (size(dyShape) / batch) * pb) };
      const probe = timeKernel('Conv2DBackpropFilter', { x: px, dy: pdy }, fAttrs, 1, 0).cpuMs;
      const estimate = (probe * batch) / pb;
      slow = estimate > SLOW_MS;
      if (estimate > tooSlowMs) {
        skipped = `too slow: stock cpu Conv2DBackpropFilter took ${probe.toFixed(0)} ms (CPU) at batch ${pb}, ~${(estimate / 1000).toFixed(0)} s extrapolated to batch ${batch}`;
      }
    }
    if (skipped !== undefined) rows.push({ ...base, kernel: 'Conv2DBackpropFilter', skipped });
    else {
      const t = slow
        ? timeKernel('Conv2DBackpropFilter', { x, dy }, fAttrs, 1, 0)
        : timeKernel('Conv2DBackpropFilter', { x, dy }, fAttrs, repeats);
      rows.push({ ...base, kernel: 'Conv2DBackpropFilter', ...t });
    }
  }

  // input gradient
  const iAttrs: tf.NamedAttrMap = { ...conv, strides: [1, 1], inputShape: xShape };
  rows.push({ ...base, kernel: 'Conv2DBackpropInput', ...timeKernel('Conv2DBackpropInput', { dy, filter }, iAttrs, repeats) });
  return rows;
}

function poolRows(backend: string, mode: Mode, batch: number): BenchRow[] {
  const xShape = [batch, 28, 28, 32];
  const yShape = [batch, 14, 14, 32];
  // spike-like input (0/1), so ties are as common as in a spiking CNN
  const x = { shape: xShape, data: randomArray(size(xShape), 4).map((v) => (v > 0.3 ? 1 : 0)) };
  const dy = { shape: yShape, data: randomArray(size(yShape), 5) };
  const t = timeKernel('MaxPoolGrad', { dy, input: x, output: dy }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }, 3);
  return [{ suite: SUITE, backend, kernels: mode, kernel: 'MaxPoolGrad', shape: xShape, filterSize: [2, 2], strides: [2, 2], ...t }];
}

function unstackRows(backend: string, mode: Mode, steps: number): BenchRow[] {
  const shape = [steps, 100_000];
  const xs = tf.tensor(randomArray(size(shape), 6), shape, 'float32');
  try {
    const t = timeIt(
      () => {
        const parts = tf.unstack(xs);
        parts[parts.length - 1]?.dataSync();
        tf.dispose(parts);
      },
      mode === 'stock' ? 1 : 3,
      1,
    );
    return [{ suite: SUITE, backend, kernels: mode, kernel: 'Unpack (tf.unstack)', shape, ...t }];
  } finally {
    xs.dispose();
  }
}

export const suite: BenchSuite = {
  name: SUITE,
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const batch = opts.quick ? 16 : 256;
    const steps = opts.quick ? 16 : 128;
    const cases: readonly ConvCase[] = [
      { x: [batch, 28, 28, 1], filter: [3, 3, 1, 32] },
      { x: [batch, 14, 14, 32], filter: [3, 3, 32, 32] },
    ];
    const rows: BenchRow[] = [];
    for (const backend of ['cpu', 'wasm']) {
      await setBackend(backend);
      const wasFast = isRegistered('Conv2DBackpropFilter', backend);
      try {
        for (const mode of ['stock', 'spikefn'] as const) {
          useKernels(backend, mode);
          for (const c of cases) rows.push(...convRows(backend, mode, c, batch, opts.quick ? TOO_SLOW_QUICK_MS : TOO_SLOW_MS));
          rows.push(...poolRows(backend, mode, batch));
          if (backend === 'wasm') rows.push(...unstackRows(backend, mode, steps));
        }
      } finally {
        useKernels(backend, wasFast ? 'spikefn' : 'stock');
      }
    }
    return rows;
  },
};
