/**
 * The browser build of ./in-place.ts (the package's `browser` field maps one to the other): the same exports, with no
 * kernels behind them (see ./in-place.ts for why). The compiler checks that the exports match.
 *
 * @module
 */
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';

export type { Conv2dFilterGradNchwAttrs } from './conv2d-filter-nchw.js';
export type { Conv2dNchwAttrs } from './conv2d-nchw-forward.js';

/** As ./batch-matmul-wasm.ts (no effect here). */
export const batchMatMulTuning = { minMacs: 1 << 14, untransposed: false };
/** None in a browser bundle. */
export const batchMatMulWasmConfigs: readonly KernelConfig[] = [];
/** No product is taken in a browser bundle. */
export const takesBatchMatMul = (_M: number, _N: number, _K: number, _transposeA: boolean, _transposeB: boolean): boolean => false;

/** As ./conv2d-filter-nchw.ts. */
export const CONV2D_FILTER_GRAD_NCHW = 'SpikefnConv2dFilterGradNchw';
/** None in a browser bundle. */
export const conv2dFilterGradNchwConfigs: readonly KernelConfig[] = [];
/** Never in place in a browser bundle. */
export const filterGradNchwInPlace = (): boolean => false;

/** As ./conv2d-nchw-forward.ts. */
export const CONV2D_NCHW = 'SpikefnConv2dNchw';
/** None in a browser bundle. */
export const conv2dNchwConfigs: readonly KernelConfig[] = [];
/** The gradient of a kernel that is not registered here: never called. */
export const conv2dNchwGradConfig: GradConfig = {
  kernelName: CONV2D_NCHW,
  gradFunc: () => {
    throw new Error(`${CONV2D_NCHW} is not in spikefn's browser build`);
  },
};
/** Never in place in a browser bundle. */
export const conv2dNchwInPlace = (): boolean => false;

// The same runtime exports as ./in-place.ts, with the same types.
void ({
  batchMatMulTuning,
  batchMatMulWasmConfigs,
  takesBatchMatMul,
  CONV2D_FILTER_GRAD_NCHW,
  conv2dFilterGradNchwConfigs,
  filterGradNchwInPlace,
  CONV2D_NCHW,
  conv2dNchwConfigs,
  conv2dNchwGradConfig,
  conv2dNchwInPlace,
} satisfies typeof import('./in-place.js'));
