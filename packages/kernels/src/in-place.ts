/**
 * The kernels that exist for tfjs's wasm heap shared with spikefn's kernel threads (`setBackend('wasm')` of
 * `@spikefn/core` in Node), gathered in one module so that the package's `browser` field can leave them out of browser
 * bundles (./in-place.browser.ts): there a page's heap is not shared unless it is cross-origin isolated, and even then
 * spikefn has no kernel threads, so these kernels would fall back to tfjs's or the layers' other paths anyway. In a
 * browser bundle the wasm `BatchMatMul` is tfjs's own and the two NCHW convolution kernels are not registered (their
 * predicates say false, so `conv2d` takes its other paths).
 *
 * @module
 */
export { batchMatMulTuning, batchMatMulWasmConfigs, takesBatchMatMul } from './batch-matmul-wasm.js';
export {
  CONV2D_FILTER_GRAD_NCHW,
  type Conv2dFilterGradNchwAttrs,
  conv2dFilterGradNchwConfigs,
  filterGradNchwInPlace,
} from './conv2d-filter-nchw.js';
export { CONV2D_NCHW, type Conv2dNchwAttrs, conv2dNchwConfigs, conv2dNchwGradConfig, conv2dNchwInPlace } from './conv2d-nchw-forward.js';
