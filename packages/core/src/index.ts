/**
 * `@spikefn/core`: the functional core. Each module is also its own entry point (`@spikefn/core/scan`); this
 * index gathers them as namespaces, not as one flat list.
 *
 * @category index
 */
export * as Backend from './backend.js';
export * as Init from './init.js';
export * as Keys from './key.js';
export * as Random from './random.js';
export * as Tree from './tree.js';
export * as Validate from './validate.js';
export type { AnyLayer, Ctx, Layer, ParamsOf, StateOf } from './layer.js';
export { evalCtx, stateless, tidyStep, trainCtx } from './layer.js';
export { key, foldIn, split, type Key } from './key.js';
export { runSequence, scan, scanLayer, type ScanBody, type ScanOptions } from './scan.js';
export { sequential } from './sequential.js';
export { multiStep } from './multi-step.js';
export { seqToANN } from './seq-to-ann.js';
export { elementWiseRecurrent, type ElementWise } from './element-wise-recurrent.js';
export { linearRecurrent } from './linear-recurrent.js';
export { printShape, tap, type Logger } from './tap.js';
export { setBackend, type BackendName } from './backend.js';
export { SpikefnArgumentError } from './validate.js';
