/**
 * Training-mode batch normalisation (Ioffe & Szegedy, ICML 2015) as one forward and one backward kernel for `cpu` and
 * `wasm`, over `x: [N, C, ...]` (channel axis 1, n = x.size / C values per channel):
 *
 *   forward:  μ = mean(x),  σ² = mean((x − μ)²),  r = 1/√(σ² + ε),  y = (x − μ)·r·γ + β
 *   backward: dβ = Σ dy,  dγ = r·Σ dy·(x − μ),  dx = γ·r·(dy − dβ/n − (x − μ)·r·dγ/n)
 *
 * Why: composed from tfjs ops (`moments`, broadcasting sub / mul / add, and their autodiff: `Mean`, `Sum`, `Square`,
 * `Cast`, broadcast `Multiply` …) a BatchNorm of the spiking CNN's [256, 32, 28, 28] activations costs about 30 kernel
 * calls and a third of a training step on wasm; here it is two passes over x forward (statistics, output) and two
 * backward (two sums, dx), sums in double precision. The running statistics are the caller's business (the forward
 * returns μ and the biased σ²; like PyTorch's buffers, no gradient flows through them).
 *
 * The passes run on WebAssembly SIMD where the kernels module runs (./simd/batch-norm.ts, assembly/batch-norm.ts:
 * chunks of x copied into the module's memory; the same double sums, the two elementwise passes in float32 in the
 * centred form y = (x − μ)·a + β, dx = dy·a + (x − μ)·bx + k'), and in the JavaScript loops below otherwise (the
 * reference, also with `setSimdEnabled(false)`); the two agree to float32 rounding.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asCpu, asWasm, cpuFloat32, wasmFloat32, wasmSimdInPlace, wasmTouch, type WasmBackendLike } from './backend-access.js';
import { type BnTarget, bnScratchFloats, simdBackwardSums, simdChannelSums, simdInputGradient, simdNormalise } from './simd/batch-norm.js';
import { simdModule } from './simd/module.js';

/** The SIMD passes over the kernels' own memory, or `null` (JavaScript loops). */
const ownSimd = (): BnTarget | null => {
  const m = simdModule();
  return m === null ? null : { m, base: null };
};

/** Name of the fused training BatchNorm forward kernel: inputs `x, gamma, beta`, outputs `y, mean, variance, invStd`. */
export const BATCH_NORM_FORWARD = 'SpikefnBatchNormForward';
/** Name of its backward kernel: inputs `dy, x, gamma, mean, invStd`, outputs `dx, dGamma, dBeta`. */
export const BATCH_NORM_BACKWARD = 'SpikefnBatchNormBackward';

/** Attributes of {@link BATCH_NORM_FORWARD}: ε > 0, added to the variance. */
export type BatchNormAttrs = {
  /** ε > 0, added to the variance before the square root. */
  readonly eps: number;
};

type Geometry = { readonly N: number; readonly C: number; readonly S: number };

function geometry(kernel: string, x: TensorInfo | undefined, gamma: TensorInfo | undefined): Geometry {
  if (x === undefined || gamma === undefined) throw new Error(`${kernel}: needs inputs x and gamma`);
  if (x.shape.length < 2) throw new Error(`${kernel}: x must be [N, C, ...], got shape [${String(x.shape)}]`);
  const N = x.shape[0] as number;
  const C = x.shape[1] as number;
  if (gamma.shape.length !== 1 || gamma.shape[0] !== C) throw new Error(`${kernel}: gamma must be [${C}], got [${String(gamma.shape)}]`);
  const S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if (N * S < 1) throw new Error(`${kernel}: x has no values per channel`);
  return { N, C, S };
}

/** Per channel c: shift[c] = the channel's first value, x[0, c, 0] (the shift of the sums below). */
function shifts(x: Float32Array, g: Geometry): Float32Array {
  const shift = new Float32Array(g.C);
  for (let c = 0; c < g.C; c++) shift[c] = x[c * g.S]!;
  return shift;
}

