/**
 * `Conv2DBackpropFilter` for `cpu` and `wasm`: the gradient of a 2-D
 * convolution with respect to its filter,
 *
 *   dW[fh, fw, ci, co] = Σ_{n, oh, ow} x[n, oh·sH + fh·dH − padTop, ow·sW + fw·dW − padLeft, ci] · dy[n, oh, ow, co]
 *
 * i.e. one matrix product dW[K, outC] = patches[K, M] · dy[M, outC], with
 * K = fH·fW·inC and M = N·OH·OW output positions. Two ways to run it:
 * - im2col + matmul (cpu always; wasm fallback): output rows are taken in
 *   blocks, each block's patches are gathered into colsT[K, mb] by a JS loop
 *   (`im2colT`), and dW += colsT · dy[mb, outC] by the register-blocked JS loop
 *   of `matmul.ts` (cpu) or the backend's BatchMatMul (wasm, XNNPACK). The
 *   cpu backend's own BatchMatMul is ~5x slower than the JS loop here; the wasm
 *   one is fast only untransposed (~50 ms for [288, 50176]·[50176, 32], ~750 ms
 *   with transposeA), hence the transposed gather.
 * - as a convolution (wasm, ≥ 4 input channels): the same product is the
 *   backend's own Conv2D of x with batch and channels swapped, with dy as the
 *   filter (see `filterGradViaConvWasm`); XNNPACK gathers the patches itself.
 *
 * Why it exists (2-core Node 20 machine, batch B·T = 256, process CPU time,
 * min of 4 runs, measured while other jobs loaded the machine, so absolute
 * numbers are ~1.5–2x high; ratios are what count):
 * | shape                        | stock                  | spikefn |
 * |------------------------------|------------------------|---------|
 * | wasm, 3x3 1->32 on 28x28     | no kernel: training throws | 70 ms |
 * | wasm, 3x3 32->32 on 14x14    | no kernel: training throws | 113 ms |
 * | cpu, 3x3 1->32 on 28x28      | ~20 s (naive loop; extrapolated from batch 64) | 59 ms |
 * | cpu, 3x3 32->32 on 14x14     | ~128 s (77 s on an idle machine; from batch 16) | 0.40 s |
 * `tools/bench/suites/cnn-kernels.ts` measures these.
 *
 * Handles NHWC and NCHW, any strides, 'same' / 'valid' / numeric / explicit
 * padding, dimRoundingMode, and `dilations` when the caller passes them.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { asCpu, asWasm, callKernel, cpuFloat32, type KernelBackendArg, wasmFloat32 } from './backend-access.js';
import { blockOutputRows, convGeometry, dyRows, im2colT, toPlanes } from './conv-geometry.js';
import type { ConvGeometry } from './conv-geometry.js';
import { gemmAcc } from './matmul.js';
import { kernelTuning } from './tuning.js';

const EMPTY = new Float32Array(0);

function geometryFor(
  inputs: { x?: TensorInfo | undefined; dy?: TensorInfo | undefined },
  attrs: NamedAttrMap | undefined,
): {
  x: TensorInfo;
  dy: TensorInfo;
  g: ConvGeometry;
  filterShape: number[];
} {
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter: needs inputs x and dy');
  const a = attrs ?? {};
  const filterShape = a['filterShape'];
  if (!Array.isArray(filterShape)) throw new Error('Conv2DBackpropFilter: missing filterShape');
  const fs = filterShape as number[];
  const g = convGeometry(x.shape, fs, a);
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== g.outShape[i])) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${String(dy.shape)} does not match the conv output ${String(g.outShape)}`);
  }
  return { x, dy, g, filterShape: fs.slice() };
}

export const conv2DBackpropFilterCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = asCpu(backend);
  const { x, dy, g, filterShape } = geometryFor(inputs, attrs);
  const { K, outC, outW } = g;
  const planes = toPlanes(cpuFloat32(cpu, x), g);
  const dyv = cpuFloat32(cpu, dy);
  const acc = new Float64Array(K * outC);
  const rowsPerBlock = blockOutputRows(g, kernelTuning.cpuBlockElements);
  const colsT = new Float32Array(K * rowsPerBlock * outW);
  const scratch = g.channelsLast ? EMPTY : new Float32Array(rowsPerBlock * outW * outC);
  const R = g.batch * g.outH;
  for (let r0 = 0; r0 < R; r0 += rowsPerBlock) {
    const nRows = Math.min(rowsPerBlock, R - r0);
    const mb = nRows * outW;
    im2colT(planes, g, r0, nRows, colsT);
    const rows = dyRows(dyv, g, r0 * outW, mb, scratch);
    gemmAcc(K, outC, mb, colsT, 0, mb, rows, 0, outC, acc, 0, outC);
  }
  return cpu.makeTensorInfo(filterShape, 'float32', Float32Array.from(acc));
};

/**
 * wasm, first choice: the filter gradient *is* a convolution, of x (batch and
 * channel axes swapped: [inC, H, W, N]) with dy as the filter ([OH, OW, N, outC]),
 * with the conv's strides and dilations swapped:
 *
 *   dW[fh, fw, ci, co] = Σ_{oh, ow, n} x'[ci, fh·dH + oh·sH − padTop, fw·dW + ow·sW − padLeft, n] · dy'[oh, ow, n, co]
 *
 * Run as the backend's own Transpose and Conv2D (XNNPACK), it is the same
 * [inC·fH·fW, N·OH·OW] · [N·OH·OW, outC] product as im2col + matmul, but
 * XNNPACK gathers the patches through an indirection buffer instead of a JS
 * im2col copy (measured ~2x faster for 3x3 32->32 at batch 256).
 * Returns undefined when the conv cannot be sized to exactly fH x fW (input
 * rows or columns beyond the last window, e.g. 'valid' with stride 2 on an even
 * size, would need negative padding); the caller then uses im2col.
 */
