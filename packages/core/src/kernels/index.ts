/**
 * spikefn's fast tfjs kernels: the one place where spikefn overrides kernels of
 * the `cpu` and `wasm` backends that are missing or slow for training spiking
 * CNNs. Each file says what its kernel computes, how, and what it was measured
 * against (batch B·T = 256, 2-core Node 20, CPU ms, stock → spikefn):
 *
 * | kernel               | cpu                | wasm                      | file |
 * |----------------------|--------------------|---------------------------|------|
 * | Conv2DBackpropFilter | ~128 s → 0.40 s    | missing → 113 ms          | conv2d-backprop-filter.ts |
 * | Conv2DBackpropInput  | 1.14 s → 0.41 s    | 449 → 53 ms               | conv2d-backprop-input.ts |
 * | MaxPoolGrad          | 3.3 s → 87 ms      | 196 → 74 ms (and fixes ties) | max-pool-grad.ts |
 * | Slice, Unpack        | (stock is fine)    | unstack [128, 1e5]: 7.6 s → 20 ms | slice-wasm.ts |
 * | Identity             | (stock shares)     | copy → shared buffer (8 % of a CNN step) | identity-wasm.ts |
 *
 * (conv rows: 3x3 32->32 on [256, 14, 14, 32]; pool: 2x2/2 on [256, 28, 28, 32].)
 *
 * `registerFastKernels()` installs them for a backend and `unregisterFastKernels()`
 * puts the stock kernels back, so benchmarks can compare the two. Both are
 * idempotent. Register after the backend's package has been imported (its
 * import registers the stock kernels, replacing whatever was there).
 * `kernelTuning` (tuning.ts) holds the block sizes and path choices.
 *
 * @category backend
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfigs } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfigs } from './conv2d-backprop-input.js';
import { maxPoolGradConfigs } from './max-pool-grad.js';
import { sliceWasmConfigs } from './slice-wasm.js';
import { identityWasmConfigs } from './identity-wasm.js';
import { isFast, markFast, override, restore } from './stock.js';

const ALL: readonly KernelConfig[] = [
  ...conv2DBackpropFilterConfigs,
  ...conv2DBackpropInputConfigs,
  ...maxPoolGradConfigs,
  ...sliceWasmConfigs,
  ...identityWasmConfigs,
].map((c) => markFast({ ...c }));

/** The fast kernels spikefn has for a backend (empty for backends it has none for). */
export function fastKernelNames(backendName: string): readonly string[] {
  return ALL.filter((c) => c.backendName === backendName).map((c) => c.kernelName);
}

/**
 * Registers spikefn's fast kernels for `backendName` (default: the current
 * backend, `tf.getBackend()`), replacing the stock ones, which are kept for
 * `unregisterFastKernels`. Calling it again is a no-op. Returns the kernel names
 * that are now spikefn's for that backend.
 */
export function registerFastKernels(backendName?: string): readonly string[] {
  const backend = backendName ?? tf.getBackend();
  const names: string[] = [];
  for (const config of ALL) {
    if (config.backendName !== backend) continue;
    const current = tf.getKernel(config.kernelName, backend);
    if (!isFast(current)) override(config);
    names.push(config.kernelName);
  }
  return names;
}

/**
 * Puts back the stock kernels that `registerFastKernels` replaced on
 * `backendName` (a kernel stock tfjs lacks, such as wasm's
 * Conv2DBackpropFilter, is removed again). Returns the names restored.
 */
export function unregisterFastKernels(backendName: string): readonly string[] {
  const names: string[] = [];
  for (const config of ALL) {
    if (config.backendName !== backendName) continue;
    if (restore(config.kernelName, backendName)) names.push(config.kernelName);
  }
  return names;
}

/** Whether spikefn's kernel is the one registered for (kernelName, backendName). */
export function isFastKernelRegistered(kernelName: string, backendName: string): boolean {
  return isFast(tf.getKernel(kernelName, backendName));
}

export { stockKernel } from './stock.js';
export { kernelTuning } from './tuning.js';
export { conv2DBackpropFilterCpu, conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
export { conv2DBackpropInputCpu, conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
export { maxPoolGradCpu, maxPoolGradWasm } from './max-pool-grad.js';
export { sliceWasm, unpackWasm } from './slice-wasm.js';
export { identityWasm } from './identity-wasm.js';
