/**
 * `SpikefnConv2dNchw` for `wasm`: a stride-1, dilation-1, one-group convolution straight from NCHW x into NCHW y,
 *
 *   y[n, o, i, j] = Σ_{c,u,v} W[o, c, u, v] · x[n, c, i + u − ph, j + v − pw]   (0 outside x)
 *
 * with x [N, C, H, W], W [O, C, kh, kw], y [N, O, OH, OW], OH = H + 2·ph − kh + 1, OW = W + 2·pw − kw + 1.
 *
 * Three forms, picked per call from the shapes and x:
 *   - event-driven, where x is sparse ({@link takesSparse}: at most `kernelTuning.sparseConvMaxDensity` of x nonzero,
 *     patches C·kh·kw and output channels both more than 16, finite weights): work in proportion to x's nonzeros (./simd/conv-sparse.ts,
 *     assembly/conv-sparse.ts). The spiking CNN's 32 → 32 conv sees max-pooled spikes, ~18 % nonzero: ~25–30 → ~15 ms
 *     of a training step on 2 threads, where XNNPACK's dense Conv2D plus the two layout transposes took the former.
 *     Each tap's channels are summed in order and the taps added in the order (u, v).
 *   - dense in place, for patches C·kh·kw up to {@link SMALL_PATCH} (the input layer 1 → 32, where XNNPACK's
 *     Conv2D is a poor fit: ~19 → ~9–12 ms per step with the transpose of its 6.4 M outputs): the sum directly over
 *     f32x4 on the tensors in place on the kernel threads (./simd/conv-forward.ts, assembly/conv-forward.ts; float32 sums
 *     over the taps in the order (c, u, v)).
 *   - otherwise tfjs's NHWC Conv2D (XNNPACK) between layout transposes, run inside the kernel.
 *
 * Its gradient (registered with the kernel set 'overrides', per input, so a layer whose x is data never computes
 * ∂L/∂x): ∂L/∂W by {@link CONV2D_FILTER_GRAD_NCHW} from NCHW x and dy; ∂L/∂x by tfjs's `conv2dTranspose` (its
 * `Conv2DBackpropInput`) of the NHWC dy with the filter [kh, kw, C, O] and the explicit padding, back to NCHW.
 *
 * Where tfjs's heap is not shared (tfjs's own `tf.setBackend('wasm')`) or the SIMD kernels are off it still answers,
 * with a plain JavaScript loop over the heap views; callers ask {@link conv2dNchwInPlace} first and keep their own
 * path there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, type WasmBackendLike, wasmFloat32, wasmSimdInPlace, wasmTouch } from './backend-access.js';
import { CONV2D_FILTER_GRAD_NCHW } from './conv2d-filter-nchw.js';
import { convForwardInPlace, convForwardScratchFloats } from './simd/conv-forward.js';
import { convForwardSparseInPlace, convForwardSparseScratchFloats, takesSparse } from './simd/conv-sparse.js';
import { type NchwConvGeometry, SMALL_PATCH } from './simd/nchw-conv.js';
import { isFast, runStock } from './stock.js';

/** The kernel's name. @category kernels */
export const CONV2D_NCHW = 'SpikefnConv2dNchw';

/**
 * Attributes of {@link CONV2D_NCHW}: the padding `[ph, pw]` (the kernel's height and width come from the weights'
 * shape). Inputs: `x` [N, C, H, W] and `weight` [O, C, kh, kw], float32. @category kernels
 */
export type Conv2dNchwAttrs = {
  /** `[ph, pw]`: zeros on each side of x (≥ 0). */
  readonly padding: readonly [number, number];
};

const nonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The geometry from the inputs and attributes, or an error naming what does not fit. */
export function conv2dNchwGeometry(
  x: TensorInfo | undefined,
  weight: TensorInfo | undefined,
  attrs: tf.NamedAttrMap | undefined,
): NchwConvGeometry {
  const name = CONV2D_NCHW;
  if (x === undefined || weight === undefined) throw new Error(`${name}: needs inputs x and weight`);
  if (x.shape.length !== 4 || weight.shape.length !== 4 || x.dtype !== 'float32' || weight.dtype !== 'float32')
    throw new Error(
      `${name}: x and weight must be float32 of rank 4, got x [${String(x.shape)}] ${x.dtype}, weight [${String(weight.shape)}] ${weight.dtype}`,
    );
  const padding = attrs?.['padding'] as unknown;
  const [ph, pw] = Array.isArray(padding) && padding.length === 2 ? (padding as unknown[]) : [];
  if (!nonNegInt(ph) || !nonNegInt(pw))
    throw new Error(`${name}: attrs padding [ph, pw] must be non-negative integers, got ${JSON.stringify(attrs)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, c, kh, kw] = weight.shape as [number, number, number, number];
  const OH = H + 2 * ph - kh + 1;
  const OW = W + 2 * pw - kw + 1;
  if (c !== C || kh < 1 || kw < 1 || O < 1)
    throw new Error(
      `${name}: weight must be [O, ${C}, kh, kw] with O, kh, kw ≥ 1 for x [${String(x.shape)}]; got [${String(weight.shape)}]`,
    );
  if (OH < 1 || OW < 1)
    throw new Error(`${name}: the kernel ${kh}×${kw} does not fit x [${String(x.shape)}] with padding [${ph}, ${pw}] (output ${OH}×${OW})`);
  return { N, C, H, W, O, OH, OW, kh, kw, ph, pw };
}

/** The sum by plain loops over heap views (float32, taps in the order (c, u, v); the path where the heap is not shared). */
function forwardLoop(g: NchwConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array): void {
  const { N, C, H, W, O, OH, OW, kh, kw, ph, pw } = g;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = 0;
          for (let c = 0; c < C; c++)
            for (let u = 0; u < kh; u++) {
              const a = i + u - ph;
              if (a < 0 || a >= H) continue;
              for (let v = 0; v < kw; v++) {
                const b = j + v - pw;
                if (b < 0 || b >= W) continue;
                s = Math.fround(
                  s + Math.fround((w[((o * C + c) * kh + u) * kw + v] as number) * (x[((n * C + c) * H + a) * W + b] as number)),
                );
              }
            }
          y[((n * O + o) * OH + i) * OW + j] = s;
        }
}

/** y by tfjs's NHWC Conv2D (XNNPACK) between layout transposes: the dense path for larger patches. */
function forwardNhwc(backend: WasmBackendLike, x: TensorInfo, weight: TensorInfo, g: NchwConvGeometry): TensorInfo {
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (transposeKernel === undefined) throw new Error(`${CONV2D_NCHW}: no wasm Transpose kernel registered`);
  const transpose = (t: TensorInfo, perm: number[]): TensorInfo =>
    transposeKernel.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as TensorInfo;
  const xh = transpose(x, [0, 2, 3, 1]);
  const filter = transpose(weight, [2, 3, 1, 0]);
  const pad = [
    [0, 0],
    [g.ph, g.ph],
    [g.pw, g.pw],
    [0, 0],
  ];
  const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
  const yh = runStock('Conv2D', 'wasm', { inputs: { x: xh, filter }, backend, attrs }) as TensorInfo;
  const y = transpose(yh, [0, 3, 1, 2]);
  for (const t of [xh, filter, yh]) backend.disposeData(t.dataId, true);
  return y;
}

/**
 * y from NCHW x and W [O, C, kh, kw] (see the module comment): the event-driven form where x is sparse
 * ({@link takesSparse}), else the dense in-place kernel for patches C·kh·kw up to {@link SMALL_PATCH} and tfjs's
 * NHWC Conv2D for larger ones.
 */
export const conv2dNchwWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const { x, weight } = inputs;
  const g = conv2dNchwGeometry(x, weight, attrs);
  wasmTouch(w, [x, weight]);
  const m = wasmSimdInPlace(w);
  const xAt = wasmFloat32(w, x as TensorInfo).byteOffset;
  const sparse = m !== null && takesSparse(m, g, xAt, wasmFloat32(w, weight as TensorInfo).byteOffset, g.O * g.C * g.kh * g.kw);
  if (m !== null && !sparse && g.C * g.kh * g.kw > SMALL_PATCH) return forwardNhwc(w, x as TensorInfo, weight as TensorInfo, g);
  const out = w.makeOutput([g.N, g.O, g.OH, g.OW], 'float32');
  const floats = m === null ? 0 : sparse ? convForwardSparseScratchFloats(g) : convForwardScratchFloats(g);
  const scratch = m === null ? null : w.makeOutput([floats], 'float32');
  // Views only after the last allocation.
  const xv = wasmFloat32(w, x as TensorInfo);
  const wv = wasmFloat32(w, weight as TensorInfo);
  const yv = w.typedArrayFromHeap(out) as Float32Array;
  if (m === null || scratch === null) forwardLoop(g, xv, wv, yv);
  else {
    const at = (w.typedArrayFromHeap(scratch) as Float32Array).byteOffset;
    if (sparse) convForwardSparseInPlace(m, g, xv.byteOffset, wv, yv.byteOffset, at);
    else convForwardInPlace(m, g, xv.byteOffset, wv.byteOffset, yv.byteOffset, at);
    w.disposeData(scratch.dataId, true);
  }
  return out;
};

/**
 * Whether {@link CONV2D_NCHW} and its gradient run in place on SIMD threads on the current backend: wasm with
 * spikefn's {@link CONV2D_NCHW} and {@link CONV2D_FILTER_GRAD_NCHW} registered, tfjs's heap shared (`setBackend('wasm')`
 * of `@spikefn/core` in Node) and the SIMD kernels on. Where false, callers keep their own path (the kernel would run
 * its slow JavaScript loop).
 *
 * @category kernels
 */
export function conv2dNchwInPlace(): boolean {
  if (
    tf.getBackend() !== 'wasm' ||
    !isFast(tf.getKernel(CONV2D_NCHW, 'wasm')) ||
    !isFast(tf.getKernel(CONV2D_FILTER_GRAD_NCHW, 'wasm')) ||
    tf.getGradient(CONV2D_NCHW) === undefined
  )
    return false;
  return wasmSimdInPlace(asWasm(tf.backend() as never)) !== null;
}

/**
 * The gradient of {@link CONV2D_NCHW} (registered by `register`), each input's on demand:
 *
 *   ∂L/∂W[o, c, u, v] = Σ_{n,i,j} dy[n, o, i, j] · x[n, c, i + u − ph, j + v − pw]   ({@link CONV2D_FILTER_GRAD_NCHW})
 *   ∂L/∂x[n, c, a, b] = Σ_{o,u,v} W[o, c, u, v] · dy[n, o, a + ph − u, b + pw − v]  (tfjs's `conv2dTranspose`, NHWC)
 */
export const conv2dNchwGradConfig: GradConfig = {
  kernelName: CONV2D_NCHW,
  inputsToSave: ['x', 'weight'],
  gradFunc: (dy, saved, attrs) => {
    const dyY = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor4D;
    const [x, weight] = saved as [tf.Tensor4D, tf.Tensor4D];
    const [ph, pw] = (attrs as unknown as Conv2dNchwAttrs).padding;
    const [N, C, H, W] = x.shape;
    const [, , kh, kw] = weight.shape;
    return {
      x: () => {
        const filter = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, C, O]
        const pad: tf.backend_util.ExplicitPadding = [
          [0, 0],
          [ph, ph],
          [pw, pw],
          [0, 0],
        ];
        const dxh = tf.conv2dTranspose(tf.transpose(dyY, [0, 2, 3, 1]) as tf.Tensor4D, filter, [N, H, W, C], 1, pad);
        return tf.transpose(dxh, [0, 3, 1, 2]);
      },
      weight: () =>
        tf
          .engine()
          .runKernel(CONV2D_FILTER_GRAD_NCHW, { x, dy: dyY }, { kh, kw, padding: [ph, pw] } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  },
};

/** The kernel configs of this file. */
export const conv2dNchwConfigs: readonly KernelConfig[] = [{ kernelName: CONV2D_NCHW, backendName: 'wasm', kernelFunc: conv2dNchwWasm }];
