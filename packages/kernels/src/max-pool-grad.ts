/**
 * `MaxPoolGrad` for `cpu` and `wasm`: routes each output gradient dy[n, oh, ow, c]
 * to the input element that won its pooling window,
 *
 *   dx[argmax of window(n, oh, ow, c)] += dy[n, oh, ow, c]
 *
 * with the tie rule of tfjs's cpu kernel (and TensorFlow's): the winner is the
 * first strictly greatest element in row-major window order (NaN never wins;
 * an all-NaN / all −∞ window routes nothing). Spike maps are 0/1, so ties are
 * the common case and the rule matters.
 *
 * Why it exists:
 * - speed: both stock kernels revisit every window from every input element.
 *   [256, 28, 28, 32], 2x2 stride 2 (the spiking CNN's pool at T=8 × B=32),
 *   2-core Node 20, process CPU time, min of 4, machine under other load:
 *   wasm 196 ms stock → 74 ms; cpu 3.3 s stock → 87 ms. One pass over the
 *   windows, the window's taps kept in registers per channel.
 * - correctness on wasm: tfjs-backend-wasm 4.22's MaxPoolGrad disagrees with
 *   its cpu kernel (observed, 2x2 windows): a window whose values are all ≤ 0
 *   sends its gradient to its first element whatever the maximum is
 *   ([-2, -1, -3, -4] and [-1, 0, -2, -3] → position 0, not 1), and a 0/1
 *   spike window with several 1s sends it to its last 1 (cpu: the first).
 *   Here wasm gives what cpu gives.
 * - on wasm with a shared heap (`setBackend('wasm')` of `@spikefn/core` in Node) the {@link isPlain2x2} case runs in
 *   place on WebAssembly SIMD, four windows per instruction, on the kernel threads (assembly/pool.ts, the same rule
 *   bit for bit).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { asCpu, asWasm, cpuFloat32, wasmFloat32, wasmSimdInPlace, wasmTouch } from './backend-access.js';
import { roundingMode } from './conv-geometry.js';
import { maxPoolGrad2x2InPlace } from './simd/max-pool.js';
import { kernelTuning } from './tuning.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function poolInfo(input: TensorInfo, attrs: NamedAttrMap | undefined): tf.backend_util.Conv2DInfo {
  const a = attrs ?? {};
  const shape = input.shape;
  if (shape.length !== 4) throw new Error(`MaxPoolGrad: input must be rank 4, got ${String(shape)}`);
  const filterSize = a['filterSize'] as number | [number, number];
  const strides = a['strides'] as number | [number, number];
  return tf.backend_util.computePool2DInfo(
    [shape[0]!, shape[1]!, shape[2]!, shape[3]!],
    filterSize,
    strides,
    1,
    a['pad'] as Pad,
    roundingMode(a['dimRoundingMode']),
  );
}

/**
 * Whether {@link maxPoolGrad2x2Into} applies: one channel (the pooling layer's `[N·C, H, W, 1]` layout), 2×2 windows
 * with stride 2 and no dilation, every window inside the input (no padding used).
 */
export function isPlain2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.inChannels === 1 &&
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth
  );
}

/**
 * The {@link isPlain2x2} case with the window unrolled (the same tie rule: the first strictly greatest of the four
 * taps in row-major order wins, NaN never). The windows do not overlap, so the winner's dx is written, not added to.
 * dx must be zero on entry. `kernelTuning.maxPoolGrad2x2 = false` turns it off.
 */
export function maxPoolGrad2x2Into(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const H = info.inHeight;
  const W = info.inWidth;
  const OH = info.outHeight;
  const OW = info.outWidth;
  let o = 0;
  for (let n = 0; n < info.batchSize; n++) {
    const xn = n * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let i0 = xn + 2 * oh * W;
      for (let ow = 0; ow < OW; ow++, o++, i0 += 2) {
        const i2 = i0 + W;
        let best = -Infinity;
        let where = -1;
        const a = x[i0]!;
        if (a > best) {
          best = a;
          where = i0;
        }
        const b = x[i0 + 1]!;
        if (b > best) {
          best = b;
          where = i0 + 1;
        }
        const c = x[i2]!;
        if (c > best) {
          best = c;
          where = i2;
        }
        if (x[i2 + 1]! > best) where = i2 + 1;
        if (where >= 0) dx[where] = 0 + dy[o]!; // 0 + dy: what the general loop's add gives (−0 → 0)
      }
    }
  }
}

