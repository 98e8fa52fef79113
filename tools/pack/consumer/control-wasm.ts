/**
 * The control bundle of tools/pack/run.ts: browser.ts plus the wasm backend. The strings the run looks for to prove
 * browser.ts's bundle carries no wasm backend must show up here.
 */
import '@tensorflow/tfjs-backend-wasm';
import './browser.js';
