/**
 * `@spikefn/neurons`: spiking neurons as pure steps on the core, with surrogate gradients and fused multi-step
 * kernels. Each module is its own entry point (`@spikefn/neurons/lif`); this index gathers them as namespaces.
 *
 * @category index
 */
export * as Surrogate from './surrogate.js';
export * as Neuron from './neuron.js';
export * as If from './if.js';
export * as Lif from './lif.js';
export * as Plif from './plif.js';
export { registerNeuronKernels } from './fused/register.js';
