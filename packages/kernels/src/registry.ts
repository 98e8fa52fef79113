/**
 * The one place where spikefn changes tfjs's kernel and gradient registries. {@link register} installs, for one
 * backend, every kernel spikefn has for it, in two sets ({@link KernelSet}):
 *
 * - `'overrides'`: replacements for tfjs kernels that are missing or slow for training spiking CNNs (`cpu`, `wasm`).
 *   Measured at batch B·T = 256, 2-core Node 20, CPU ms, stock → spikefn:
 *
 * | kernel               | cpu                | wasm                      | file |
 * |----------------------|--------------------|---------------------------|------|
 * | Conv2DBackpropFilter | ~128 s → 0.40 s    | missing → 113 ms          | conv2d-backprop-filter.ts |
 * | Conv2DBackpropInput  | 1.14 s → 0.41 s    | 449 → 53 ms               | conv2d-backprop-input.ts |
 * | MaxPoolGrad          | 3.3 s → 87 ms      | 196 → 74 ms (and fixes ties) | max-pool-grad.ts |
 * | MaxPool              | (stock is fine)    | 1 channel, 2x2/2: in place on SIMD threads (else stock) | max-pool.ts |
 * | Slice, Unpack        | (stock is fine)    | unstack [128, 1e5]: 7.6 s → 20 ms | slice-wasm.ts |
 * | Identity             | (stock shares)     | copy → shared buffer (8 % of a CNN step) | identity-wasm.ts |
 * | SpikefnBatchNormForward, -Backward | (new) | (new): train-mode BatchNorm in 2 + 2 passes | batch-norm.ts |
 * | Transpose (batched 2-D, float32) | (stock is fine) | scalar, 1 thread → f32x4 in place, every thread | transpose-wasm.ts |
 * | SpikefnConv2dFilterGradNchw | — | (new): stride-1 filter gradient from NCHW x, dy in place (32 → 32 conv: XNNPACK's ~60 → ~40 ms per step) | conv2d-filter-nchw.ts |
 * | SpikefnConv2dNchw    | —                  | (new): stride-1 forward NCHW → NCHW in place (1 → 32 conv: Conv2D + Transpose ~19 → ~7 ms per step) | conv2d-nchw-forward.ts |
 * | BatchMatMul (float32, transposeA or -B) | (stock is fine) | scalar, 1 thread → f32x4 in place, every thread (linear 1568 → 10, step: 8.1 + 6.7 → 0.9 + 1.1 ms) | batch-matmul-wasm.ts |
 *
 *   (conv rows: 3x3 32->32 on [256, 14, 14, 32]; pool: 2x2/2 on [256, 28, 28, 32].) The stock kernel each one
 *   replaced is kept, so {@link unregister} can put it back and a fast kernel can fall back to it (strings).
 * - `'neurons'`: spikefn's own kernels, which tfjs does not have: the fused multi-step neuron forward and backward
 *   (`cpu`, `wasm`; neuron/) with the forward's gradient, and the WebGL LIF forward shader (`webgl`).
 *
 * Who registers: `setBackend` of `@spikefn/core` calls `register(name)` once the backend is ready. An application
 * that selects a backend with tfjs's own `tf.setBackend` gets the same kernels lazily: the neurons and the conv and
 * pooling layers call {@link ensureRegistered} before they run, which registers every set for the current backend
 * unless `register` or `unregister` was already called for that (backend, set). So `unregister` is respected: after
 * `unregister(backend)` the neurons run their composed ops and the layers run on tfjs's stock kernels.
 *
 * Register after the backend's package has been imported (its import registers the stock kernels, replacing whatever
 * was there). All of this state lives on the global object (`Symbol.for` keys), as tfjs's registries do.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { BATCH_NORM_FORWARD, batchNormConfigs, batchNormGradConfig } from './batch-norm.js';
import { conv2DBackpropFilterConfigs } from './conv2d-backprop-filter.js';
import { batchMatMulWasmConfigs, CONV2D_NCHW, conv2dFilterGradNchwConfigs, conv2dNchwConfigs, conv2dNchwGradConfig } from './in-place.js';
import { conv2DBackpropInputConfigs } from './conv2d-backprop-input.js';
import { identityWasmConfigs } from './identity-wasm.js';
import { maxPoolConfigs } from './max-pool.js';
import { maxPoolGradConfigs } from './max-pool-grad.js';
import { NEURON_BACKWARD, NEURON_FORWARD } from './neuron/attrs.js';
import { neuronGradConfig } from './neuron/gradient.js';
import { neuronBackwardCpu, neuronBackwardWasm, neuronForwardCpu, neuronForwardWasm } from './neuron/kernels.js';
import { lifWebglConfigs } from './neuron/lif-webgl.js';
import { sliceWasmConfigs } from './slice-wasm.js';
import { transposeWasmConfigs } from './transpose-wasm.js';
import { isFast, markFast, override, restore } from './stock.js';

/** The two sets of kernels spikefn registers (see the module comment). @category registry */
export const kernelSets = ['overrides', 'neurons'] as const;
/** One of {@link kernelSets}. @category registry */
export type KernelSet = (typeof kernelSets)[number];

const neuronConfigs: readonly KernelConfig[] = [
  { kernelName: NEURON_FORWARD, backendName: 'cpu', kernelFunc: neuronForwardCpu },
  { kernelName: NEURON_BACKWARD, backendName: 'cpu', kernelFunc: neuronBackwardCpu },
  { kernelName: NEURON_FORWARD, backendName: 'wasm', kernelFunc: neuronForwardWasm },
  { kernelName: NEURON_BACKWARD, backendName: 'wasm', kernelFunc: neuronBackwardWasm },
  ...lifWebglConfigs,
];

