/**
 * Minimal, structural views of the two backends that spikefn's cpu and wasm kernels run on (the one module that
 * knows how those backends hold their data; the conv, pooling, slicing and neuron kernels all go through it).
 *
 * Registered kernels receive `backend` typed as `{}`. Rather than importing
 * the backend classes (which would load the backends as a side effect and tie
 * us to their private declarations), this file names the few members the
 * kernels use and gives typed accessors for them:
 *
 * - `cpu`: tensor values live in JS typed arrays, `backend.data.get(id).values`;
 *   outputs are made with `backend.makeTensorInfo(shape, dtype, values)`.
 * - `wasm`: tensor values live in the wasm heap. Outputs are allocated with
 *   `backend.makeOutput(shape, dtype)` and read or written through
 *   `backend.typedArrayFromHeap(info)`, a view on the heap. Any allocation can
 *   grow the heap and detach earlier views, so a kernel allocates first and
 *   takes views afterwards (and takes them again after calling another kernel).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendValues, DataType, KernelFunc, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';
import { type SimdExports, simdOver } from './simd/module.js';

/** A tensor's data id. */
export type DataId = TensorInfo['dataId'];

/** The `backend` a registered kernel receives, as tfjs types it (`{}`). */
export type KernelBackendArg = Parameters<KernelFunc>[0]['backend'];

/** What the kernels use of the cpu backend. */
export interface CpuBackendLike {
  readonly data: { get(dataId: DataId): { values?: BackendValues | undefined } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: BackendValues): TensorInfo;
}

/** What the kernels use of the wasm backend. */
export interface WasmBackendLike {
  /** Its data storage; `get` moves a tensor onto the wasm heap if it lives elsewhere (that allocates). */
  readonly dataIdMap: { get(dataId: DataId): unknown };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
  disposeData(dataId: DataId, force?: boolean): boolean;
  /** The Emscripten module; `wasmMemory` where the heap was passed in (spikefn's threaded build in Node, `@spikefn/core`). */
  readonly wasm?: { readonly wasmMemory?: unknown };
}

/** The cpu view of a kernel's `backend` (throws for another backend). */
export function asCpu(backend: KernelBackendArg): CpuBackendLike {
  const b = backend as Partial<CpuBackendLike>;
  if (typeof b.makeTensorInfo !== 'function' || b.data === undefined) {
    throw new Error('spikefn kernels: expected the tfjs cpu backend');
  }
  return b as CpuBackendLike;
}

/** The wasm view of a kernel's `backend` (throws for another backend). */
export function asWasm(backend: KernelBackendArg): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || b.dataIdMap === undefined) {
    throw new Error('spikefn kernels: expected the tfjs wasm backend');
  }
  return b as WasmBackendLike;
}

/** The wasm backend's heap where it is a shared `WebAssembly.Memory` we can reach (kernels then run over it in place), else `null`. */
export function wasmSharedMemory(backend: WasmBackendLike): WebAssembly.Memory | null {
  const m = backend.wasm?.wasmMemory;
  return m instanceof WebAssembly.Memory && m.buffer instanceof SharedArrayBuffer ? m : null;
}

/**
 * The SIMD kernels over the wasm backend's heap, to run on its tensors in place, where that heap is shared and the
 * kernels are on; else `null` (the caller's other path).
 */
export function wasmSimdInPlace(backend: WasmBackendLike): SimdExports | null {
  const memory = wasmSharedMemory(backend);
  return memory === null ? null : simdOver(memory);
}

/** The values of a cpu tensor as float32 (no copy when they already are). */
export function cpuFloat32(backend: CpuBackendLike, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  if (v === undefined || !ArrayBuffer.isView(v)) {
    throw new Error(`spikefn kernels: cpu tensor of dtype ${t.dtype} has no numeric values`);
  }
  return Float32Array.from(v as ArrayLike<number>);
}

/** A float32 heap view of a wasm tensor (a copy only for non-float32 dtypes). */
export function wasmFloat32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const v = backend.typedArrayFromHeap(t);
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

/**
 * Makes sure every tensor lives in the wasm heap before any view is taken: moving one there allocates, and an
 * allocation can detach earlier views. Call it on the inputs first, then allocate the outputs, then take views.
 */
export function wasmTouch(backend: WasmBackendLike, ts: readonly (TensorInfo | undefined)[]): void {
  for (const t of ts) if (t !== undefined) backend.dataIdMap.get(t.dataId);
}

/** A wasm heap tensor initialised from `values` (allocates, so take views afterwards). */
export function wasmTensorFrom(backend: WasmBackendLike, shape: number[], values: ArrayLike<number>): TensorInfo {
  const info = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(info) as Float32Array).set(values);
  return info;
}

/** Runs another registered kernel of the same backend directly (no engine bookkeeping). */
export function callKernel(
  kernelName: string,
  backendName: string,
  backend: KernelBackendArg,
  inputs: Record<string, TensorInfo | undefined>,
  attrs: tf.NamedAttrMap,
): TensorInfo {
  const config = tf.getKernel(kernelName, backendName);
  if (config === undefined) {
    throw new Error(`spikefn kernels: backend '${backendName}' has no '${kernelName}' kernel`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new Error(`spikefn kernels: '${kernelName}' returned several outputs`);
  }
  return out;
}
