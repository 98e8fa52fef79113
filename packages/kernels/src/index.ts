/**
 * `@spikefn/kernels`: every TensorFlow.js kernel spikefn registers, and the one module that changes tfjs's kernel and
 * gradient registries ({@link register}). Fast conv, pooling, slicing and identity kernels for the `cpu` and `wasm`
 * backends; the fused multi-step neuron kernels (forward, backward, gradient) for `cpu` and `wasm`; the LIF forward
 * shader for `webgl`. The neuron loops of `cpu` and `wasm` run in WebAssembly SIMD where the engine has it
 * ({@link simdActive}), their JavaScript twins otherwise. `setBackend` of `@spikefn/core` registers them;
 * applications that use tfjs's own `tf.setBackend` get them lazily ({@link ensureRegistered}).
 *
 * @packageDocumentation
 * @module @spikefn/kernels
 */
export {
  register,
  unregister,
  ensureRegistered,
  isRegistered,
  hasKernel,
  hasNeuronKernels,
  kernelNames,
  kernelSets,
  type KernelSet,
} from './registry.js';
export { stockKernel } from './stock.js';
export { BATCH_NORM_FORWARD, BATCH_NORM_BACKWARD, type BatchNormAttrs } from './batch-norm.js';
export { kernelTuning } from './tuning.js';
export {
  CONV2D_FILTER_GRAD_NCHW,
  filterGradNchwInPlace,
  type Conv2dFilterGradNchwAttrs,
  CONV2D_NCHW,
  conv2dNchwInPlace,
  type Conv2dNchwAttrs,
  batchMatMulTuning,
  takesBatchMatMul,
} from './in-place.js';
export { expNonPositive, EXP_FRAC, EXP_INT, EXP_SCALE, EXP_STEP, EXP_Y_MIN } from './exp.js';
export { NEURON_FORWARD, NEURON_BACKWARD, NEURON_BACKENDS, type NeuronAttrs } from './neuron/attrs.js';
export type { FormCode, SurrogateHint } from './neuron/loops.js';
export { surrogateDerivativeId } from './neuron/surrogates.js';
export { LIF_FORWARD_WEBGL, lifWebglChunkLength, type LifWebglAttrs } from './neuron/lif-webgl.js';
export { getKernelThreads, MAX_KERNEL_THREADS, setKernelThreads, setSimdEnabled, simdActive, simdSupported } from './simd/module.js';
export { measureBandwidth, type Bandwidth, type BandwidthOptions } from './simd/bandwidth.js';
