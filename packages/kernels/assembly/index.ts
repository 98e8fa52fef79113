/**
 * The entry point of spikefn's WebAssembly kernels (built by scripts/build-wasm.mjs into a module that
 * src/simd/generated embeds): the fused neuron over f32x4 and the bandwidth probes. Memory is managed by the loader
 * (src/simd/loader.ts): everything from `heapBase()` up is its to lay out and grow.
 */
export { backward, forward } from './neuron';
export { writeConstants } from './surrogate';
export { copy, triad } from './bandwidth';
export {
  batchNormBackwardSums,
  batchNormBackwardSums1,
  batchNormDx,
  batchNormDx1,
  batchNormNormalise,
  batchNormNormalise1,
  batchNormStats,
  batchNormStats1,
} from './batch-norm';
export { transposeBatched } from './transpose';
export { maxPool2x2, maxPoolGrad2x2 } from './pool';
export { convFilterGrad } from './conv-filter';
export { convForward } from './conv-forward';
export { allFinite, convFilterGradSparse, convForwardSparse, countNonzero } from './conv-sparse';
export { batchMatMul } from './matmul';

/** The first byte the loader may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
