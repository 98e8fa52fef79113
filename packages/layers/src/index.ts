/**
 * `@spikefn/layers`: SpikingJelly's clock-driven `layer` module and the plain ANN layers around it. Each module is
 * its own entry point (`@spikefn/layers/neunorm`); this index gathers them as namespaces, not one flat list.
 *
 * @category index
 */
export * as Axat from './axat.js';
export * as AvgPool2d from './avg-pool2d.js';
export * as BatchNorm from './batch-norm.js';
export * as ChannelsPool from './channels-pool.js';
export * as Conv2d from './conv2d.js';
export * as ConvBatchNorm2d from './conv-batchnorm2d.js';
export * as Dct from './dct.js';
export * as DropConnectLinear from './dropconnect-linear.js';
export * as Dropout from './dropout.js';
export * as Flatten from './flatten.js';
export * as Linear from './linear.js';
export * as MaxPool2d from './max-pool2d.js';
export * as NeuNorm from './neunorm.js';
export * as Pool2d from './pool2d.js';
export * as PrintShape from './print-shape.js';
export * as SynapseFilter from './synapse-filter.js';
