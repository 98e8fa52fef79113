// Every benchmark suite. Add one line per suite file.
import type { BenchSuite } from '../suite.js';
import { suite as bandwidth } from './bandwidth.js';
import { suite as cnnKernels } from './cnn-kernels.js';
import { cnnTrainStep } from './cnn-train-step.js';
import { suite as lif } from './lif.js';
import { suite as lifBrowser } from './lif-browser.js';
import { suite as scanMemory } from './scan-memory.js';
import { suite as seedLayers } from './seed-layers.js';
import { suite as wasmThreads } from './wasm-threads.js';

export const suites: readonly BenchSuite[] = [bandwidth, cnnKernels, cnnTrainStep, lif, lifBrowser, scanMemory, seedLayers, wasmThreads];
