/**
 * Geometry of a 2-D convolution as the fast conv-gradient kernels need it,
 * plus the data-movement loops they are built from:
 *
 * - `im2colT` gathers, for a block of output rows r = (n, oh), the input patch
 *   of every output position m = (n, oh, ow) into the columns of a [K, mb]
 *   matrix (K = filterHeight · filterWidth · inChannels, k = (fh, fw, ci)), so
 *   that the filter gradient of the block is one matrix product
 *   `dW[K, outC] += colsT[K, mb] · dy[mb, outC]`. It reads the input as planes
 *   (`toPlanes`), so each row of colsT is a run of contiguous copies.
 * - `col2imRowsAdd` is the adjoint for a row-major [mb, K] matrix: it
 *   scatter-adds `cols = dy[mb, outC] · Wᵀ[outC, K]` back into the input image,
 *   which is the input gradient.
 *
 * Attributes arrive the way tfjs-core's conv ops pass them to
 * `Conv2DBackpropFilter` / `Conv2DBackpropInput`: `{strides, pad, dataFormat,
 * dimRoundingMode, filterShape | inputShape}`. tfjs never sends `dilations` to
 * these kernels (its Conv2D gradient refuses dilation > 1), but when a caller
 * passes `dilations` through `runKernel`, it is honoured here. The geometry is
 * tfjs's own (`computeConv2DInfo`), quirks included, so results match its
 * kernels: e.g. a numeric pad sizes both output dimensions with the filter height.
 *
 * Both NHWC (what tfjs uses) and NCHW are handled through element strides.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

export interface ConvGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly fH: number;
  readonly fW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilH: number;
  readonly dilW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly padBottom: number;
  readonly padRight: number;
  readonly channelsLast: boolean;
  /** Shape of the (forward) input x, in its data format. */
  readonly inShape: Shape4;
  /** Shape of dy (the forward output), in its data format. */
  readonly outShape: Shape4;
  /** Element strides of x / dx: batch, row, column, channel. */
  readonly xStrides: Shape4;
  /** Element strides of dy: batch, row, column, channel. */
  readonly yStrides: Shape4;
  /** K = fH * fW * inC: rows of the patch matrix. */
  readonly K: number;
  /** M = batch * outH * outW: output positions. */
  readonly M: number;
}

/** The dimRoundingMode attribute, if it is one of tfjs's three modes. */
export function roundingMode(v: unknown): 'floor' | 'round' | 'ceil' | undefined {
  return v === 'floor' || v === 'round' || v === 'ceil' ? v : undefined;
}

function pair(v: unknown, name: string): number | [number, number] {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
    return [v[0], v[1]];
  }
  if (v === undefined && name === 'dilations') return 1;
  throw new Error(`spikefn conv kernels: bad ${name} attribute ${String(v)}`);
}

function toShape4(v: unknown, name: string): Shape4 {
  if (Array.isArray(v) && v.length === 4 && v.every((d) => typeof d === 'number')) {
    return [v[0] as number, v[1] as number, v[2] as number, v[3] as number];
  }
  throw new Error(`spikefn conv kernels: ${name} must have 4 dimensions, got ${String(v)}`);
}

function layoutStrides(shape: Shape4, channelsLast: boolean): Shape4 {
  const [, d1, d2, d3] = shape;
  // channelsLast: [N, H, W, C]; channelsFirst: [N, C, H, W]
  return channelsLast ? [d1 * d2 * d3, d2 * d3, d3, 1] : [d1 * d2 * d3, d3, 1, d2 * d3];
}

/** Geometry from the forward input shape, filter shape and the kernel's attrs. */
export function convGeometry(xShape: readonly number[], filterShape: readonly number[], attrs: NamedAttrMap): ConvGeometry {
  const dataFormat = attrs['dataFormat'] === 'NCHW' ? 'NCHW' : 'NHWC';
  const info = tf.backend_util.computeConv2DInfo(
    toShape4(xShape, 'input shape'),
    toShape4(filterShape, 'filter shape'),
    pair(attrs['strides'], 'strides'),
    pair(attrs['dilations'], 'dilations'),
    attrs['pad'] as Pad,
    roundingMode(attrs['dimRoundingMode']),
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  const channelsLast = info.dataFormat === 'channelsLast';
  const inShape = info.inShape;
  const outShape = info.outShape;
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    fH: info.filterHeight,
    fW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilH: info.dilationHeight,
    dilW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
    channelsLast,
    inShape,
    outShape,
    xStrides: layoutStrides(inShape, channelsLast),
    yStrides: layoutStrides(outShape, channelsLast),
    K: info.filterHeight * info.filterWidth * info.inChannels,
    M: info.batchSize * info.outHeight * info.outWidth,
  };
}

/** Output rows (n, oh) per block so that a block of the patch matrix holds about `budget` elements. */
export function blockOutputRows(g: ConvGeometry, budget: number): number {
  const rows = g.batch * g.outH;
  return Math.max(1, Math.min(rows, Math.floor(budget / Math.max(1, g.K * g.outW))));
}

/**
 * An image stored as planes: element (n, c, h, w) at n·sN + c·sC + h·sH + w.
 * A row of the transposed patch matrix is then a run of contiguous copies
 * from one plane, where gathering NHWC pixels straight into that layout
 * writes each of a pixel's channels to a different row (288 rows, 288 pages,
 * per output position for 3x3x32).
 */
export interface Planes {
  readonly data: Float32Array;
  readonly sN: number;
  readonly sC: number;
  readonly sH: number;
}

