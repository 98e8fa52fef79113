// register / unregister / ensureRegistered: what gets registered, idempotence, restoring the stock kernels, the
// lazy path for tfjs's own tf.setBackend, and that neither registering nor the kernels leave tensors or buffers behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from '../src/stock.js';
import { ensureRegistered, hasKernel, hasNeuronKernels, isRegistered, kernelNames, register, unregister } from '../src/registry.js';
import { NEURON_BACKWARD, NEURON_FORWARD } from '../src/neuron/attrs.js';
import { BATCH_NORM_BACKWARD, BATCH_NORM_FORWARD } from '../src/batch-norm.js';
import { initBackends, randomArray, use, withTuning } from './helpers.js';
import type { Backend } from './helpers.js';

beforeAll(initBackends);

const batchNorm = [BATCH_NORM_FORWARD, BATCH_NORM_BACKWARD];
const expected: Record<Backend, string[]> = {
  cpu: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', ...batchNorm],
  wasm: [
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'Identity',
    'MaxPool',
    'MaxPoolGrad',
    'Slice',
    'Transpose',
    'Unpack',
    'SpikefnConv2dFilterGradNchw',
    'BatchMatMul',
    'SpikefnConv2dNchw',
    ...batchNorm,
  ],
};
const neurons = [NEURON_FORWARD, NEURON_BACKWARD];
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe.each<Backend>(['cpu', 'wasm'])('kernel registry on %s', (backend) => {
  it('registers the expected overrides, idempotently, and restores the stock ones', async () => {
    unregister(backend, ['overrides']);
    const before = new Map(expected[backend].map((k) => [k, tf.getKernel(k, backend)]));
    const names = register(backend, ['overrides']);
    expect(sorted(names)).toEqual(sorted(expected[backend]));
    expect(sorted(kernelNames(backend, ['overrides']))).toEqual(sorted(expected[backend]));
    const ours = new Map(expected[backend].map((k) => [k, tf.getKernel(k, backend)]));
    for (const k of expected[backend]) {
      expect(isRegistered(k, backend)).toBe(true);
      expect(ours.get(k)).not.toBe(before.get(k));
      expect(stockKernel(k, backend)).toBe(before.get(k));
    }
    // again: same configs, same names
    expect(sorted(register(backend, ['overrides']))).toEqual(sorted(expected[backend]));
    for (const k of expected[backend]) expect(tf.getKernel(k, backend)).toBe(ours.get(k));

    const restored = unregister(backend, ['overrides']);
    expect(sorted(restored)).toEqual(sorted(expected[backend]));
    for (const k of expected[backend]) {
      expect(tf.getKernel(k, backend)).toBe(before.get(k));
      expect(isRegistered(k, backend)).toBe(false);
    }
    expect(unregister(backend, ['overrides'])).toEqual([]);
    if (backend === 'wasm') expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    register(backend);
  });

  it('register() registers both sets, is idempotent, creates no tensors; unregister() removes the neuron kernels', async () => {
    await use(backend, 'stock');
    const all = sorted([...expected[backend], ...neurons]);
    const tensors = tf.memory().numTensors;
    const first = register(backend);
    const configs = all.map((k) => tf.getKernel(k, backend));
    const gradient = tf.getGradient(NEURON_FORWARD);
    const second = register(backend);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(sorted(first)).toEqual(all);
    expect(sorted(second)).toEqual(all);
    expect(sorted(kernelNames(backend))).toEqual(all);
    for (const [i, k] of all.entries()) expect(tf.getKernel(k, backend), k).toBe(configs[i]);
    expect(gradient).toBeDefined();
    expect(tf.getGradient(NEURON_FORWARD)).toBe(gradient);
    expect(hasNeuronKernels(backend)).toBe(true);

    expect(sorted(unregister(backend, ['neurons']))).toEqual(sorted(neurons));
    for (const k of neurons) expect(tf.getKernel(k, backend)).toBeUndefined();
    expect(hasNeuronKernels(backend)).toBe(false); // unregister is respected by the lazy path
    expect(tf.memory().numTensors).toBe(tensors);
    register(backend);
    expect(hasNeuronKernels(backend)).toBe(true);
  });

  it('defaults to the current backend and registers nothing for unknown backends', async () => {
    await use(backend, 'stock');
    expect(sorted(register(undefined, ['overrides']))).toEqual(sorted(expected[backend]));
    expect(register('no-such-backend')).toEqual([]);
    expect(kernelNames('no-such-backend')).toEqual([]);
    expect(() => register(backend, ['everything' as never])).toThrow(/sets: expected a list of 'overrides', 'neurons'/);
    register(backend);
  });

  it('ensureRegistered registers a backend nobody registered or unregistered, and leaves a chosen one alone', async () => {
    await use(backend, 'spikefn');
    // A chosen backend: unregistering the overrides sticks through ensureRegistered / hasKernel.
    unregister(backend, ['overrides']);
    ensureRegistered(backend);
    expect(isRegistered('MaxPoolGrad', backend)).toBe(false);
    expect(hasKernel('MaxPoolGrad', backend)).toBe(false);
    expect(hasNeuronKernels(backend)).toBe(true);
    register(backend);
    expect(hasKernel('MaxPoolGrad', backend)).toBe(true);
    // A backend never asked about (a fresh name, as after tfjs's own tf.setBackend of a backend spikefn never saw).
    expect(hasKernel('MaxPoolGrad', 'no-such-backend')).toBe(false);
    expect(hasNeuronKernels('no-such-backend')).toBe(false);
  });

  it('kernels leave tf.memory() unchanged apart from their output (several blocks too)', async () => {
    await use(backend, 'spikefn');
    const engineBackend = tf.engine().backend as unknown as { numDataIds(): number };
    const run = (label: string, outputs: number, f: () => tf.Tensor | tf.Tensor[]): void => {
      const tensors = tf.memory().numTensors;
      const buffers = engineBackend.numDataIds();
      const out = f();
      const outs = Array.isArray(out) ? out : [out];
      expect(outs.length, label).toBe(outputs);
      expect(tf.memory().numTensors - tensors, `${label}: tensors`).toBe(outputs);
      expect(engineBackend.numDataIds() - buffers, `${label}: buffers`).toBe(outputs);
      tf.dispose(outs);
    };
    const x = tf.tensor4d(randomArray(2 * 7 * 7 * 3, 1), [2, 7, 7, 3]);
    const dy = tf.tensor4d(randomArray(2 * 4 * 4 * 5, 2), [2, 4, 4, 5]);
    const dySame = tf.tensor4d(randomArray(2 * 7 * 7 * 5, 3), [2, 7, 7, 5]);
    const w = tf.tensor4d(randomArray(3 * 3 * 3 * 5, 4), [3, 3, 3, 5]);
    const pdy = tf.tensor4d(randomArray(2 * 3 * 3 * 3, 5), [2, 3, 3, 3]);
    const seq = tf.tensor3d(randomArray(6 * 4 * 3, 6), [6, 4, 3]);
    for (const [block, asConv] of [
      [1 << 20, true],
      [30, false],
    ] as const) {
      await withTuning(
        { cpuBlockElements: block, wasmBlockElements: block, wasmFilterConvMinChannels: asConv ? 1 : Infinity },
        async () => {
          const conv = { pad: 'same', dataFormat: 'NHWC' };
          run(
            `filter s2 ${block}`,
            1,
            () =>
              tf
                .engine()
                .runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, strides: [2, 2], filterShape: [3, 3, 3, 5] }) as tf.Tensor,
          );
          run(
            `input s2 ${block}`,
            1,
            () =>
              tf
                .engine()
                .runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...conv, strides: [2, 2], inputShape: [2, 7, 7, 3] }) as tf.Tensor,
          );
          run(
            `input s1 ${block}`,
            1,
            () =>
              tf
                .engine()
                .runKernel(
                  'Conv2DBackpropInput',
                  { dy: dySame, filter: w },
                  { ...conv, strides: [1, 1], inputShape: [2, 7, 7, 3] },
                ) as tf.Tensor,
          );
          run(
            `maxPoolGrad ${block}`,
            1,
            () =>
              tf
                .engine()
                .runKernel(
                  'MaxPoolGrad',
                  { dy: pdy, input: x, output: pdy },
                  { filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
                ) as tf.Tensor,
          );
          run(`unstack ${block}`, 6, () => tf.unstack(seq));
          run(`slice ${block}`, 1, () => tf.slice(seq, [1, 1, 0], [3, 2, 2]));
        },
      );
    }
    tf.dispose([x, dy, dySame, w, pdy, seq]);
  });
});
