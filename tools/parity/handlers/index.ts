// Registers every parity handler. One file per fixture family; add new ones here.
export {};
import './layers.js';
import './neurons.js';
import './containers.js';
import './stdp.js';
