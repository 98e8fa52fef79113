/**
 * The tfjs kernel functions of the fused neuron for the `cpu` and `wasm` backends (names and attributes in
 * attrs.ts): they only move typed arrays in and out of the backend (backend-access.ts) and call the plain loops of
 * loops.ts.
 *
 * cpu: inputs are read in place, outputs are fresh `Float32Array`s handed over with `makeTensorInfo`. wasm: inputs
 * are moved onto the heap, every output is allocated with `makeOutput`, and only then are heap views taken (an
 * allocation can grow the heap and detach earlier views).
 *
 * Both backends run the WebAssembly SIMD loops of ../simd where the engine has SIMD (and, for the backward, the
 * surrogate is a built-in one; on wasm they write straight into the output tensors); the JavaScript loops otherwise (they are the reference: same spikes and membranes bit
 * for bit, gradients to float32 rounding).
 *
 * @module
 */
import type { KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { asCpu, asWasm, wasmSimdInPlace, wasmTouch, type CpuBackendLike, type WasmBackendLike } from '../backend-access.js';
import type { NeuronAttrs } from './attrs.js';
import { backward, forward, type CoreCotangents, type CoreSettings } from './loops.js';
import { surrogateById } from './surrogates.js';
import type { SimdExports } from '../simd/module.js';
import { planInPlace, simdBackwardInPlace, simdBackwardRuns, simdForwardInPlace, trySimdBackward, trySimdForward } from '../simd/neuron.js';
import { simdSurrogate } from '../simd/surrogate.js';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const settingsOf = (attrs: NeuronAttrs, k: number): CoreSettings => ({
  form: attrs.form,
  k,
  vThreshold: attrs.vThreshold,
  vReset: attrs.vReset,
  hard: attrs.hard,
  detachReset: attrs.detachReset,
});

const need = (inputs: NamedTensorInfoMap, name: string): TensorInfo => {
  const t = inputs[name];
  if (t === undefined) throw new Error(`spikefn fused neuron kernel: missing input '${name}'`);
  if (t.dtype !== 'float32') throw new Error(`spikefn fused neuron kernel: input '${name}' expected dtype float32, got ${t.dtype}`);
  return t;
};

const optional = (inputs: NamedTensorInfoMap, name: string): TensorInfo | undefined =>
  inputs[name] === undefined ? undefined : need(inputs, name);

const COTANGENTS = ['dSpikes', 'dV', 'dH', 'dVSeq'] as const;

/**
 * Whether the forward outputs h: always for a record; for a backward (`saveH`) only where that backward runs the
 * JavaScript loop. The SIMD backward computes h again from x and v_0 (cheaper than writing h out, copying it into a
 * tensor, and tfjs's zero cotangent for it); the backward kernel takes h when it is given.
 */
const outputsH = (a: NeuronAttrs): boolean => a.record || (a.saveH && !simdBackwardRuns(surrogateById(a.surrogateId)));

/** h computed again by the JavaScript forward, for a backward without a saved h (bit for bit the forward's h). */
function recomputeH(settings: CoreSettings, T: number, N: number, x: Float32Array, v0: Float32Array): Float32Array {
  const h = new Float32Array(T * N);
  forward(settings, T, N, x, v0.slice(0, N), new Float32Array(T * N), h, null);
  return h;
}

// ---------------------------------------------------------------------------------------------------------------
// cpu

const cpuValues = (backend: CpuBackendLike, t: TensorInfo): Float32Array => backend.data.get(t.dataId).values as Float32Array;

/** `SpikefnNeuronForward` on cpu. */
export const neuronForwardCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = asCpu(backend);
  const a = attrs as unknown as NeuronAttrs;
  const x = need(inputs, 'x');
  const v0 = need(inputs, 'v0');
  const k = need(inputs, 'k');
  const T = x.shape[0] as number;
  const N = size(v0.shape);
  const settings = settingsOf(a, cpuValues(cpu, k)[0] as number);
  const saveH = outputsH(a);
  const fast = trySimdForward(settings, T, N, cpuValues(cpu, x), cpuValues(cpu, v0), saveH, a.record);
  if (fast !== null) {
    const outs = [cpu.makeTensorInfo(x.shape, 'float32', fast.spikes), cpu.makeTensorInfo(v0.shape, 'float32', fast.v)];
    if (fast.h !== null) outs.push(cpu.makeTensorInfo(x.shape, 'float32', fast.h));
    if (fast.vSeq !== null) outs.push(cpu.makeTensorInfo(x.shape, 'float32', fast.vSeq));
    return outs;
  }
  const v = cpuValues(cpu, v0).slice(0, N);
  const spikes = new Float32Array(T * N);
  const h = saveH ? new Float32Array(T * N) : null;
  const vSeq = a.record ? new Float32Array(T * N) : null;
  forward(settings, T, N, cpuValues(cpu, x), v, spikes, h, vSeq);
  const outs = [cpu.makeTensorInfo(x.shape, 'float32', spikes), cpu.makeTensorInfo(v0.shape, 'float32', v)];
  if (h !== null) outs.push(cpu.makeTensorInfo(x.shape, 'float32', h));
  if (vSeq !== null) outs.push(cpu.makeTensorInfo(x.shape, 'float32', vSeq));
  return outs;
};

