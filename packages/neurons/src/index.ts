/**
 * `@spikefn/neurons`: spiking neurons as pure layers on `@spikefn/core`, with surrogate gradients and fused
 * multi-step kernels (registered lazily for the `cpu`, `wasm` and `webgl` backends). Every neuron is built on the open
 * model {@link neuron} (a record of pure charge / fire / reset functions over a state record of any keys); ALIF
 * ({@link alifNode}), CubaLIF ({@link cubaLifNode}), Izhikevich ({@link izhikevichNode}) and the LI readout
 * ({@link liNode}) come from their papers and NIR.
 *
 * | SpikingJelly | spikefn |
 * |---|---|
 * | `IFNode` / `MultiStepIFNode` | {@link ifNode} |
 * | `LIFNode` / `MultiStepLIFNode` | {@link lifNode} |
 * | `ParametricLIFNode` / `MultiStepParametricLIFNode` | {@link plifNode} |
 * | `QIFNode` | {@link qifNode} |
 * | `EIFNode` / `MultiStepEIFNode` | {@link eifNode} |
 * | `surrogate.*` | {@link sigmoid}, {@link atan}, {@link piecewiseQuadratic}, {@link piecewiseExp}, {@link softSign}, {@link nonzeroSignLogAbs}, {@link erf}, {@link piecewiseLeakyRelu}, {@link squarewaveFourierSeries}, or your own with {@link surrogate} |
 *
 * @packageDocumentation
 */
export { ifNode, ifRecord, type IfConfig, type IfParams } from './if.js';
export { lifNode, lifRecord, type LifConfig, type LifParams } from './lif.js';
export { plifNode, plifRecord, plifWeight, type PlifConfig, type PlifParams } from './plif.js';
export { qifNode, type QifConfig, type QifParams } from './qif.js';
export { eifNode, type EifConfig, type EifParams } from './eif.js';
export { alifNode, type AlifConfig, type AlifParams, type AlifState, type AlifCharged, type AlifLayer } from './alif.js';
export {
  cubaLifNode,
  type CubaLifConfig,
  type CubaLifParams,
  type CubaLifState,
  type CubaLifCharged,
  type CubaLifLayer,
} from './cuba-lif.js';
export { izhikevichNode, type IzhikevichConfig, type IzhikevichParams, type IzhikevichState, type IzhikevichLayer } from './izhikevich.js';
export { liNode, type LiConfig, type LiParams, type LiState, type LiLayer } from './li.js';
export {
  neuron,
  type NeuronDynamics,
  type FusedForms,
  type ModelLayer,
  type ModelRecord,
  type StateRecord,
} from './model.js';
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
