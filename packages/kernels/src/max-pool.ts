/**
 * `MaxPool` for `wasm`: the pooling layer's one-channel 2×2 / stride 2 case in place on WebAssembly SIMD, every other
 * case on the stock kernel (tfjs-backend-wasm's XNNPACK pooling).
 *
 *   y[n, oh, ow, 0] = max(x[n, 2oh, 2ow, 0], x[n, 2oh, 2ow + 1, 0], x[n, 2oh + 1, 2ow, 0], x[n, 2oh + 1, 2ow + 1, 0])
 *
 * with the stock kernel's order of pseudo-maxima, so the two agree bit for bit on NaN, ±0 and ±∞ too
 * (assembly/pool.ts).
 *
 * Why it exists: the spiking CNN pools NCHW maps as `[N·C, H, W, 1]` (packages/layers' pool2d), and XNNPACK pools one
 * channel at a time per output pixel: `MaxPool [[8192, 28, 28, 1]]` took ~10–15 ms of a training step on 2 threads.
 * The SIMD kernel does four windows per f32x4 instruction, in parts of whole images on the kernel threads.
 *
 * It runs where tfjs's heap is a shared memory spikefn can reach (`setBackend('wasm')` of `@spikefn/core` in Node) and
 * the SIMD kernels are on; float32 input, one channel, 2×2 windows with stride 2 and no dilation, every window inside
 * the input (`isPlain2x2`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, wasmSimdInPlace, wasmTouch } from './backend-access.js';
import { roundingMode } from './conv-geometry.js';
import { isPlain2x2 } from './max-pool-grad.js';
import { maxPool2x2InPlace } from './simd/max-pool.js';
import { runStock, stockSetup } from './stock.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

/** The stock wasm MaxPool, for every case the SIMD kernel does not handle. */
const stockMaxPool = (args: Parameters<KernelFunc>[0]): ReturnType<KernelFunc> => runStock('MaxPool', 'wasm', args);

/** `MaxPool` on wasm (see the module comment). */
export const maxPoolWasm: KernelFunc = (args) => {
  const x = args.inputs['x'] as TensorInfo | undefined;
  if (x === undefined || x.dtype !== 'float32' || x.shape.length !== 4) return stockMaxPool(args);
  const a = args.attrs ?? {};
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    a['filterSize'] as number | [number, number],
    a['strides'] as number | [number, number],
    1,
    a['pad'] as Pad,
    roundingMode(a['dimRoundingMode']),
  );
  const w = asWasm(args.backend);
  const m = isPlain2x2(info) ? wasmSimdInPlace(w) : null;
  if (m === null) return stockMaxPool(args);
  wasmTouch(w, [x]);
  const y = w.makeOutput(info.outShape.slice(), 'float32');
  // Views only after the last allocation.
  const g = { N: info.batchSize, H: info.inHeight, W: info.inWidth };
  maxPool2x2InPlace(m, g, w.typedArrayFromHeap(x).byteOffset, w.typedArrayFromHeap(y).byteOffset);
  return y;
};

/** The kernel configs of this file; the stock kernel's setup runs too (its fallback needs it). */
export const maxPoolConfigs: readonly KernelConfig[] = [
  {
    kernelName: 'MaxPool',
    backendName: 'wasm',
    kernelFunc: maxPoolWasm,
    setupFunc: stockSetup('MaxPool', 'wasm'),
  },
];
