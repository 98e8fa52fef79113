/**
 * `printShape`: SpikingJelly's `layer.PrintShapeModule`, an identity layer for debugging that reports a label and
 * the input's shape on every step:
 *
 *   y = x,   logger(label, x.shape)
 *
 * The logger is injectable (`(message, shape) => void`, default `console.log`), so tests and applications can
 * collect the reports instead of printing them. It is the core's `tap` combinator under its SpikingJelly name; the
 * default label is `'PrintShapeModule'` (the seed's `ext_str`).
 *
 * @category layers
 */
import { tap, type EmptyTree, type Layer, type Logger } from '@spikefn/core';

/** SpikingJelly's `PrintShapeModule`: `y = x`, reporting `label` and `x.shape` to `logger` on every step. */
export const printShape = (label = 'PrintShapeModule', logger?: Logger): Layer<EmptyTree, EmptyTree> =>
  logger === undefined ? tap(label) : tap(label, logger);
