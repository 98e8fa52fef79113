/**
 * `@spikefn/node`: the Node-only pieces of spikefn: the MNIST digits of the `mnist` package as typed arrays,
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
export { saveCheckpoint, loadCheckpoint, loadCheckpointOrThrow } from './checkpoint.js';
export {
  progressBar,
  formatDuration,
  type ProgressBar,
  type ProgressOptions,
  type ProgressMetrics,
  type ProgressStream,
} from './progress.js';
