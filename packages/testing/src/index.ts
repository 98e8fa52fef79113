/**
 * `@spikefn/testing`: fast-check arbitraries and reusable laws for spiking layers, for spikefn's own tests and for
 * users who property-test their layers.
 *
 * @packageDocumentation
 */
export {
  keyArb,
  shapeArb,
  timeBatchShapeArb,
  floatData,
  spikeData,
  withShape,
  toTensor,
  MAX_T,
  MAX_BATCH,
  MAX_FEATURES,
  type TensorData,
} from './arbitraries.js';
export { exact, assertTreesClose, leakedBy, leakedByFailure, type Tol } from './assert.js';
export {
  determinism,
  chunkingInvariance,
  resetIsInitialState,
  batchIndependence,
  carryKeepsShape,
  noLeak,
  noLeakOnError,
  checkLayerLaws,
  sequenceInputs,
  testKey,
  type Subject,
  type LawOptions,
} from './laws.js';
