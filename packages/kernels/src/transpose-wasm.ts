/**
 * `Transpose` for `wasm`: float32 layout changes that are a batched 2-D transpose, `[B, R, C] → [B, C, R]`, run in
 * place on tfjs's heap over f32x4 and on every kernel thread (./simd/transpose.ts); everything else goes to the stock
 * kernel.
 *
 * Why it exists: the convolutions of `@spikefn/layers` change layout NCHW ↔ NHWC around every tfjs conv
 * (`[0, 2, 3, 1]`, `[0, 3, 1, 2]`, and `[0, 2, 1]` inside their gradients), and tfjs-backend-wasm 4.22's Transpose
 * is scalar and single-threaded: ~14 calls and 40–50 ms of a spiking CNN's training step (batch 256, 2 threads).
 *
 * Which perms: after dropping 1-sized axes and merging axes that stay next to each other in the same order, the perm
 * must be `[1, 0]` (B = 1) or `[0, 2, 1]`; so `[0, 2, 3, 1]` on [N, C, H, W] is [N, C, H·W] → [N, H·W, C] and
 * `[0, 3, 1, 2]` on [N, H, W, C] is [N, H·W, C] → [N, C, H·W]. Identity perms, other perms, other dtypes, empty
 * tensors, and a heap that is not shared (tfjs's own `tf.setBackend('wasm')`, without spikefn's threaded build) go
 * to the stock kernel, which gives the same values (a transpose only moves them).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, wasmSimdInPlace, wasmTouch } from './backend-access.js';
import { transposeInPlace } from './simd/transpose.js';
import { runStock, stockSetup } from './stock.js';

/** A transpose seen as B matrices [R, C] transposed into [C, R]. */
export type BatchedTranspose = { readonly B: number; readonly R: number; readonly C: number };

/**
 * `perm` on `shape` as a batched 2-D transpose `[B, R, C] → [B, C, R]` (after dropping 1-sized axes and merging
 * axes that stay adjacent and in order), or `null` where it is none (identity, or a perm that needs more axes).
 */
export function batchedTransposeOf(shape: readonly number[], perm: readonly number[]): BatchedTranspose | null {
  const kept = shape.map((_, a) => a).filter((a) => shape[a] !== 1);
  // the output's axes as positions among the kept input axes
  const q = perm.filter((a) => shape[a] !== 1).map((a) => kept.indexOf(a));
  // runs of consecutive input axes in output order: [first position, last position]
  const runs: [number, number][] = [];
  for (const i of q) {
    const last = runs[runs.length - 1];
    if (last !== undefined && i === last[1] + 1) last[1] = i;
    else runs.push([i, i]);
  }
  const size = ([a, b]: [number, number]): number => kept.slice(a, b + 1).reduce((s, ax) => s * (shape[ax] as number), 1);
  const inOrder = [...runs].sort((x, y) => x[0] - y[0]);
  const mergedPerm = runs.map((r) => inOrder.indexOf(r));
  const sizes = inOrder.map(size);
  if (mergedPerm.length === 2 && mergedPerm[0] === 1) return { B: 1, R: sizes[0] as number, C: sizes[1] as number };
  if (mergedPerm.length === 3 && mergedPerm[0] === 0 && mergedPerm[1] === 2)
    return { B: sizes[0] as number, R: sizes[1] as number, C: sizes[2] as number };
  return null;
}

const viaStock = (args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] => runStock('Transpose', 'wasm', args);

/** `y = transpose(x, perm)`: in place over f32x4 on every kernel thread where it is a float32 batched 2-D transpose. */
export const transposeWasm: KernelFunc = (args) => {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error('Transpose: needs input x');
  const perm = args.attrs?.['perm'] as number[] | undefined;
  if (x.dtype !== 'float32' || perm === undefined || perm.length !== x.shape.length || x.shape.some((d) => d === 0)) return viaStock(args);
  const t = batchedTransposeOf(x.shape, perm);
  if (t === null) return viaStock(args);
  const w = asWasm(args.backend);
  const m = wasmSimdInPlace(w);
  if (m === null) return viaStock(args);
  wasmTouch(w, [x]);
  const y = w.makeOutput(
    perm.map((a) => x.shape[a] as number),
    'float32',
  );
  // views only after the last allocation
  transposeInPlace(m, w.typedArrayFromHeap(x).byteOffset, w.typedArrayFromHeap(y).byteOffset, t.B, t.R, t.C);
  return y;
};

/** The kernel configs of this file. */
export const transposeWasmConfigs: readonly KernelConfig[] = [
  { kernelName: 'Transpose', backendName: 'wasm', kernelFunc: transposeWasm, setupFunc: stockSetup('Transpose', 'wasm') },
];