function filterGradViaConvWasm(
  backend: KernelBackendArg,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
  filterShape: number[],
): TensorInfo | undefined {
  const { fH, fW, dilH, dilW, strideH, strideW, padTop, padLeft, outH, outW, inH, inW } = g;
  const padBottom = (fH - 1) * dilH + (outH - 1) * strideH + 1 - inH - padTop;
  const padRight = (fW - 1) * dilW + (outW - 1) * strideW + 1 - inW - padLeft;
  if (padBottom < 0 || padRight < 0 || g.M === 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  const w = asWasm(backend);
  const temps: TensorInfo[] = [];
  try {
    const xt = callKernel('Transpose', 'wasm', backend, { x }, { perm: g.channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] });
    temps.push(xt);
    const dyt = callKernel('Transpose', 'wasm', backend, { x: dy }, { perm: g.channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] });
    temps.push(dyt);
    const o = callKernel(
      'Conv2D',
      'wasm',
      backend,
      { x: xt, filter: dyt },
      {
        strides: [dilH, dilW],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [strideH, strideW],
      },
    );
    temps.push(o);
    if (o.shape.length !== 4 || o.shape[1] !== fH || o.shape[2] !== fW) {
      throw new Error(`Conv2DBackpropFilter: filter-gradient conv gave ${String(o.shape)}, expected [${g.inC}, ${fH}, ${fW}, ${g.outC}]`);
    }
    const out = callKernel('Transpose', 'wasm', backend, { x: o }, { perm: [1, 2, 0, 3] });
    return { dataId: out.dataId, shape: filterShape, dtype: 'float32' };
  } finally {
    for (const t of temps) w.disposeData(t.dataId);
  }
}

export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const { x, dy, g, filterShape } = geometryFor(inputs, attrs);
  if (g.inC >= kernelTuning.wasmFilterConvMinChannels) {
    const viaConv = filterGradViaConvWasm(backend, x, dy, g, filterShape);
    if (viaConv !== undefined) return viaConv;
  }
  const { K, outC, outW } = g;
  const acc = new Float64Array(K * outC);
  const R = g.batch * g.outH;
  const rowsPerBlock = blockOutputRows(g, kernelTuning.wasmBlockElements);
  // An NHWC x with several channels is copied to planes once (JS memory, stable);
  // otherwise x is read in place, through a heap view taken again for every block.
  const copied = g.xStrides[2] === 1 ? undefined : toPlanes(wasmFloat32(w, x), g);
  let cols: TensorInfo | undefined;
  try {
    for (let r0 = 0; r0 < R; r0 += rowsPerBlock) {
      const nRows = Math.min(rowsPerBlock, R - r0);
      const mb = nRows * outW;
      if (cols === undefined || cols.shape[1] !== mb) {
        if (cols !== undefined) w.disposeData(cols.dataId);
        cols = undefined;
        cols = w.makeOutput([K, mb], 'float32');
      }
      // The dy block is the matmul's "weights" operand: XNNPACK packs it and
      // caches the packing under the tensor's id, so every block needs a fresh
      // tensor (disposing it frees the packing).
      const rows = w.makeOutput([mb, outC], 'float32');
      try {
        // Views only after the allocations above (they may grow the heap).
        im2colT(copied ?? toPlanes(wasmFloat32(w, x), g), g, r0, nRows, w.typedArrayFromHeap(cols) as Float32Array);
        const rowsView = w.typedArrayFromHeap(rows) as Float32Array;
        const got = dyRows(wasmFloat32(w, dy), g, r0 * outW, mb, rowsView);
        if (got.buffer !== rowsView.buffer || got.byteOffset !== rowsView.byteOffset) rowsView.set(got);
        const prod = callKernel('BatchMatMul', 'wasm', backend, { a: cols, b: rows }, { transposeA: false, transposeB: false });
        const pv = w.typedArrayFromHeap(prod);
        for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + pv[i]!;
        w.disposeData(prod.dataId);
      } finally {
        w.disposeData(rows.dataId);
      }
    }
  } finally {
    if (cols !== undefined) w.disposeData(cols.dataId);
  }
  const out = w.makeOutput(filterShape, 'float32');
  (w.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
};

export const conv2DBackpropFilterConfigs: readonly KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: conv2DBackpropFilterCpu },
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm },
];