/** dx must be zero on entry; x and dx are NHWC [N, H, W, C], dy is [N, OH, OW, C]. */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  if (kernelTuning.maxPoolGrad2x2 && isPlain2x2(info)) maxPoolGrad2x2Into(x, dy, dx, info);
  else maxPoolGradGeneralInto(x, dy, dx, info);
}

/** The general loop (any window, stride, dilation, padding, channels); the reference of {@link maxPoolGrad2x2Into}. */
export function maxPoolGradGeneralInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const C = info.inChannels;
  const H = info.inHeight;
  const W = info.inWidth;
  const OH = info.outHeight;
  const OW = info.outWidth;
  const sH = info.strideHeight;
  const sW = info.strideWidth;
  const dH = info.dilationHeight;
  const dW = info.dilationWidth;
  const effH = info.effectiveFilterHeight;
  const effW = info.effectiveFilterWidth;
  // offsets of the current window's pixels, in row-major window order
  const taps = new Int32Array(info.filterHeight * info.filterWidth);
  let o = 0;
  for (let n = 0; n < info.batchSize; n++) {
    const xn = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sH - info.padInfo.top;
      let rMin = r0;
      while (rMin < 0) rMin += dH;
      const rMax = Math.min(H, r0 + effH);
      for (let ow = 0; ow < OW; ow++, o += C) {
        const c0 = ow * sW - info.padInfo.left;
        let cMin = c0;
        while (cMin < 0) cMin += dW;
        const cMax = Math.min(W, c0 + effW);
        let count = 0;
        for (let r = rMin; r < rMax; r += dH) {
          for (let c = cMin; c < cMax; c += dW) taps[count++] = xn + (r * W + c) * C;
        }
        for (let ch = 0; ch < C; ch++) {
          let best = -Infinity;
          let where = -1;
          for (let t = 0; t < count; t++) {
            const i = taps[t]! + ch;
            const v = x[i]!;
            if (v > best) {
              best = v;
              where = i;
            }
          }
          if (where >= 0) dx[where] = dx[where]! + dy[o + ch]!;
        }
      }
    }
  }
}

function inputsOf(inputs: { dy?: TensorInfo | undefined; input?: TensorInfo | undefined }): { dy: TensorInfo; input: TensorInfo } {
  const { dy, input } = inputs;
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad: needs inputs dy and input');
  return { dy, input };
}

function checkDy(dy: TensorInfo, info: tf.backend_util.Conv2DInfo): void {
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== info.outShape[i])) {
    throw new Error(`MaxPoolGrad: dy shape ${String(dy.shape)} does not match the pool output ${String(info.outShape)}`);
  }
}

export const maxPoolGradCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = asCpu(backend);
  const { dy, input } = inputsOf(inputs);
  const info = poolInfo(input, attrs);
  checkDy(dy, info);
  const dx = new Float32Array(input.shape.reduce((a, b) => a * b, 1));
  maxPoolGradInto(cpuFloat32(cpu, input), cpuFloat32(cpu, dy), dx, info);
  return cpu.makeTensorInfo(input.shape.slice(), 'float32', dx);
};

export const maxPoolGradWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const { dy, input } = inputsOf(inputs);
  const info = poolInfo(input, attrs);
  checkDy(dy, info);
  const simd =
    kernelTuning.maxPoolGrad2x2 && isPlain2x2(info) && input.dtype === 'float32' && dy.dtype === 'float32' ? wasmSimdInPlace(w) : null;
  if (simd !== null) {
    // in place on the heap (src/simd/max-pool.ts): every element of dx is written
    wasmTouch(w, [input, dy]);
    const dx = w.makeOutput(input.shape.slice(), 'float32');
    // Views only after the last allocation.
    const at = (t: TensorInfo): number => w.typedArrayFromHeap(t).byteOffset;
    maxPoolGrad2x2InPlace(simd, { N: info.batchSize, H: info.inHeight, W: info.inWidth }, at(input), at(dy), at(dx));
    return dx;
  }
  const dx = w.makeOutput(input.shape.slice(), 'float32');
  const dxv = w.typedArrayFromHeap(dx) as Float32Array;
  dxv.fill(0);
  maxPoolGradInto(wasmFloat32(w, input), wasmFloat32(w, dy), dxv, info);
  return dx;
};

export const maxPoolGradConfigs: readonly KernelConfig[] = [
  { kernelName: 'MaxPoolGrad', backendName: 'cpu', kernelFunc: maxPoolGradCpu },
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradWasm },
];