/** `SpikefnNeuronBackward` on cpu. */
export const neuronBackwardCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = asCpu(backend);
  const a = attrs as unknown as NeuronAttrs;
  const x = need(inputs, 'x');
  const v0 = need(inputs, 'v0');
  const T = x.shape[0] as number;
  const N = size(v0.shape);
  const values = (t: TensorInfo | undefined): Float32Array | null => (t === undefined ? null : cpuValues(cpu, t));
  const [dSpikes, dV, dH, dVSeq] = COTANGENTS.map((n) => values(optional(inputs, n))) as [
    Float32Array | null,
    Float32Array | null,
    Float32Array | null,
    Float32Array | null,
  ];
  const cot: CoreCotangents = { dSpikes, dV, dH, dVSeq };
  const k = cpuValues(cpu, need(inputs, 'k'))[0] as number;
  const h = values(optional(inputs, 'h'));
  const settings = settingsOf(a, k);
  const surrogate = surrogateById(a.surrogateId);
  const xs = cpuValues(cpu, x);
  const fast = trySimdBackward(settings, T, N, surrogate, h, xs, cpuValues(cpu, v0), cot, a.learnableDecay);
  if (fast !== null)
    return [
      cpu.makeTensorInfo(x.shape, 'float32', fast.dx),
      cpu.makeTensorInfo(v0.shape, 'float32', fast.dv0),
      cpu.makeTensorInfo([], 'float32', Float32Array.of(fast.dk)),
    ];
  const dx = new Float32Array(T * N);
  const dv0 = new Float32Array(N);
  const v0s = cpuValues(cpu, v0);
  const hs = h ?? recomputeH(settings, T, N, xs, v0s);
  const dk = backward(settings, T, N, surrogate, hs, xs, v0s, cot, a.learnableDecay, dx, dv0);
  return [
    cpu.makeTensorInfo(x.shape, 'float32', dx),
    cpu.makeTensorInfo(v0.shape, 'float32', dv0),
    cpu.makeTensorInfo([], 'float32', Float32Array.of(dk)),
  ];
};

// ---------------------------------------------------------------------------------------------------------------
// wasm

const heap = (backend: WasmBackendLike, t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;

/**
 * The SIMD kernels over the backend's own heap, where they can run on its tensors in place: its heap is a shared
 * memory we can reach (spikefn's threaded build in Node) and N is a multiple of 4 (rows of whole f32x4 vectors);
 * else `null` (copies through the kernels' own memory, or the JavaScript loops).
 */
function simdInPlace(w: WasmBackendLike, N: number): SimdExports | null {
  if (N % 4 !== 0 || N === 0) return null;
  return wasmSimdInPlace(w);
}

/** `SpikefnNeuronForward` on wasm. */
export const neuronForwardWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const a = attrs as unknown as NeuronAttrs;
  const x = need(inputs, 'x');
  const v0 = need(inputs, 'v0');
  const k = need(inputs, 'k');
  const T = x.shape[0] as number;
  const N = size(v0.shape);
  wasmTouch(w, [x, v0, k]);
  const saveH = outputsH(a);
  const outs: TensorInfo[] = [w.makeOutput([...x.shape], 'float32'), w.makeOutput([...v0.shape], 'float32')];
  if (saveH) outs.push(w.makeOutput([...x.shape], 'float32'));
  if (a.record) outs.push(w.makeOutput([...x.shape], 'float32'));
  // Views only after the last allocation.
  const v = heap(w, outs[1] as TensorInfo);
  v.set(heap(w, v0));
  const h = saveH ? heap(w, outs[2] as TensorInfo) : null;
  const vSeq = a.record ? heap(w, outs[saveH ? 3 : 2] as TensorInfo) : null;
  const settings = settingsOf(a, heap(w, k)[0] as number);
  const spikes = heap(w, outs[0] as TensorInfo);
  const inPlace = simdInPlace(w, N);
  if (inPlace !== null && (saveH || !a.record)) {
    const mode = a.record ? 2 : saveH ? 1 : 0;
    const at = { x: heap(w, x).byteOffset, v: v.byteOffset, s: spikes.byteOffset, h: h?.byteOffset ?? 0, vs: vSeq?.byteOffset ?? 0 };
    simdForwardInPlace(inPlace, planInPlace(inPlace, T, N), settings, T, N, mode, at);
    return outs;
  }
  // The SIMD module has its own memory (not tfjs's heap, so these views stay valid): it writes its results into them.
  const into = { spikes, v, h, vSeq };
  if (trySimdForward(settings, T, N, heap(w, x), heap(w, v0), saveH, a.record, into) !== null) return outs;
  forward(settings, T, N, heap(w, x), v, spikes, h, vSeq);
  return outs;
};

