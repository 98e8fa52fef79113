/**
 * `@spikefn/learning`: training on `@spikefn/core`: gradients over parameter trees, optimisers and learning-rate
 * schedules, losses on spike outputs, input encoders, STDP, a checkpoint format and SVG plots.
 *
 * @packageDocumentation
 */
export { valueAndGradTree, valueAndGradTreeAux, gradTree, clipByGlobalNorm, type ValueAndGrad, type ValueAndGradAux } from './grad.js';
export { crossEntropy, firingRate, rateCrossEntropy, rateMse, tetLoss, predict, type Labels } from './losses.js';
export { poisson, poissonStep, latency, direct, encoderNames, encoderByName, type Encoder } from './encoders.js';
export { step as optimizerStep, readCount, type Optimizer } from './optim/optimizer.js';
export { sgd, type SgdConfig, type SgdState } from './optim/sgd.js';
export { adam, adamw, type AdamConfig, type AdamState } from './optim/adam.js';
export { constant as constantSchedule, stepDecay, cosineDecay, warmup, lrAt, type Schedule, type LearningRate } from './optim/schedule.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  restoreLike,
  CheckpointError,
  FORMAT_VERSION as CHECKPOINT_FORMAT_VERSION,
  SPIKEFN_VERSION,
  type Checkpoint,
  type CheckpointErrorReason,
  type Json,
} from './checkpoint-format.js';
export { lineChartSvg, stackSvg, rasterSvg, type LineChart, type Series, type RasterPanel } from './plot-svg.js';
export {
  stdpLinearStep,
  stdpConv2dStep,
  stdpInitialTraces,
  legacyStdpStep,
  type StdpConfig,
  type StdpConv2dConfig,
  type StdpTraces,
  type LegacyStdpConfig,
  type WeightFn,
} from './stdp.js';
