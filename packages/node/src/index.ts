/**
 * `@spikefn/node`: the Node-only pieces of spikefn: the MNIST digits of the `mnist` package as typed arrays, IDX
 * files and MNIST-format datasets (MNIST, Fashion-MNIST) with their official splits, event-camera files (N-MNIST,
 * DVS128 Gesture) and frames from events,
 * checkpoint files, and a progress bar for terminals.
 *
 * @packageDocumentation
 */
export {
  loadMnist,
  mnistDigitsDir,
  permutation,
  subset,
  trainTestSplit,
  batches,
  MnistUnavailableError,
  PIXELS,
  CLASSES,
  type Digits,
  type Batch,
} from './mnist.js';
export {
  decodeIdx,
  encodeIdx,
  readIdx,
  IdxFormatError,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type IdxReadOptions,
} from './idx.js';
export {
  loadIdxDataset,
  loadFashionMnist,
  validationSplit,
  DatasetUnavailableError,
  FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  type ImageDataset,
  type IdxDatasetOptions,
} from './datasets.js';
export {
  decodeNMnist,
  readNMnist,
  decodeAedat31,
  readAedat31,
  parseGestureLabels,
  readGestureLabels,
  sliceEvents,
  EventFileError,
  NMNIST_SIZE,
  DVS128_SIZE,
  type Events,
  type GestureLabel,
  type SensorSize,
} from './events.js';
export {
  integrateEvents,
  integrateEventsByDuration,
  eventFrames,
  frameSegments,
  type FrameOptions,
  type SplitBy,
} from './event-frames.js';
export { saveCheckpoint, loadCheckpoint, loadCheckpointOrThrow, removeStaleCheckpointTemps } from './checkpoint.js';
export {
  progressBar,
  formatDuration,
  type ProgressBar,
  type ProgressOptions,
  type ProgressMetrics,
  type ProgressStream,
} from './progress.js';