/** Per channel: Σ (x − shift) and Σ (x − shift)² in double (shifted: no cancellation for |μ| ≫ σ). */
function shiftedSums(x: Float32Array, g: Geometry, shift: Float32Array, sum: Float64Array, sumSq: Float64Array): void {
  const { N, C, S } = g;
  for (let c = 0; c < C; c++) {
    const sh = shift[c]!;
    // four independent accumulator pairs: the add latency, not the loads, would bound a single chain
    let s1 = 0;
    let s2 = 0;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * S;
      const end = o + S;
      const end4 = o + (S & ~3);
      let i = o;
      for (; i < end4; i += 4) {
        const d0 = x[i]! - sh;
        const d1 = x[i + 1]! - sh;
        const d2 = x[i + 2]! - sh;
        const d3 = x[i + 3]! - sh;
        a0 += d0;
        a1 += d1;
        a2 += d2;
        a3 += d3;
        q0 += d0 * d0;
        q1 += d1 * d1;
        q2 += d2 * d2;
        q3 += d3 * d3;
      }
      for (; i < end; i++) {
        const d = x[i]! - sh;
        s1 += d;
        s2 += d * d;
      }
    }
    sum[c] = s1 + (a0 + a1 + a2 + a3);
    sumSq[c] = s2 + (q0 + q1 + q2 + q3);
  }
}

/**
 * Per channel: mean, biased variance, 1/√(var + ε) from the shifted sums (on SIMD where the module runs, else the
 * JavaScript loop).
 */
function statistics(
  simd: BnTarget | null,
  x: Float32Array,
  g: Geometry,
  eps: number,
  mean: Float32Array,
  variance: Float32Array,
  invStd: Float32Array,
): void {
  const { N, C, S } = g;
  const n = N * S;
  const shift = shifts(x, g);
  const sum = new Float64Array(C);
  const sumSq = new Float64Array(C);
  const done = simd !== null && orFalse(() => simdChannelSums(simd, x, g, shift, sum, sumSq));
  if (!done) shiftedSums(x, g, shift, sum, sumSq);
  for (let c = 0; c < C; c++) {
    const mu = sum[c]! / n;
    const v = Math.max(0, sumSq[c]! / n - mu * mu);
    mean[c] = shift[c]! + mu;
    variance[c] = v;
    invStd[c] = 1 / Math.sqrt(v + eps);
  }
}

/** Runs `f` and answers true, or false where the SIMD module's memory cannot grow to the call (RangeError). */
function orFalse(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

/**
 * y = x·a + b per channel, a = γ·r, b = β − μ·a (the μ and r of {@link statistics}, float32-rounded as returned); on
 * SIMD in the centred form y = (x − μ)·a + β, in float32.
 */
function normalise(
  simd: BnTarget | null,
  x: Float32Array,
  g: Geometry,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  y: Float32Array,
): void {
  const { N, C, S } = g;
  if (simd !== null) {
    const a = new Float32Array(C);
    for (let c = 0; c < C; c++) a[c] = gamma[c]! * invStd[c]!;
    if (orFalse(() => simdNormalise(simd, x, g, mean, a, beta, y))) return;
  }
  for (let c = 0; c < C; c++) {
    const a = gamma[c]! * invStd[c]!;
    const b = beta[c]! - mean[c]! * a;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * S;
      for (let i = o; i < o + S; i++) y[i] = x[i]! * a + b;
    }
  }
}

/** Per channel: Σ dy and Σ dy·(x − μ) in double. */
function backwardSums(dy: Float32Array, x: Float32Array, g: Geometry, mean: Float32Array, sumDy: Float64Array, sumDyX: Float64Array): void {
  const { N, C, S } = g;
  for (let c = 0; c < C; c++) {
    const mu = mean[c]!;
    let sdy = 0;
    let sdyx = 0;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * S;
      const end = o + S;
      const end4 = o + (S & ~3);
      let i = o;
      for (; i < end4; i += 4) {
        const d0 = dy[i]!;
        const d1 = dy[i + 1]!;
        const d2 = dy[i + 2]!;
        const d3 = dy[i + 3]!;
        a0 += d0;
        a1 += d1;
        a2 += d2;
        a3 += d3;
        q0 += d0 * (x[i]! - mu);
        q1 += d1 * (x[i + 1]! - mu);
        q2 += d2 * (x[i + 2]! - mu);
        q3 += d3 * (x[i + 3]! - mu);
      }
      for (; i < end; i++) {
        const d = dy[i]!;
        sdy += d;
        sdyx += d * (x[i]! - mu);
      }
    }
    sumDy[c] = sdy + (a0 + a1 + a2 + a3);
    sumDyX[c] = sdyx + (q0 + q1 + q2 + q3);
  }
}

/**
 * dβ, dγ, then dx = dy·a + x·bx + k per channel (the backward of the module comment, expanded); the two passes on
 * SIMD where the module runs (dx in the centred form dy·a + (x − μ)·bx + (k + bx·μ), in float32).
 */
