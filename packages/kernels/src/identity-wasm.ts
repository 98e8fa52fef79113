/**
 * `Identity` for `wasm` that shares the input's buffer instead of copying it.
 *
 * Why it exists: tfjs clones every tensor it saves for a backward pass (`saveTensorsForBackwardMode` runs
 * `Identity`), and tfjs-backend-wasm 4.22's Identity copies the whole buffer, while the cpu backend's shares it
 * (reference count). In one training step of the spiking CNN (T = 8, B = 32) that was 120 copies, 8 % of the wasm
 * step's kernel time (tf.profile). Tensors are immutable and no wasm kernel writes into its inputs, so sharing is
 * safe; it is what wasm's own `Reshape` does. Strings (not on the heap) go to the stock kernel.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { runStock } from './stock.js';

type RefCounting = { incRef(dataId: TensorInfo['dataId']): void };

/** `y = x`, sharing x's buffer (reference-counted). */
export const identityWasm: KernelFunc = (args) => {
  const x = args.inputs['x'] as TensorInfo;
  const backend = args.backend as Partial<RefCounting>;
  if (x.dtype === 'string' || typeof backend.incRef !== 'function') return runStock('Identity', 'wasm', args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

/** The kernel configs of this file. */
export const identityWasmConfigs: readonly KernelConfig[] = [{ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityWasm }];