/** `SpikefnNeuronBackward` on wasm. */
export const neuronBackwardWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = asWasm(backend);
  const a = attrs as unknown as NeuronAttrs;
  const x = need(inputs, 'x');
  const v0 = need(inputs, 'v0');
  const k = need(inputs, 'k');
  const h = optional(inputs, 'h');
  const T = x.shape[0] as number;
  const N = size(v0.shape);
  const cots = COTANGENTS.map((n) => optional(inputs, n));
  wasmTouch(w, [x, v0, k, ...(h === undefined ? [] : [h]), ...cots]);
  const dxOut = w.makeOutput([...x.shape], 'float32');
  const dv0Out = w.makeOutput([...v0.shape], 'float32');
  const dkOut = w.makeOutput([], 'float32');
  const surrogate = surrogateById(a.surrogateId);
  const inPlace = simdInPlace(w, N);
  const simdSd = inPlace === null ? null : simdSurrogate(surrogate.hint);
  if (inPlace !== null && simdSd !== null) {
    const plan = planInPlace(inPlace, T, N);
    const scratch = w.makeOutput([plan.scratchFloats], 'float32');
    // Views only after the last allocation.
    const ptr = (t: TensorInfo | undefined): number => (t === undefined ? 0 : heap(w, t).byteOffset);
    const gv = heap(w, dv0Out);
    if (cots[1] !== undefined) gv.set(heap(w, cots[1]));
    else gv.fill(0);
    const at = {
      h: ptr(h),
      x: ptr(x),
      v0: ptr(v0),
      ds: ptr(cots[0]),
      dh: ptr(cots[2]),
      dvs: ptr(cots[3]),
      dx: ptr(dxOut),
      gv: gv.byteOffset,
      scratch: ptr(scratch),
    };
    const dk = simdBackwardInPlace(inPlace, plan, settingsOf(a, heap(w, k)[0] as number), T, N, simdSd, a.learnableDecay, at);
    w.disposeData(scratch.dataId, true);
    heap(w, dkOut)[0] = dk;
    return [dxOut, dv0Out, dkOut];
  }
  // Views only after the last allocation.
  const view = (t: TensorInfo | undefined): Float32Array | null => (t === undefined ? null : heap(w, t));
  const cot: CoreCotangents = { dSpikes: view(cots[0]), dV: view(cots[1]), dH: view(cots[2]), dVSeq: view(cots[3]) };
  const settings = settingsOf(a, heap(w, k)[0] as number);
  const dx = heap(w, dxOut);
  const dv0 = heap(w, dv0Out);
  const fast = trySimdBackward(settings, T, N, surrogate, view(h), heap(w, x), heap(w, v0), cot, a.learnableDecay, { dx, dv0 });
  if (fast !== null) {
    heap(w, dkOut)[0] = fast.dk;
    return [dxOut, dv0Out, dkOut];
  }
  // A JavaScript array for a recomputed h: no tfjs allocation after the views were taken.
  const hs = view(h) ?? recomputeH(settings, T, N, heap(w, x), heap(w, v0));
  heap(w, dkOut)[0] = backward(settings, T, N, surrogate, hs, heap(w, x), heap(w, v0), cot, a.learnableDecay, dx, dv0);
  return [dxOut, dv0Out, dkOut];
};
