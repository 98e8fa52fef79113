/**
 * A TypeScript user of every public entry point of spikefn, type-checked (never run) by tools/pack/run.ts against the
 * packed `.d.ts` files under several consumer tsconfigs. It uses no Node globals, so that the tsconfig of
 * `tsc --init` (`"types": []`) checks it too. The `@ts-expect-error` lines prove the types are real (not `any`).
 */
import {
  evalCtx,
  key,
  runSequence,
  sequential,
  setBackend,
  trainCtx,
  treeDispose,
  type BackendName,
  type Key,
  type Layer,
  type Tree,
} from '@spikefn/core';
import type * as tf from '@spikefn/core/tf';
import { expNonPositive, kernelNames, register, unregister, type KernelSet } from '@spikefn/kernels';
import { fromNir, readNir, type NirGraph } from '@spikefn/nir';
import type { Tensor as TfjsTensor } from '@tensorflow/tfjs-core';
import { lifNode, sigmoid, type LifConfig, type NeuronLayer, type LifParams, type NeuronState } from '@spikefn/neurons';
import { linear, synapseFilter, type LinearConfig, type LinearParams } from '@spikefn/layers';
import {
  adam,
  decodeCheckpoint,
  encodeCheckpoint,
  optimizerStep,
  rateMse,
  valueAndGradTree,
  type AdamState,
  type Checkpoint,
  type Optimizer,
} from '@spikefn/learning';
import { keyArb, type Subject } from '@spikefn/testing';
import { loadCheckpoint, progressBar, saveCheckpoint, type ProgressBar } from '@spikefn/node';

const backend: BackendName = 'wasm';
const lifConfig: LifConfig = { tau: 2, vThreshold: 1, vReset: null, surrogate: sigmoid(4) };
const neuron: NeuronLayer<LifParams> = lifNode(lifConfig);
const fcConfig: LinearConfig = { inFeatures: 3, outFeatures: 2, bias: true };
const net = sequential({ fc: linear(fcConfig), lif: neuron });
type NetParams = ReturnType<typeof net.init>;

// A spikefn tensor is tfjs-core's tensor.
const asTfjs = (t: tf.Tensor): TfjsTensor => t;

/** Trains `net` for `steps` Adam steps on one batch; returns the last loss. */
export async function train(xs: tf.Tensor3D, labels: tf.Tensor1D, steps: number, seed: Key = key(0)): Promise<number> {
  await setBackend(backend, { fastKernels: true });
  const opt: Optimizer<AdamState> = adam({ lr: 1e-3, beta1: 0.9, weightDecay: 0 });
  let params: NetParams = net.init(seed);
  let state: AdamState = opt.init(params);
  let last = Number.NaN;
  for (let i = 0; i < steps; i++) {
    const { value, grads } = valueAndGradTree((p: NetParams) => {
      const [, spikes] = runSequence(net, p, net.initialState(p, [xs.shape[1], xs.shape[2]], seed), xs, trainCtx(seed));
      return rateMse(spikes, labels);
    }, params);
    [params, state] = optimizerStep(opt, grads, state, params);
    last = (await value.data())[0] ?? Number.NaN;
    value.dispose();
  }
  const weight: tf.Tensor = params.fc.weight;
  const fcParams: LinearParams = params.fc;
  asTfjs(weight);
  treeDispose([fcParams, state]);
  return last;
}

/** One LIF step and a synapse filter, with the state types spelt out. */
export function filtered(x: tf.Tensor2D): tf.Tensor {
  const state: NeuronState = neuron.initialState({}, x.shape, key(1));
  const [next, spikes] = neuron.step({}, state, x, evalCtx(key(1)));
  const filter: Layer<{ readonly w?: tf.Tensor }, { readonly i: tf.Tensor }> = synapseFilter({ tau: 4 });
  const [, current] = filter.step({}, filter.initialState({}, spikes.shape, key(2)), spikes, evalCtx(key(2)));
  next.v.dispose();
  return current;
}

/** Checkpoint bytes and files. */
export function roundTrip(trees: Readonly<Record<string, Tree>>, path: string): Checkpoint | undefined {
  const bytes: Uint8Array = encodeCheckpoint({ meta: { note: 'typed' }, trees });
  const decoded = decodeCheckpoint(bytes);
  saveCheckpoint(path, { meta: null, trees });
  const loaded = loadCheckpoint(path);
  return decoded._tag === 'Right' && loaded._tag === 'Right' ? loaded.right : undefined;
}

export const subject: Subject<LifParams, NeuronState> = { name: 'lif', layer: neuron, params: {}, training: false };
export const keys = keyArb();
export const bar: ProgressBar = progressBar({ total: 10, label: 'epoch', stream: { write: () => true }, tty: false });

/** `@spikefn/kernels`: stock against spikefn kernels, as the benchmarks compare them. */
export function kernelsFor(backendName: string, stock: boolean): readonly string[] {
  const sets: readonly KernelSet[] = ['overrides'];
  if (stock) unregister(backendName, sets);
  else register(backendName, sets);
  return kernelNames(backendName, sets);
}
export const e: number = expNonPositive(-1);

// The types are real: each misuse below must be an error.
// @ts-expect-error tau is a number
lifNode({ tau: '2' });
// @ts-expect-error setBackend takes a backend name string
setBackend(1);
// @ts-expect-error linear needs outFeatures
linear({ inFeatures: 3 });
// @ts-expect-error the kernel sets are 'overrides' and 'neurons'
register('cpu', ['fast']);

// @spikefn/nir: bytes in, a graph, then a layer.
export async function nirLayer(bytes: Uint8Array) {
  const graph: NirGraph = await readNir(bytes);
  return fromNir(graph, { dt: 1e-3 });
}
