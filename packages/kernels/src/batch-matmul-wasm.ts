/**
 * `BatchMatMul` for `wasm`: float32 products with transposeA or transposeB (see {@link takesBatchMatMul}) run in place
 * on tfjs's heap over f32x4 and on every kernel thread (./simd/batch-matmul.ts); everything else goes to the stock
 * kernel.
 *
 * Why it exists: tfjs-backend-wasm 4.22 runs a product with transposeA or transposeB as a scalar loop on one thread
 * (XNNPACK only without a transpose); the linear layer 1568 → 10 of a spiking CNN at 256 rows spent ~8 ms in each of
 * its forward ([256, 1568] · [10, 1568]ᵀ) and its weight gradient ([256, 10]ᵀ · [256, 1568]), ~8 MFLOP each; this
 * kernel takes ~1 ms for each. Measured faster than the stock loop on every transposed product tried, from skinny
 * ones to [1024, 1024] · [100, 1024]ᵀ (14–25 against 191–323 ms), except the smallest, where the stock kernel's lower
 * call overhead wins (hence {@link batchMatMulTuning}.minMacs).
 *
 * Which calls: float32 a and b of rank ≥ 2 with matching inner sizes, batch dimensions that are equal or where one side
 * is a single matrix (broadcast), no empty tensor, a shared heap (spikefn's threaded build; not tfjs's own
 * `tf.setBackend('wasm')`), and a shape {@link takesBatchMatMul} takes. The stock kernel gets the rest (other dtypes,
 * which it rejects, and the errors of mismatched shapes included).
 */
import { broadcast_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, wasmSimdInPlace, wasmTouch } from './backend-access.js';
import { type MatMulShape, batchMatMulInPlace } from './simd/batch-matmul.js';
import { runStock, stockSetup } from './stock.js';

/**
 * Which products spikefn's kernel takes (mutable, for tests and benchmarks; the defaults were measured on a 2-core
 * machine with tools/bench/matmul-shapes.ts).
 */
export const batchMatMulTuning = {
  /** The fewest multiply-adds, M·N·K, of one product (below, the stock kernel's lower call overhead wins). */
  minMacs: 1 << 14,
  /** Whether products without a transpose are taken too (the stock kernel runs those with XNNPACK). */
  untransposed: false,
};

/**
 * Whether spikefn's kernel takes a product C [M, N] = op(A) [M, K] · op(B) [K, N] (each of the batch): A or B
 * transposed (the stock kernel's scalar loop on one thread) and M·N·K ≥ {@link batchMatMulTuning}.minMacs.
 */
export function takesBatchMatMul(M: number, N: number, K: number, transposeA: boolean, transposeB: boolean): boolean {
  return (transposeA || transposeB || batchMatMulTuning.untransposed) && M * N * K >= batchMatMulTuning.minMacs;
}

/** The product of `a` and `b` (shapes) as {@link MatMulShape} and its output shape, or `null` where the stock kernel runs it. */
export function batchMatMulShapeOf(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): { readonly shape: MatMulShape; readonly outShape: number[] } | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2 || aShape.some((d) => d === 0) || bShape.some((d) => d === 0)) return null;
  const M = aShape[transposeA ? ra - 1 : ra - 2] as number;
  const Ka = aShape[transposeA ? ra - 2 : ra - 1] as number;
  const Kb = bShape[transposeB ? rb - 1 : rb - 2] as number;
  const N = bShape[transposeB ? rb - 2 : rb - 1] as number;
  if (Ka !== Kb) return null;
  let outer: number[];
  try {
    outer = broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  } catch {
    return null;
  }
  const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
  const nb = size(outer);
  const na = size(aShape.slice(0, -2));
  const nbB = size(bShape.slice(0, -2));
  if (!((na === nb || na === 1) && (nbB === nb || nbB === 1))) return null;
  return {
    shape: { nb, M, N, K: Ka, transposeA, transposeB, broadcastA: na === 1 && nb > 1, broadcastB: nbB === 1 && nb > 1 },
    outShape: [...outer, M, N],
  };
}

const viaStock = (args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] => runStock('BatchMatMul', 'wasm', args);

/** `C = op(a)·op(b)` per batch: in place over f32x4 on every kernel thread where {@link takesBatchMatMul} takes it. */
export const batchMatMulWasm: KernelFunc = (args) => {
  const a = args.inputs['a'];
  const b = args.inputs['b'];
  if (a === undefined || b === undefined) throw new Error('BatchMatMul: needs inputs a and b');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return viaStock(args);
  const transposeA = args.attrs?.['transposeA'] === true;
  const transposeB = args.attrs?.['transposeB'] === true;
  const plan = batchMatMulShapeOf(a.shape, b.shape, transposeA, transposeB);
  if (plan === null) return viaStock(args);
  const s = plan.shape;
  if (!takesBatchMatMul(s.M, s.N, s.K, transposeA, transposeB)) return viaStock(args);
  const w = asWasm(args.backend);
  const m = wasmSimdInPlace(w);
  if (m === null) return viaStock(args);
  wasmTouch(w, [a, b]);
  const c = w.makeOutput(plan.outShape, 'float32');
  // views only after the last allocation
  batchMatMulInPlace(m, w.typedArrayFromHeap(a).byteOffset, w.typedArrayFromHeap(b).byteOffset, w.typedArrayFromHeap(c).byteOffset, s);
  return c;
};

/** The kernel configs of this file. */
export const batchMatMulWasmConfigs: readonly KernelConfig[] = [
  { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMulWasm, setupFunc: stockSetup('BatchMatMul', 'wasm') },
];