function backward(
  simd: BnTarget | null,
  dy: Float32Array,
  x: Float32Array,
  g: Geometry,
  gamma: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const { N, C, S } = g;
  const n = N * S;
  const sumDy = new Float64Array(C);
  const sumDyX = new Float64Array(C);
  const summed = simd !== null && orFalse(() => simdBackwardSums(simd, dy, x, g, mean, sumDy, sumDyX));
  if (!summed) backwardSums(dy, x, g, mean, sumDy, sumDyX);
  const as = new Float64Array(C);
  const bxs = new Float64Array(C);
  const ks = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const sdy = sumDy[c]!;
    const r = invStd[c]!;
    const dg = r * sumDyX[c]!;
    dBeta[c] = sdy;
    dGamma[c] = dg;
    const a = gamma[c]! * r;
    as[c] = a;
    bxs[c] = (-a * r * dg) / n;
    ks[c] = (-a * sdy) / n; // centred: the k of the JavaScript loop is this − bx·μ
  }
  if (simd !== null) {
    const [af, bf, kf] = [Float32Array.from(as), Float32Array.from(bxs), Float32Array.from(ks)];
    if (orFalse(() => simdInputGradient(simd, dy, x, g, mean, af, bf, kf, dx))) return;
  }
  for (let c = 0; c < C; c++) {
    const a = as[c]!;
    const bx = bxs[c]!;
    const k = ks[c]! - bx * mean[c]!;
    for (let b = 0; b < N; b++) {
      const o = (b * C + c) * S;
      for (let i = o; i < o + S; i++) dx[i] = dy[i]! * a + x[i]! * bx + k;
    }
  }
}

function epsOf(attrs: tf.NamedAttrMap | undefined): number {
  const eps = (attrs as Partial<BatchNormAttrs> | undefined)?.eps;
  if (typeof eps !== 'number' || !(eps > 0))
    throw new Error(`${BATCH_NORM_FORWARD}: attribute eps must be a number > 0, got ${String(eps)}`);
  return eps;
}

const forwardCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = asCpu(backend);
  const { x, gamma, beta } = inputs;
  const g = geometry(BATCH_NORM_FORWARD, x, gamma);
  if (beta === undefined) throw new Error(`${BATCH_NORM_FORWARD}: needs input beta`);
  const xv = cpuFloat32(cpu, x as TensorInfo);
  const mean = new Float32Array(g.C);
  const variance = new Float32Array(g.C);
  const invStd = new Float32Array(g.C);
  const simd = ownSimd();
  statistics(simd, xv, g, epsOf(attrs), mean, variance, invStd);
  const y = new Float32Array(xv.length);
  normalise(simd, xv, g, cpuFloat32(cpu, gamma as TensorInfo), cpuFloat32(cpu, beta), mean, invStd, y);
  const shape = (x as TensorInfo).shape.slice();
  return [
    cpu.makeTensorInfo(shape, 'float32', y),
    cpu.makeTensorInfo([g.C], 'float32', mean),
    cpu.makeTensorInfo([g.C], 'float32', variance),
    cpu.makeTensorInfo([g.C], 'float32', invStd),
  ];
};

/**
 * The SIMD passes for a wasm kernel: in place over the backend's heap where it is a shared memory we can reach (the
 * per-channel scratch allocated on it now, before the kernel takes its views), else over the kernels' own memory.
 * Returns a getter (call it after the allocations) and the scratch's release.
 */
function wasmSimd(w: WasmBackendLike, C: number): [() => BnTarget | null, () => void] {
  const m = wasmSimdInPlace(w);
  if (m === null) return [ownSimd, () => undefined];
  const scratch = w.makeOutput([bnScratchFloats(C)], 'float32');
  return [() => ({ m, base: (w.typedArrayFromHeap(scratch) as Float32Array).byteOffset >>> 2 }), () => w.disposeData(scratch.dataId, true)];
}

const forwardWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const { x, gamma, beta } = inputs;
  const g = geometry(BATCH_NORM_FORWARD, x, gamma);
  if (beta === undefined) throw new Error(`${BATCH_NORM_FORWARD}: needs input beta`);
  const eps = epsOf(attrs);
  wasmTouch(w, [x, gamma, beta]);
  const xi = x as TensorInfo;
  const y = w.makeOutput(xi.shape.slice(), 'float32');
  const mean = w.makeOutput([g.C], 'float32');
  const variance = w.makeOutput([g.C], 'float32');
  const invStd = w.makeOutput([g.C], 'float32');
  const [simd, release] = wasmSimd(w, g.C);
  // Views only after the last allocation.
  const meanV = w.typedArrayFromHeap(mean) as Float32Array;
  const invStdV = w.typedArrayFromHeap(invStd) as Float32Array;
  const xv = wasmFloat32(w, xi);
  statistics(simd(), xv, g, eps, meanV, w.typedArrayFromHeap(variance) as Float32Array, invStdV);
  normalise(
    simd(),
    xv,
    g,
    wasmFloat32(w, gamma as TensorInfo),
    wasmFloat32(w, beta),
    meanV,
    invStdV,
    w.typedArrayFromHeap(y) as Float32Array,
  );
  release();
  return [y, mean, variance, invStd];
};

