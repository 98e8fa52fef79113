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
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { asCpu, asWasm, cpuFloat32, wasmFloat32 } from './backend-access.js';
import { roundingMode } from './conv-geometry.js';

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

/** dx must be zero on entry; x and dx are NHWC [N, H, W, C], dy is [N, OH, OW, C]. */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
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