/** `x` itself when its columns are contiguous (NCHW, or NHWC with one channel), else a planar copy [C, N, H, W]. */
export function toPlanes(x: Float32Array, g: ConvGeometry): Planes {
  const [sN, sH, sW, sC] = g.xStrides;
  if (sW === 1) return { data: x, sN, sC, sH };
  const { batch, inH, inW, inC } = g;
  const plane = batch * inH * inW;
  const out = new Float32Array(inC * plane);
  // NHWC -> [C, N·H·W]
  for (let p = 0, src = 0; p < plane; p++, src += inC) {
    for (let c = 0, dst = p; c < inC; c++, dst += plane) out[dst] = x[src + c]!;
  }
  return { data: out, sN: inH * inW, sC: plane, sH: inW };
}

/** For each filter column fw, the output columns [lo, hi) whose tap lands inside the image. */
function validColumns(g: ConvGeometry): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(g.fW);
  const hi = new Int32Array(g.fW);
  for (let fw = 0; fw < g.fW; fw++) {
    const shift = g.padLeft - fw * g.dilW; // iw = ow·sW − shift
    const a = Math.max(0, Math.ceil(shift / g.strideW));
    const b = Math.min(g.outW, Math.floor((g.inW - 1 + shift) / g.strideW) + 1);
    lo[fw] = Math.min(a, g.outW);
    hi[fw] = Math.max(b, lo[fw]!);
  }
  return { lo, hi };
}

/**
 * Fills `colsT` ([K, mb] row-major, mb = nRows·outW) with the input patches of
 * output rows r0 .. r0 + nRows − 1 (r = n·outH + oh; output position
 * m = r·outW + ow). Row k = (fh, fw, ci) of colsT is a strided run of plane ci.
 * Taps in the padding are zeros.
 */
export function im2colT(x: Planes, g: ConvGeometry, r0: number, nRows: number, colsT: Float32Array): void {
  const { inH, outH, outW, fH, fW, inC, strideH, strideW, dilH, padTop } = g;
  const { data, sN, sC, sH } = x;
  const { lo, hi } = validColumns(g);
  const mb = nRows * outW;
  let k = 0;
  for (let fh = 0; fh < fH; fh++) {
    for (let fw = 0; fw < fW; fw++) {
      const owLo = lo[fw]!;
      const owHi = hi[fw]!;
      const iw0 = owLo * strideW - g.padLeft + fw * g.dilW;
      for (let c = 0; c < inC; c++, k++) {
        let dst = k * mb;
        let n = Math.floor(r0 / outH);
        let oh = r0 - n * outH;
        for (let r = 0; r < nRows; r++, dst += outW) {
          const ih = oh * strideH - padTop + fh * dilH;
          if (ih < 0 || ih >= inH) {
            colsT.fill(0, dst, dst + outW);
          } else {
            for (let ow = 0; ow < owLo; ow++) colsT[dst + ow] = 0;
            let src = n * sN + c * sC + ih * sH + iw0;
            for (let ow = owLo; ow < owHi; ow++, src += strideW) colsT[dst + ow] = data[src]!;
            for (let ow = owHi; ow < outW; ow++) colsT[dst + ow] = 0;
          }
          if (++oh === outH) {
            oh = 0;
            n++;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of im2col for a row-major [mb, K] matrix (mb = nRows·outW) of
 * output rows r0 .. r0 + nRows − 1: scatter-adds each patch back into the image
 * `dx` (layout g.xStrides); padding taps are dropped. For NHWC each tap is a
 * contiguous run of inC values on both sides.
 */
export function col2imRowsAdd(cols: Float32Array | Float64Array, g: ConvGeometry, r0: number, nRows: number, dx: Float32Array): void {
  const { inH, inW, inC, outH, outW, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft, K } = g;
  const [sN, sH, sW, sC] = g.xStrides;
  let n = Math.floor(r0 / outH);
  let oh = r0 - n * outH;
  let src0 = 0;
  for (let r = 0; r < nRows; r++) {
    const ih0 = oh * strideH - padTop;
    for (let ow = 0; ow < outW; ow++, src0 += K) {
      const iw0 = ow * strideW - padLeft;
      let src = src0;
      for (let fh = 0; fh < fH; fh++) {
        const ih = ih0 + fh * dilH;
        if (ih < 0 || ih >= inH) {
          src += fW * inC;
          continue;
        }
        const rowBase = n * sN + ih * sH;
        for (let fw = 0; fw < fW; fw++, src += inC) {
          const iw = iw0 + fw * dilW;
          if (iw < 0 || iw >= inW) continue;
          let dst = rowBase + iw * sW;
          for (let c = 0; c < inC; c++, dst += sC) dx[dst] = dx[dst]! + cols[src + c]!;
        }
      }
    }
    if (++oh === outH) {
      oh = 0;
      n++;
    }
  }
}

/**
 * Rows m0 .. m0 + mb - 1 of dy as a row-major [mb, outC] matrix. For NHWC this
 * is a view of `dy` itself; for NCHW the rows are gathered into `scratch`.
 */
export function dyRows(dy: Float32Array, g: ConvGeometry, m0: number, mb: number, scratch: Float32Array): Float32Array {
  const C = g.outC;
  if (g.channelsLast) return dy.subarray(m0 * C, (m0 + mb) * C);
  const [sN, sH, sW, sC] = g.yStrides;
  const perImage = g.outH * g.outW;
  let n = Math.floor(m0 / perImage);
  const rem = m0 - n * perImage;
  let oh = Math.floor(rem / g.outW);
  let ow = rem - oh * g.outW;
  for (let i = 0; i < mb; i++) {
    let src = n * sN + oh * sH + ow * sW;
    const dst = i * C;
    for (let c = 0; c < C; c++) {
      scratch[dst + c] = dy[src]!;
      src += sC;
    }
    if (++ow === g.outW) {
      ow = 0;
      if (++oh === g.outH) {
        oh = 0;
        n++;
      }
    }
  }
  return scratch.subarray(0, mb * C);
}