const ALL: ReadonlyArray<{ readonly set: KernelSet; readonly config: KernelConfig }> = [
  ...[
    ...conv2DBackpropFilterConfigs,
    ...conv2DBackpropInputConfigs,
    ...maxPoolGradConfigs,
    ...maxPoolConfigs,
    ...sliceWasmConfigs,
    ...identityWasmConfigs,
    ...batchNormConfigs,
    ...transposeWasmConfigs,
    ...conv2dFilterGradNchwConfigs,
    ...conv2dNchwConfigs,
    ...batchMatMulWasmConfigs,
  ].map((c) => ({ set: 'overrides' as const, config: markFast({ ...c }) })),
  ...neuronConfigs.map((c) => ({ set: 'neurons' as const, config: markFast({ ...c }) })),
];

// (backend, set) → true after register, false after unregister; absent = never asked (ensureRegistered registers).
const CHOSEN = Symbol.for('@spikefn/kernels#chosen');

function chosen(): Map<string, boolean> {
  const g = globalThis as unknown as Record<symbol, Map<string, boolean> | undefined>;
  let m = g[CHOSEN];
  if (m === undefined) {
    m = new Map();
    g[CHOSEN] = m;
  }
  return m;
}

const setKey = (backendName: string, set: KernelSet): string => `${backendName}/${set}`;

function checkSets(fn: string, sets: readonly KernelSet[]): void {
  for (const s of sets)
    if (!(kernelSets as readonly string[]).includes(s))
      throw new Error(`${fn}: sets: expected a list of ${kernelSets.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(s)}`);
}

/**
 * The kernels spikefn has for a backend (all sets, or those given), whether registered or not; empty for a backend
 * it has none for.
 *
 * @category registry
 */
export function kernelNames(backendName: string, sets: readonly KernelSet[] = kernelSets): readonly string[] {
  checkSets('kernelNames', sets);
  return ALL.filter((e) => e.config.backendName === backendName && sets.includes(e.set)).map((e) => e.config.kernelName);
}

/**
 * Registers spikefn's kernels (all sets, or those given) for `backendName` (default: the current backend,
 * `tf.getBackend()`), replacing stock ones, which are kept for {@link unregister}, and registers the fused neuron
 * forward's gradient. Idempotent; creates no tensors. Returns the kernel names that are now spikefn's for that backend
 * (empty for a backend spikefn has no kernels for, e.g. `'tensorflow'`).
 *
 * @category registry
 */
export function register(backendName: string = tf.getBackend(), sets: readonly KernelSet[] = kernelSets): readonly string[] {
  checkSets('register', sets);
  const names: string[] = [];
  for (const { set, config } of ALL) {
    if (config.backendName !== backendName || !sets.includes(set)) continue;
    if (!isFast(tf.getKernel(config.kernelName, backendName))) override(config);
    names.push(config.kernelName);
  }
  if (sets.includes('neurons') && tf.getGradient(NEURON_FORWARD) === undefined) tf.registerGradient(neuronGradConfig);
  if (sets.includes('overrides') && tf.getGradient(BATCH_NORM_FORWARD) === undefined) tf.registerGradient(batchNormGradConfig);
  if (sets.includes('overrides') && tf.getGradient(CONV2D_NCHW) === undefined) tf.registerGradient(conv2dNchwGradConfig);
  for (const s of sets) chosen().set(setKey(backendName, s), true);
  return names;
}

/**
 * Puts back the stock kernels that {@link register} replaced on `backendName` (all sets, or those given); a kernel
 * stock tfjs lacks (wasm's Conv2DBackpropFilter, the fused neuron kernels) is removed. {@link ensureRegistered}
 * leaves the backend alone afterwards. Idempotent. Returns the names restored or removed.
 *
 * @category registry
 */
export function unregister(backendName: string, sets: readonly KernelSet[] = kernelSets): readonly string[] {
  checkSets('unregister', sets);
  const names: string[] = [];
  for (const { set, config } of ALL) {
    if (config.backendName !== backendName || !sets.includes(set)) continue;
    if (restore(config.kernelName, backendName)) names.push(config.kernelName);
  }
  for (const s of sets) chosen().set(setKey(backendName, s), false);
  return names;
}

/**
 * Registers every kernel set for `backendName` (default: the current backend) that neither {@link register} nor
 * {@link unregister} has been called for: the lazy path for applications that select a backend with tfjs's own
 * `tf.setBackend`. A map lookup once it has run; creates no tensors.
 *
 * @category registry
 */
export function ensureRegistered(backendName: string = tf.getBackend()): void {
  const m = chosen();
  const open = kernelSets.filter((s) => !m.has(setKey(backendName, s)));
  if (open.length > 0) register(backendName, open);
}

/** Whether spikefn's kernel is the one registered for (`kernelName`, `backendName`). @category registry */
export function isRegistered(kernelName: string, backendName: string): boolean {
  return isFast(tf.getKernel(kernelName, backendName));
}

/**
 * Whether spikefn's `kernelName` runs on `backendName` (default: the current backend), after
 * {@link ensureRegistered}: false where spikefn has no such kernel for that backend or the application unregistered it.
 *
 * @category registry
 */
export function hasKernel(kernelName: string, backendName: string = tf.getBackend()): boolean {
  ensureRegistered(backendName);
  return isRegistered(kernelName, backendName);
}

/**
 * Whether the fused neuron kernels (`SpikefnNeuronForward` and `SpikefnNeuronBackward`) run on `backendName`
 * (default: the current backend), after {@link ensureRegistered}. What the neurons ask before taking the fused path.
 *
 * @category registry
 */
export function hasNeuronKernels(backendName: string = tf.getBackend()): boolean {
  return hasKernel(NEURON_FORWARD, backendName) && isRegistered(NEURON_BACKWARD, backendName);
}
