/**
 * `@spikefn/layers`: the layers of SpikingJelly's clock-driven `layer` module as pure layers on `@spikefn/core`,
 * and the plain ANN layers around them (linear, conv2d, batch norm, pooling, flatten).
 *
 * Every constructor takes a `…Config` record and returns a `Layer<Params, State>`: `init(key)`,
 * `initialState(params, inputShape, key)`, `step(params, state, x, ctx)` and `outputShape`.
 *
 * @packageDocumentation
 */
export { linear, linearApply, type LinearConfig, type LinearParams } from './linear.js';
export {
  conv2d,
  conv2dApply,
  conv2dGeometry,
  conv2dOutputShape,
  conv2dWeightGrad,
  type Conv2dConfig,
  type Conv2dParams,
  type Conv2dGeometry,
  type Pair,
} from './conv2d.js';
export { batchNorm1d, batchNorm2d, type BatchNormConfig, type BatchNormParams, type BatchNormState } from './batch-norm.js';
export {
  convBatchNorm2d,
  fuse,
  fusedWeight,
  fusedBias,
  scaleFusedWeight,
  scaleFusedBias,
  type ConvBatchNorm2dConfig,
  type ConvBatchNorm2dParams,
  type ConvBatchNorm2dState,
} from './conv-batchnorm2d.js';
export { maxPool2d } from './max-pool2d.js';
export { avgPool2d } from './avg-pool2d.js';
export type { Pool2dConfig, PoolMode } from './pool2d.js';
export { flatten, type FlattenConfig } from './flatten.js';
export { dropout, dropout2d, multiStepDropout, multiStepDropout2d, dropoutMask, type DropoutState } from './dropout.js';
export {
  dropConnectLinear,
  dropConnectMasks,
  dropConnectApply,
  dropConnectMoments,
  dropConnectInfer,
  type DropConnectLinearConfig,
  type DropConnectLinearParams,
  type DropConnectLinearState,
  type DropConnectMasks,
  type Activation,
} from './dropconnect-linear.js';
export { neuNorm, neuNormCoefficients, neuNormStep, type NeuNormConfig, type NeuNormParams, type NeuNormState } from './neunorm.js';
export { dct, inverseDct, dctMatrix, type DctConfig } from './dct.js';
export { axat, axatApply, type AxatConfig, type AxatParams } from './axat.js';
export {
  synapseFilter,
  synapseFilterStep,
  type SynapseFilterConfig,
  type SynapseFilterParams,
  type SynapseFilterState,
} from './synapse-filter.js';
export { channelsPool, type ChannelsPoolConfig } from './channels-pool.js';
export { printShape } from './print-shape.js';
export {
  spikingLstmCell,
  spikingLstm,
  type SpikingLstmCellConfig,
  type SpikingLstmConfig,
  type GatedSurrogates,
} from './spiking-rnn/lstm.js';
export { spikingGruCell, spikingGru, type SpikingGruCellConfig, type SpikingGruConfig } from './spiking-rnn/gru.js';
export {
  spikingVanillaRnnCell,
  spikingVanillaRnn,
  type SpikingVanillaRnnCellConfig,
  type SpikingVanillaRnnConfig,
  type VanillaSurrogate,
} from './spiking-rnn/vanilla-rnn.js';
export type {
  SpikingRnnCellParams,
  SpikingRnnCellState,
  SpikingLstmCellState,
  SpikingRnnCellBaseConfig,
} from './spiking-rnn/cell.js';
export type { SpikingRnnParams, SpikingRnnState, SpikingLstmState, SpikingRnnBaseConfig, InterLayer } from './spiking-rnn/stack.js';
