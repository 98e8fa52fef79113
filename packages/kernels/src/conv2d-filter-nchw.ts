/**
 * `SpikefnConv2dFilterGradNchw` for `wasm`: the filter gradient of a stride-1, dilation-1, one-group convolution
 * straight from NCHW x and NCHW dy,
 *
 *   dW[o, c, u, v] = Σ_n Σ_{i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]   (0 outside x)
 *
 * with x [N, C, H, W], dy [N, O, OH, OW], OH = H + 2·ph − kh + 1, OW = W + 2·pw − kw + 1 and dW [O, C, kh, kw].
 *
 * Why it exists: the spiking CNN's first conv (1 → 32, 3×3, padding 1, batch 256 on 28 × 28) took its filter
 * gradient as a one-hot Conv2D gathering patches [N·OH·OW, 9], a transpose of dy and a BatchMatMul: ~35–40 ms of a
 * training step on 2 threads for 115 MFLOP; the 32 → 32 conv's, XNNPACK's convolution with dy as the filter, ~60 ms.
 * Two forms, both in place on the tensors on the kernel threads:
 *   - event-driven where x is sparse ({@link takesSparse}, as `SpikefnConv2dNchw`; finite dy): work in proportion to
 *     x's nonzeros (./simd/conv-sparse.ts, assembly/conv-sparse.ts; float32 per part, double across parts). The
 *     32 → 32 conv's max-pooled spikes: ~38 → ~20 ms per step.
 *   - dense otherwise: the sum directly over f32x4 (./simd/conv-filter.ts, assembly/conv-filter.ts; float32 per image,
 *     double across images).
 *
 * Where tfjs's heap is not shared (tfjs's own `tf.setBackend('wasm')`) or the SIMD kernels are off it still answers,
 * with a plain JavaScript loop in double over the heap views; callers ask {@link filterGradNchwInPlace} first and
 * keep their own path there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, wasmFloat32, wasmSimdInPlace, wasmTouch } from './backend-access.js';
import { convFilterGradInPlace, filterGradScratchFloats } from './simd/conv-filter.js';
import { convFilterGradSparseInPlace, convFilterGradSparseScratchFloats, takesSparse } from './simd/conv-sparse.js';
import type { NchwConvGeometry } from './simd/nchw-conv.js';
import { isFast } from './stock.js';

/** The kernel's name. @category kernels */
export const CONV2D_FILTER_GRAD_NCHW = 'SpikefnConv2dFilterGradNchw';

/** Attributes of {@link CONV2D_FILTER_GRAD_NCHW}: the kernel's height and width, and the padding `[ph, pw]`. @category kernels */
export type Conv2dFilterGradNchwAttrs = {
  /** The kernel's height kh (≥ 1). */
  readonly kh: number;
  /** The kernel's width kw (≥ 1). */
  readonly kw: number;
  /** `[ph, pw]`: zeros on each side of x (≥ 0). */
  readonly padding: readonly [number, number];
};

const nonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The geometry from the inputs and attributes, or an error naming what does not fit. */
export function filterGradGeometry(
  x: TensorInfo | undefined,
  dy: TensorInfo | undefined,
  attrs: tf.NamedAttrMap | undefined,
): NchwConvGeometry {
  const name = CONV2D_FILTER_GRAD_NCHW;
  if (x === undefined || dy === undefined) throw new Error(`${name}: needs inputs x and dy`);
  if (x.shape.length !== 4 || dy.shape.length !== 4 || x.dtype !== 'float32' || dy.dtype !== 'float32')
    throw new Error(
      `${name}: x and dy must be float32 of rank 4, got x [${String(x.shape)}] ${x.dtype}, dy [${String(dy.shape)}] ${dy.dtype}`,
    );
  const kh = attrs?.['kh'];
  const kw = attrs?.['kw'];
  const padding = attrs?.['padding'] as unknown;
  const [ph, pw] = Array.isArray(padding) ? (padding as unknown[]) : [];
  if (!nonNegInt(kh) || !nonNegInt(kw) || kh < 1 || kw < 1 || !nonNegInt(ph) || !nonNegInt(pw))
    throw new Error(
      `${name}: attrs kh, kw must be positive integers and padding [ph, pw] non-negative integers, got ${JSON.stringify(attrs)}`,
    );
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [n, O, OH, OW] = dy.shape as [number, number, number, number];
  if (n !== N || OH !== H + 2 * ph - kh + 1 || OW !== W + 2 * pw - kw + 1 || OH < 1 || OW < 1)
    throw new Error(
      `${name}: dy must be [${N}, O, ${H + 2 * ph - kh + 1}, ${W + 2 * pw - kw + 1}] for x [${String(x.shape)}], kernel ${kh}×${kw}, padding [${ph}, ${pw}]; got [${String(dy.shape)}]`,
    );
  return { N, C, H, W, O, OH, OW, kh, kw, ph, pw };
}

