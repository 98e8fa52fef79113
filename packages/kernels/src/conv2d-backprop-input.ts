/**
 * `Conv2DBackpropInput` for `cpu` and `wasm`: the gradient of a 2-D
 * convolution with respect to its input (also what `conv2dTranspose` runs),
 *
 *   dx[n, ih, iw, ci] = Σ_{fh, fw, co : ih = oh·sH + fh·dH − padTop, iw = ow·sW + fw·dW − padLeft} dy[n, oh, ow, co] · W[fh, fw, ci, co]
 *
 * Two forms:
 * - flipped convolution (wasm, stride 1, NHWC): dx is the convolution of dy
 *   with W flipped in space and with its channel axes swapped, padded by
 *   (fH−1)·dH − padTop on top etc., run as the backend's own Conv2D (XNNPACK).
 * - col2im (cpu; wasm with strides > 1, NCHW, or pads wider than the filter):
 *   blocks of output positions, cols[mb, K] = dy[mb, outC] · Wᵀ[outC, K]
 *   (the JS loop of `matmul.ts` on cpu, the backend's BatchMatMul on wasm),
 *   scatter-added back into dx (`col2imRowsAdd`).
 *
 * Why it exists: both stock kernels are naive loops. Batch 256, 2-core Node 20
 * machine, process CPU time, min of 4 runs, measured while other jobs loaded
 * the machine (absolute numbers ~1.5–2x high):
 * | shape                        | stock   | spikefn |
 * |------------------------------|---------|---------|
 * | wasm, 3x3 1->32 on 28x28     | 62 ms   | 46 ms   |
 * | wasm, 3x3 32->32 on 14x14    | 449 ms  | 53 ms   |
 * | cpu, 3x3 1->32 on 28x28      | 179 ms  | 82 ms   |
 * | cpu, 3x3 32->32 on 14x14     | 1.14 s  | 0.41 s  |
 * `tools/bench/suites/cnn-kernels.ts` measures these.
 *
 * Handles NHWC and NCHW, any strides, 'same' / 'valid' / numeric / explicit
 * padding, dimRoundingMode, and `dilations` when the caller passes them.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { asCpu, asWasm, callKernel, cpuFloat32, type KernelBackendArg, wasmFloat32 } from './backend-access.js';
import { blockOutputRows, col2imRowsAdd, convGeometry, dyRows } from './conv-geometry.js';
import type { ConvGeometry } from './conv-geometry.js';
import { gemmAcc } from './matmul.js';
import { kernelTuning } from './tuning.js';

const EMPTY = new Float32Array(0);

function geometryFor(
  inputs: { dy?: TensorInfo | undefined; filter?: TensorInfo | undefined },
  attrs: NamedAttrMap | undefined,
): {
  dy: TensorInfo;
  filter: TensorInfo;
  g: ConvGeometry;
} {
  const { dy, filter } = inputs;
  if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput: needs inputs dy and filter');
  const a = attrs ?? {};
  const inputShape = a['inputShape'];
  if (!Array.isArray(inputShape)) throw new Error('Conv2DBackpropInput: missing inputShape');
  const g = convGeometry(inputShape as number[], filter.shape, a);
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== g.outShape[i])) {
    throw new Error(`Conv2DBackpropInput: dy shape ${String(dy.shape)} does not match the conv output ${String(g.outShape)}`);
  }
  return { dy, filter, g };
}

/** W[fH, fW, inC, outC] viewed as [K, outC], transposed into `out` [outC, K]. */
function transposeFilter(wv: Float32Array, K: number, outC: number, out: Float32Array): Float32Array {
  for (let k = 0; k < K; k++) {
    const src = k * outC;
    for (let c = 0; c < outC; c++) out[c * K + k] = wv[src + c]!;
  }
  return out;
}

export const conv2DBackpropInputCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = asCpu(backend);
  const { dy, filter, g } = geometryFor(inputs, attrs);
  const { K, outC, outW } = g;
  const dyv = cpuFloat32(cpu, dy);
  const wt = transposeFilter(cpuFloat32(cpu, filter), K, outC, new Float32Array(K * outC));
  const dx = new Float32Array(g.inShape[0] * g.inShape[1] * g.inShape[2] * g.inShape[3]);
  const R = g.batch * g.outH;
  const rowsPerBlock = blockOutputRows(g, kernelTuning.cpuBlockElements);
  const cols = new Float64Array(rowsPerBlock * outW * K);
  const scratch = g.channelsLast ? EMPTY : new Float32Array(rowsPerBlock * outW * outC);
  for (let r0 = 0; r0 < R; r0 += rowsPerBlock) {
    const nRows = Math.min(rowsPerBlock, R - r0);
    const mb = nRows * outW;
    cols.fill(0, 0, mb * K);
    const rows = dyRows(dyv, g, r0 * outW, mb, scratch);
    // cols[mb, K] = dy[mb, outC] · Wᵀ[outC, K]; Wᵀ (36 KiB for 32->32) stays in L1
    gemmAcc(mb, K, outC, rows, 0, outC, wt, 0, K, cols, 0, K);
    col2imRowsAdd(cols, g, r0, nRows, dx);
  }
  return cpu.makeTensorInfo(g.inShape.slice(), 'float32', dx);
};

