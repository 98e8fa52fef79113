/**
 * `@spikefn/learning`: training on the functional core. Each module is its own entry point
 * (`@spikefn/learning/optim/adam`); this index gathers them as namespaces.
 *
 * @category index
 */
export * as Grad from './grad.js';
export * as Losses from './losses.js';
export * as Encoders from './encoders.js';
export * as Optimizer from './optim/optimizer.js';
export * as Sgd from './optim/sgd.js';
export * as Adam from './optim/adam.js';
export * as Schedule from './optim/schedule.js';
export * as CheckpointFormat from './checkpoint-format.js';
export * as PlotSvg from './plot-svg.js';
export * as Stdp from './stdp.js';
