/**
 * The tfjs kernel functions of the fused neuron, for the `cpu` and `wasm` backends: they only move typed arrays
 * in and out of the backend and call the plain loops of core.ts.
 *
 * Kernel `SpikefnNeuronForward`: inputs `{ x [T, ...], v0 [...], k [] }`, attrs {@link NeuronAttrs};
 * outputs `[spikes [T, ...], v_T [...], h [T, ...] (when saveH), vSeq [T, ...] (when record)]`.
 *
 * Kernel `SpikefnNeuronBackward`: inputs `{ x, v0, k, h }` and any of the cotangents `{ dSpikes, dV, dH, dVSeq }`
 * (absent = zero), same attrs; outputs `[dx, dv0, dk []]`.
 *
 * cpu: inputs are read with `backend.data.get(dataId).values`, outputs are fresh `Float32Array`s handed over with
 * `backend.makeTensorInfo`. wasm: every output is allocated with `backend.makeOutput` first, and only then are heap
 * views taken (an allocation can grow the heap and detach earlier views).
 *
 * @category fused
 */
import type { KernelFunc, NamedTensorInfoMap, TensorInfo } from '@spikefn/core/tf';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backward, forward, type CoreSettings, type FormCode, type ScalarSurrogate } from './core.js';

/** The attributes of both kernels (plain values only). */
export type NeuronAttrs = {
  readonly form: FormCode;
  readonly vThreshold: number;
  readonly vReset: number;
  readonly hard: boolean;
  readonly detachReset: boolean;
  /** Which surrogate: an id in register.ts's table of surrogates (attrs hold plain values only). */
  readonly surrogateId: number;
  /** Return dL/dk (PLIF). */
  readonly learnableDecay: boolean;
  /** Output h (for the backward or a record). */
  readonly saveH: boolean;
  /** Output v after reset at every step. */
  readonly record: boolean;
};

/** Looks up a surrogate's scalar form by id (filled in by register.ts). */
export type DerivativeLookup = (id: number) => ScalarSurrogate;

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

const COTANGENTS = ['dSpikes', 'dV', 'dH', 'dVSeq'] as const;

// ---------------------------------------------------------------------------------------------------------------
// cpu

const cpuValues = (backend: MathBackendCPU, t: TensorInfo): Float32Array => backend.data.get(t.dataId).values as Float32Array;

/** `SpikefnNeuronForward` on cpu. */
export const forwardCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = backend as MathBackendCPU;
  const a = attrs as unknown as NeuronAttrs;
  const x = need(inputs, 'x');
  const v0 = need(inputs, 'v0');
  const k = need(inputs, 'k');
  const T = x.shape[0] as number;
  const N = size(v0.shape);
  const v = cpuValues(cpu, v0).slice(0, N);
  const spikes = new Float32Array(T * N);
  const h = a.saveH ? new Float32Array(T * N) : null;
  const vSeq = a.record ? new Float32Array(T * N) : null;
  forward(settingsOf(a, cpuValues(cpu, k)[0] as number), T, N, cpuValues(cpu, x), v, spikes, h, vSeq);
  const outs = [cpu.makeTensorInfo(x.shape, 'float32', spikes), cpu.makeTensorInfo(v0.shape, 'float32', v)];
  if (h !== null) outs.push(cpu.makeTensorInfo(x.shape, 'float32', h));
  if (vSeq !== null) outs.push(cpu.makeTensorInfo(x.shape, 'float32', vSeq));
  return outs;
};

