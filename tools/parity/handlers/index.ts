import './layers.js';
import './neurons.js';
import './containers.js';
import './stdp.js';