/**
 * Padding of the flipped convolution, or undefined when it cannot reproduce the
 * input gradient: a side would need negative padding (explicit pads wider than
 * the filter), or tfjs's output size is not the geometric one (tfjs sizes a
 * numeric-padding conv with the filter height in both dimensions).
 */
function flippedPads(g: ConvGeometry): [number, number, number, number] | undefined {
  const spanH = (g.fH - 1) * g.dilH;
  const spanW = (g.fW - 1) * g.dilW;
  const [top, bottom, left, right] = [spanH - g.padTop, spanH - g.padBottom, spanW - g.padLeft, spanW - g.padRight];
  if (top < 0 || bottom < 0 || left < 0 || right < 0) return undefined;
  if (g.outH + top + bottom - spanH !== g.inH || g.outW + left + right - spanW !== g.inW) return undefined;
  return [top, bottom, left, right];
}

function flippedConvWasm(
  backend: KernelBackendArg,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
  pads: [number, number, number, number],
): TensorInfo {
  const w = asWasm(backend);
  const { fH, fW, inC, outC } = g;
  const flipped = w.makeOutput([fH, fW, outC, inC], 'float32');
  try {
    const src = wasmFloat32(w, filter);
    const dst = w.typedArrayFromHeap(flipped) as Float32Array;
    for (let fh = 0; fh < fH; fh++) {
      for (let fw = 0; fw < fW; fw++) {
        const from = ((fH - 1 - fh) * fW + (fW - 1 - fw)) * inC * outC;
        const to = (fh * fW + fw) * outC * inC;
        for (let ci = 0; ci < inC; ci++) {
          for (let co = 0; co < outC; co++) dst[to + co * inC + ci] = src[from + ci * outC + co]!;
        }
      }
    }
    const [top, bottom, left, right] = pads;
    const out = callKernel(
      'Conv2D',
      'wasm',
      backend,
      { x: dy, filter: flipped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [g.dilH, g.dilW],
      },
    );
    if (out.shape.some((d, i) => d !== g.inShape[i])) {
      w.disposeData(out.dataId);
      throw new Error(`Conv2DBackpropInput: flipped conv gave ${String(out.shape)}, expected ${String(g.inShape)}`);
    }
    return out;
  } finally {
    w.disposeData(flipped.dataId);
  }
}

export const conv2DBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const { dy, filter, g } = geometryFor(inputs, attrs);
  const pads = flippedPads(g);
  if (
    g.M > 0 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.channelsLast &&
    g.inC >= kernelTuning.flippedConvMinChannels &&
    pads !== undefined &&
    dy.dtype === 'float32'
  ) {
    return flippedConvWasm(backend, dy, filter, g, pads);
  }
  const { K, outC, outW } = g;
  const R = g.batch * g.outH;
  const rowsPerBlock = blockOutputRows(g, kernelTuning.wasmBlockElements);
  const dx = w.makeOutput(g.inShape.slice(), 'float32');
  // Wᵀ is the matmul's "weights" operand, which XNNPACK packs once and caches
  // under this tensor's id until it is disposed at the end of this call.
  const wt = w.makeOutput([outC, K], 'float32');
  try {
    (w.typedArrayFromHeap(dx) as Float32Array).fill(0);
    transposeFilter(wasmFloat32(w, filter), K, outC, w.typedArrayFromHeap(wt) as Float32Array);
    for (let r0 = 0; r0 < R; r0 += rowsPerBlock) {
      const nRows = Math.min(rowsPerBlock, R - r0);
      const mb = nRows * outW;
      const rows = w.makeOutput([mb, outC], 'float32');
      try {
        const rowsView = w.typedArrayFromHeap(rows) as Float32Array;
        const got = dyRows(wasmFloat32(w, dy), g, r0 * outW, mb, rowsView);
        if (got.buffer !== rowsView.buffer || got.byteOffset !== rowsView.byteOffset) rowsView.set(got);
        const cols = callKernel('BatchMatMul', 'wasm', backend, { a: rows, b: wt }, { transposeA: false, transposeB: false });
        col2imRowsAdd(w.typedArrayFromHeap(cols) as Float32Array, g, r0, nRows, w.typedArrayFromHeap(dx) as Float32Array);
        w.disposeData(cols.dataId);
      } finally {
        w.disposeData(rows.dataId);
      }
    }
  } catch (e) {
    w.disposeData(dx.dataId);
    throw e;
  } finally {
    w.disposeData(wt.dataId);
  }
  return dx;
};

export const conv2DBackpropInputConfigs: readonly KernelConfig[] = [
  { kernelName: 'Conv2DBackpropInput', backendName: 'cpu', kernelFunc: conv2DBackpropInputCpu },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm },
];
