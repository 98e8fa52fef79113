/**
 * `@spikefn/learning`: training on `@spikefn/core`: gradients over parameter trees, optimisers and learning-rate
 * schedules, losses on spike outputs, input encoders, STDP, a checkpoint format, classification metrics and SVG plots.
 *
 * @packageDocumentation
 */
export {
  valueAndGradTree,
  valueAndGradTreeAux,
  gradTree,
  clipByGlobalNorm,
  type ValueAndGrad,
  type ValueAndGradAux,
  type ClipOptions,
} from './grad.js';
export { allFinite, finiteProbe, nonFiniteLeaves, assertFinite, type NonFiniteLeaf } from './finite.js';
export { checkOptimizerConfig, type OptimizerConfigValues } from './optim-config.js';
export { crossEntropy, firingRate, rateCrossEntropy, rateMse, tetLoss, predict, type Labels } from './losses.js';
export {
  kernelDotProduct,
  spikeSimilarLoss,
  type SimilarityKernel,
  type SimilarityLoss,
  type SpikeSimilarLossOptions,
} from './similarity.js';
export { redundantOneHot } from './label-codes.js';
export { FASHION_MNIST_CLASSES } from './class-names.js';
export { firstSpikeIndex, type FirstSpikeIndexOptions } from './spike-timing.js';
export { spikeCluster, type SpikeClusters } from './spike-cluster.js';
export { thresholdMargin, type ThresholdMarginOptions } from './threshold-margin.js';
export { poisson, poissonStep, latency, direct, encoderNames, encoderByName, type Encoder } from './encoders.js';
export { step as optimizerStep, readCount, asOptimizer, type Optimizer } from './optim/optimizer.js';
export type { GradientTransformation, TransformState } from './optim/transform.js';
export { chain, type ChainState } from './optim/chain.js';
export { applyUpdates } from './optim/apply-updates.js';
export { scale, scaleBySchedule, scaleByLearningRate, type ScaleByScheduleState } from './optim/scale.js';
export { scaleByAdam, type ScaleByAdamConfig, type ScaleByAdamState } from './optim/scale-by-adam.js';
export { addDecayedWeights } from './optim/add-decayed-weights.js';
export { trace, type TraceConfig, type TraceState } from './optim/trace.js';
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
  type CheckpointErrorOptions,
  type CheckpointOptions,
  type Json,
} from './checkpoint-format.js';
export { lineChartSvg, stackSvg, rasterSvg, heatmapSvg, type LineChart, type Series, type RasterPanel, type Heatmap } from './plot-svg.js';
export {
  monitorRasterSvg,
  monitorRasterPanels,
  membraneTraceSvg,
  membraneTraceSeries,
  firingRateSvg,
  firingRateSeries,
  type MonitorRasterOptions,
  type MembraneTraceOptions,
  type FiringRateOptions,
} from './monitor-plots.js';
export {
  accuracy,
  confusionMatrix,
  classMetrics,
  decide,
  ABSTAIN,
  type ConfusionMatrix,
  type ClassMetrics,
  type Decisions,
  type TieRule,
} from './metrics.js';
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
