/**
 * `Slice` and `Unpack` for `wasm`, copying straight between heap views.
 *
 * Why they exist: tfjs-backend-wasm 4.22's Slice starts with
 * `backend.readSync(x.dataId)`, which copies the *whole* input out of the
 * heap before taking the slice, and its Unpack is T such Slices. So
 * `tf.unstack` of a [T, ...] sequence (what spikefn's time loop does once per
 * sequence) costs O(T²·N): `tf.unstack` of [128, 100000] took 7.6 s of CPU
 * on a loaded 2-core Node 20 machine (5.9 s wall in a less loaded run); here
 * 20 ms. Every output is
 * allocated first (allocation may grow and detach the heap) and then filled
 * from a view of the input: O(T·N), i.e. one copy.
 *
 * Not covered: the wasm SplitV kernel (tf.split, and the gradient of
 * tf.concat) calls the stock Slice function directly, not through the
 * registry, so it keeps the O(T²·N) cost.
 *
 * Strings are not on the heap; for them both kernels defer to the stock ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';
import { asWasm } from './backend-access.js';
import type { WasmBackendLike } from './backend-access.js';
import { runStock } from './stock.js';

const viaStock = (kernelName: string, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] => runStock(kernelName, 'wasm', args);

function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** Copies the box begin/size of `src` (shape `shape`, row-major) into `dst`. */
export function copyBox(
  src: TypedArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: TypedArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1));
    return;
  }
  if (sizeOf(size) === 0) return;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  // Dimensions after `inner` are taken whole, so a run over `inner` is contiguous.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === shape[inner]) inner--;
  const run = size[inner]! * strides[inner]!;
  let base = 0;
  for (let d = 0; d < rank; d++) base += begin[d]! * strides[d]!;
  let outer = 1;
  for (let d = 0; d < inner; d++) outer *= size[d]!;
  const idx = new Array<number>(inner).fill(0);
  let off = base;
  for (let o = 0, to = 0; o < outer; o++, to += run) {
    dst.set(src.subarray(off, off + run), to);
    // advance the odometer over dimensions 0 .. inner-1
    for (let d = inner - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      off += strides[d]!;
      if (idx[d]! < size[d]!) break;
      off -= idx[d]! * strides[d]!;
      idx[d] = 0;
    }
  }
}

export const sliceWasm: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'];
  if (x === undefined) throw new Error('Slice: needs input x');
  if (x.dtype === 'string') return viaStock('Slice', args);
  const w: WasmBackendLike = asWasm(backend);
  const a = attrs ?? {};
  const [begin, size] = tf.slice_util.parseSliceParams(x, a['begin'] as number | number[], a['size'] as number | number[] | undefined);
  if (begin === undefined || size === undefined) throw new Error('Slice: bad begin/size');
  tf.slice_util.assertParamsValid(x, begin, size);
  const out = w.makeOutput(size, x.dtype);
  copyBox(w.typedArrayFromHeap(x), x.shape, begin, size, w.typedArrayFromHeap(out));
  return out;
};

export const unpackWasm: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const value = inputs['value'];
  if (value === undefined) throw new Error('Unpack: needs input value');
  if (value.dtype === 'string') return viaStock('Unpack', args);
  const w: WasmBackendLike = asWasm(backend);
  const shape = value.shape;
  let axis = Number(attrs?.['axis'] ?? 0);
  if (axis < 0) axis += shape.length;
  if (!(axis >= 0 && axis < shape.length)) throw new Error(`Unpack: axis ${axis} out of range for shape ${String(shape)}`);
  const count = shape[axis]!;
  const outShape = shape.filter((_, i) => i !== axis);
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const outs: TensorInfo[] = [];
  for (let i = 0; i < count; i++) outs.push(w.makeOutput(outShape.slice(), value.dtype));
  const src = w.typedArrayFromHeap(value);
  for (let i = 0; i < count; i++) {
    const dst = w.typedArrayFromHeap(outs[i]!);
    for (let o = 0; o < outer; o++) {
      const from = (o * count + i) * inner;
      dst.set(src.subarray(from, from + inner), o * inner);
    }
  }
  return outs;
};

export const sliceWasmConfigs: readonly KernelConfig[] = [
  { kernelName: 'Slice', backendName: 'wasm', kernelFunc: sliceWasm },
  { kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpackWasm },
];