/** The sum in double by plain loops over heap views (the path where the heap is not shared). */
function filterGradLoop(g: NchwConvGeometry, x: Float32Array, dy: Float32Array, dw: Float64Array): void {
  const { N, C, H, W, O, OH, OW, kh, kw, ph, pw } = g;
  dw.fill(0);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++)
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            let s = 0;
            for (let i = Math.max(0, ph - u); i < Math.min(OH, H + ph - u); i++) {
              const dr = ((n * O + o) * OH + i) * OW;
              const xr = ((n * C + c) * H + i + u - ph) * W + v - pw;
              for (let j = Math.max(0, pw - v); j < Math.min(OW, W + pw - v); j++) s += (dy[dr + j] as number) * (x[xr + j] as number);
            }
            const k = ((o * C + c) * kh + u) * kw + v;
            dw[k] = (dw[k] as number) + s;
          }
}

/** `dW` from NCHW x and dy (see the module comment). */
export const conv2dFilterGradNchwWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const { x, dy } = inputs;
  const g = filterGradGeometry(x, dy, attrs);
  wasmTouch(w, [x, dy]);
  const out = w.makeOutput([g.O, g.C, g.kh, g.kw], 'float32');
  const m = wasmSimdInPlace(w);
  const sparse =
    m !== null &&
    takesSparse(m, g, wasmFloat32(w, x as TensorInfo).byteOffset, wasmFloat32(w, dy as TensorInfo).byteOffset, g.N * g.O * g.OH * g.OW);
  const floats = m === null ? 0 : sparse ? convFilterGradSparseScratchFloats(g) : filterGradScratchFloats(g);
  const scratch = m === null ? null : w.makeOutput([floats], 'float32');
  const sums = new Float64Array(g.O * g.C * g.kh * g.kw);
  // Views only after the last allocation.
  const xv = wasmFloat32(w, x as TensorInfo);
  const dyv = wasmFloat32(w, dy as TensorInfo);
  if (m === null || scratch === null) filterGradLoop(g, xv, dyv, sums);
  else {
    const at = (w.typedArrayFromHeap(scratch) as Float32Array).byteOffset;
    if (sparse) convFilterGradSparseInPlace(m, g, xv.byteOffset, dyv.byteOffset, at, sums);
    else convFilterGradInPlace(m, g, xv.byteOffset, dyv.byteOffset, at, sums);
    w.disposeData(scratch.dataId, true);
  }
  (w.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
};

/**
 * Whether {@link CONV2D_FILTER_GRAD_NCHW} runs in place on SIMD threads on the current backend: wasm with spikefn's
 * kernel registered, tfjs's heap shared (`setBackend('wasm')` of `@spikefn/core` in Node) and the SIMD kernels on.
 * Where false, callers keep their own path (the kernel would run its slow JavaScript loop).
 *
 * @category kernels
 */
export function filterGradNchwInPlace(): boolean {
  if (tf.getBackend() !== 'wasm' || !isFast(tf.getKernel(CONV2D_FILTER_GRAD_NCHW, 'wasm'))) return false;
  return wasmSimdInPlace(asWasm(tf.backend() as never)) !== null;
}

/** The kernel configs of this file. */
export const conv2dFilterGradNchwConfigs: readonly KernelConfig[] = [
  { kernelName: CONV2D_FILTER_GRAD_NCHW, backendName: 'wasm', kernelFunc: conv2dFilterGradNchwWasm },
];
