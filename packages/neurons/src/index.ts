/**
 * `@spikefn/neurons`: spiking neurons as pure layers on `@spikefn/core`, with surrogate gradients and fused
 * multi-step kernels (registered lazily for the `cpu`, `wasm` and `webgl` backends).
 *
 * | SpikingJelly | spikefn |
 * |---|---|
 * | `IFNode` / `MultiStepIFNode` | {@link ifNode} |
 * | `LIFNode` / `MultiStepLIFNode` | {@link lifNode} |
 * | `ParametricLIFNode` / `MultiStepParametricLIFNode` | {@link plifNode} |
 * | `surrogate.*` | {@link sigmoid}, {@link atan}, {@link piecewiseQuadratic}, {@link piecewiseExp}, {@link softSign}, {@link nonzeroSignLogAbs}, {@link erf}, {@link piecewiseLeakyRelu}, {@link squarewaveFourierSeries}, or your own with {@link surrogate} |
 *
 * @packageDocumentation
 */
export { ifNode, ifRecord, type IfConfig, type IfParams } from './if.js';
export { lifNode, lifRecord, type LifConfig, type LifParams } from './lif.js';
export { plifNode, plifRecord, plifWeight, type PlifConfig, type PlifParams } from './plif.js';
export type { BaseConfig as NeuronConfig, BaseSettings as NeuronSettings, NeuronState, NeuronRecord, NeuronLayer } from './neuron.js';
export {
  surrogate,
  isSurrogate,
  heaviside,
  sigmoid,
  atan,
  piecewiseQuadratic,
  piecewiseExp,
  softSign,
  erf,
  piecewiseLeakyRelu,
  type PiecewiseLeakyReluOptions,
  type Surrogate,
  type Definition as SurrogateDefinition,
} from './surrogate.js';
export { nonzeroSignLogAbs, squarewaveFourierSeries } from './surrogate-extra.js';
export { builtins as surrogates } from './surrogate-builtins.js';
