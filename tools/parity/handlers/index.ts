import './layers.js';
import './neurons.js';
import './containers.js';
import './stdp.js';
import './surrogates.js';
import './functional.js';
import './rnn.js';
import './neurons-more.js';
