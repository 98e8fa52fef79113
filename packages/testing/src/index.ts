/**
 * `@spikefn/testing`: fast-check arbitraries and reusable laws for spiking layers, for spikefn's own tests and for
 * users who property-test their layers.
 *
 * @category index
 */
export * from './arbitraries.js';
export * from './assert.js';
export * from './laws.js';