function backwardInputs(inputs: tf.NamedTensorInfoMap): {
  dy: TensorInfo;
  x: TensorInfo;
  gamma: TensorInfo;
  mean: TensorInfo;
  invStd: TensorInfo;
} {
  const { dy, x, gamma, mean, invStd } = inputs;
  if (dy === undefined || x === undefined || gamma === undefined || mean === undefined || invStd === undefined)
    throw new Error(`${BATCH_NORM_BACKWARD}: needs inputs dy, x, gamma, mean and invStd`);
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i]))
    throw new Error(`${BATCH_NORM_BACKWARD}: dy shape [${String(dy.shape)}] differs from x shape [${String(x.shape)}]`);
  return { dy, x, gamma, mean, invStd };
}

const backwardCpu: KernelFunc = ({ inputs, backend }) => {
  const cpu = asCpu(backend);
  const { dy, x, gamma, mean, invStd } = backwardInputs(inputs);
  const g = geometry(BATCH_NORM_BACKWARD, x, gamma);
  const dx = new Float32Array(x.shape.reduce((a, b) => a * b, 1));
  const dGamma = new Float32Array(g.C);
  const dBeta = new Float32Array(g.C);
  backward(
    ownSimd(),
    cpuFloat32(cpu, dy),
    cpuFloat32(cpu, x),
    g,
    cpuFloat32(cpu, gamma),
    cpuFloat32(cpu, mean),
    cpuFloat32(cpu, invStd),
    dx,
    dGamma,
    dBeta,
  );
  return [
    cpu.makeTensorInfo(x.shape.slice(), 'float32', dx),
    cpu.makeTensorInfo([g.C], 'float32', dGamma),
    cpu.makeTensorInfo([g.C], 'float32', dBeta),
  ];
};

const backwardWasm: KernelFunc = ({ inputs, backend }) => {
  const w = asWasm(backend);
  const { dy, x, gamma, mean, invStd } = backwardInputs(inputs);
  const g = geometry(BATCH_NORM_BACKWARD, x, gamma);
  wasmTouch(w, [dy, x, gamma, mean, invStd]);
  const dx = w.makeOutput(x.shape.slice(), 'float32');
  const dGamma = w.makeOutput([g.C], 'float32');
  const dBeta = w.makeOutput([g.C], 'float32');
  const [simd, release] = wasmSimd(w, g.C);
  // Views only after the last allocation.
  backward(
    simd(),
    wasmFloat32(w, dy),
    wasmFloat32(w, x),
    g,
    wasmFloat32(w, gamma),
    wasmFloat32(w, mean),
    wasmFloat32(w, invStd),
    w.typedArrayFromHeap(dx) as Float32Array,
    w.typedArrayFromHeap(dGamma) as Float32Array,
    w.typedArrayFromHeap(dBeta) as Float32Array,
  );
  release();
  return [dx, dGamma, dBeta];
};

/** The kernels for `cpu` and `wasm`. */
export const batchNormConfigs: readonly KernelConfig[] = [
  { kernelName: BATCH_NORM_FORWARD, backendName: 'cpu', kernelFunc: forwardCpu },
  { kernelName: BATCH_NORM_BACKWARD, backendName: 'cpu', kernelFunc: backwardCpu },
  { kernelName: BATCH_NORM_FORWARD, backendName: 'wasm', kernelFunc: forwardWasm },
  { kernelName: BATCH_NORM_BACKWARD, backendName: 'wasm', kernelFunc: backwardWasm },
];

/**
 * The gradient of {@link BATCH_NORM_FORWARD} (registered by `register`): one backward kernel call for x, γ and β from
 * the cotangent of y. The cotangents of the returned mean and variance are ignored (they feed running statistics).
 */
export const batchNormGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_FORWARD,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, false, true],
  gradFunc: (dy, saved) => {
    const dyY = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
    const [x, gamma, mean, invStd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_BACKWARD, { dy: dyY, x, gamma, mean, invStd }, {}) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, gamma: () => dGamma as tf.Tensor, beta: () => dBeta as tf.Tensor };
  },
};
