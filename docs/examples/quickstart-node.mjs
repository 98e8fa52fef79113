import * as tf from '@spikefn/core/tf';
import { evalCtx, key, multiStep, seqToANN, sequential, setBackend, split, uniform } from '@spikefn/core';
import { linear } from '@spikefn/layers';
import { poisson } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';

await setBackend('wasm'); // in Node, the fast one: XNNPACK and spikefn's SIMD kernels on every core
const [kInit, kData, kRun] = split(key(0), 3);
const net = sequential({ fc: seqToANN(linear({ inFeatures: 784, outFeatures: 10 })), lif: multiStep(lifNode({ vThreshold: 0.5 })) });
const params = net.init(kInit);
const xs = poisson(kData, uniform(kData, [32, 784]), 8); // [T=8, B=32, 784] Poisson spikes
const state = net.initialState(params, xs.shape, kRun); // resetting = using this value again
const [, spikes] = net.step(params, state, xs, evalCtx(kRun)); // spikes: [8, 32, 10]
console.log(`output spikes ${spikes.shape.join('x')}, firing rate ${(await tf.mean(spikes).data())[0]?.toFixed(3)}`);