/** `SpikefnNeuronBackward` on cpu. */
export const backwardCpu =
  (derivativeOf: DerivativeLookup): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const cpu = backend as MathBackendCPU;
    const a = attrs as unknown as NeuronAttrs;
    const x = need(inputs, 'x');
    const v0 = need(inputs, 'v0');
    const k = need(inputs, 'k');
    const h = need(inputs, 'h');
    const T = x.shape[0] as number;
    const N = size(v0.shape);
    const [dSpikes, dV, dH, dVSeq] = COTANGENTS.map((n) => (inputs[n] === undefined ? null : cpuValues(cpu, need(inputs, n))));
    const dx = new Float32Array(T * N);
    const dv0 = new Float32Array(N);
    const dk = backward(
      settingsOf(a, cpuValues(cpu, k)[0] as number),
      T,
      N,
      derivativeOf(a.surrogateId),
      cpuValues(cpu, h),
      cpuValues(cpu, x),
      cpuValues(cpu, v0),
      { dSpikes: dSpikes ?? null, dV: dV ?? null, dH: dH ?? null, dVSeq: dVSeq ?? null },
      a.learnableDecay,
      dx,
      dv0,
    );
    return [
      cpu.makeTensorInfo(x.shape, 'float32', dx),
      cpu.makeTensorInfo(v0.shape, 'float32', dv0),
      cpu.makeTensorInfo([], 'float32', Float32Array.of(dk)),
    ];
  };

// ---------------------------------------------------------------------------------------------------------------
// wasm

const heap = (backend: BackendWasm, t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;

/** Makes sure every input lives in the wasm heap before any view is taken (a move allocates). */
const touch = (backend: BackendWasm, ts: readonly (TensorInfo | undefined)[]): void => {
  for (const t of ts) if (t !== undefined) backend.dataIdMap.get(t.dataId);
};

/** `SpikefnNeuronForward` on wasm. */
export const forwardWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const w = backend as BackendWasm;
  const a = attrs as unknown as NeuronAttrs;
  const x = need(inputs, 'x');
  const v0 = need(inputs, 'v0');
  const k = need(inputs, 'k');
  const T = x.shape[0] as number;
  const N = size(v0.shape);
  touch(w, [x, v0, k]);
  const outs: TensorInfo[] = [w.makeOutput([...x.shape], 'float32'), w.makeOutput([...v0.shape], 'float32')];
  if (a.saveH) outs.push(w.makeOutput([...x.shape], 'float32'));
  if (a.record) outs.push(w.makeOutput([...x.shape], 'float32'));
  // Views only after the last allocation.
  const v = heap(w, outs[1] as TensorInfo);
  v.set(heap(w, v0));
  forward(
    settingsOf(a, heap(w, k)[0] as number),
    T,
    N,
    heap(w, x),
    v,
    heap(w, outs[0] as TensorInfo),
    a.saveH ? heap(w, outs[2] as TensorInfo) : null,
    a.record ? heap(w, outs[a.saveH ? 3 : 2] as TensorInfo) : null,
  );
  return outs;
};

/** `SpikefnNeuronBackward` on wasm. */
export const backwardWasm =
  (derivativeOf: DerivativeLookup): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const w = backend as BackendWasm;
    const a = attrs as unknown as NeuronAttrs;
    const x = need(inputs, 'x');
    const v0 = need(inputs, 'v0');
    const k = need(inputs, 'k');
    const h = need(inputs, 'h');
    const T = x.shape[0] as number;
    const N = size(v0.shape);
    const cots = COTANGENTS.map((n) => (inputs[n] === undefined ? undefined : need(inputs, n)));
    touch(w, [x, v0, k, h, ...cots]);
    const dxOut = w.makeOutput([...x.shape], 'float32');
    const dv0Out = w.makeOutput([...v0.shape], 'float32');
    const dkOut = w.makeOutput([], 'float32');
    const view = (t: TensorInfo | undefined): Float32Array | null => (t === undefined ? null : heap(w, t));
    const dk = backward(
      settingsOf(a, heap(w, k)[0] as number),
      T,
      N,
      derivativeOf(a.surrogateId),
      heap(w, h),
      heap(w, x),
      heap(w, v0),
      { dSpikes: view(cots[0]), dV: view(cots[1]), dH: view(cots[2]), dVSeq: view(cots[3]) },
      a.learnableDecay,
      heap(w, dxOut),
      heap(w, dv0Out),
    );
    heap(w, dkOut)[0] = dk;
    return [dxOut, dv0Out, dkOut];
  };
