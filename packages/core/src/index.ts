/**
 * `@spikefn/core`: the functional core of spikefn. Layers are records of pure functions
 * (`init`, `initialState`, `step`, `outputShape`), time is a {@link scan}, randomness comes from explicit
 * {@link Key}s and parameters and states are {@link Tree}s of tensors.
 *
 * TensorFlow.js itself is reached through the second entry point, `@spikefn/core/tf` (tfjs-core with its
 * gradients registered).
 *
 * @packageDocumentation
 * @module @spikefn/core
 */
export { setBackend, getBackend, backendNames, BackendUnavailableError, type BackendName, type SetBackendOptions } from './backend.js';
export { getWasmThreads, maxWasmThreads } from './wasm-threads.js';
export { key, isKey, checkKey, foldIn, split, split2, type Key, type Keys } from './key.js';
export { uniform, normal, bernoulli, bernoulliLike, uniformArray } from './random.js';
export { kaimingUniform, fanInUniform } from './init.js';
export {
  empty as emptyTree,
  leaves as treeLeaves,
  leafNames as treeLeafNames,
  flattenWithPaths as treeFlattenWithPaths,
  unflatten as treeUnflatten,
  map as treeMap,
  zipWith as treeZipWith,
  dispose as treeDispose,
  disposeExcept as treeDisposeExcept,
  clone as treeClone,
  size as treeSize,
  type Tree,
  type Empty as EmptyTree,
} from './tree.js';
export {
  SpikefnArgumentError,
  showShape,
  finite as checkFinite,
  positive as checkPositive,
  positiveInt as checkPositiveInt,
  nonNegativeInt as checkNonNegativeInt,
  probability as checkProbability,
  dropProbability as checkDropProbability,
  oneOf as checkOneOf,
  rank as checkRank,
  minRank as checkMinRank,
  dim as checkDim,
  sameShape as checkSameShape,
  validShape as checkShape,
  type Shape,
} from './validate.js';
export {
  stateless,
  evalCtx,
  trainCtx,
  checkCtx,
  tidyStep,
  type Ctx,
  type Layer,
  type AnyLayer,
  type ParamsOf,
  type StateOf,
} from './layer.js';
export { scan, scanLayer, runSequence, type ScanBody, type ScanOptions, type RunSequenceOptions } from './scan.js';
export { sequential, type SequentialParams, type SequentialState } from './sequential.js';
export { multiStep } from './multi-step.js';
export { seqToANN } from './seq-to-ann.js';
export { elementWiseRecurrent, type ElementWise, type ElementWiseRecurrentState } from './element-wise-recurrent.js';
export { linearRecurrent, type LinearRecurrentParams, type LinearRecurrentState } from './linear-recurrent.js';
export { tap, type Logger } from './tap.js';
export { monitor, type Monitored, type Probe, type Recorded, type LayerRecords, type SequentialRecords } from './monitor.js';
export {
  checkNumerics,
  setNumericsCheck,
  numericsCheckEnabled,
  firstNonFinite,
  NumericsError,
  type NumericsPass,
  type NumericsLocation,
  type NumericsErrorDetails,
  type NonFinite,
} from './numerics.js';
export { numericsGuard } from './numerics-layer.js';
export { setWarningHandler, warn, type SpikefnWarning, type WarningHandler } from './warnings.js';
