/**
 * `printShape`: SpikingJelly's `layer.PrintShapeModule`, an identity layer for debugging that reports a label and
 * the input's shape on every step:
 *
 *   y = x,   logger(label, x.shape)
 *
 * The logger is injectable (`(message, shape) => void`, default `console.log`), so tests and applications can
 * collect the reports instead of printing them. It lives in the core as `tap` (a combinator other packages use);
 * this module gives it its SpikingJelly name among the layers. The default label is `'PrintShapeModule'` (the
 * seed's `ext_str`).
 *
 * @category layers
 */
export { printShape, tap, type Logger } from '@spikefn/core/tap';
