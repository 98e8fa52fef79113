// registerFastKernels / unregisterFastKernels: what gets registered, idempotence,
// restoring the stock kernels, and that kernels leave no tensors or buffers behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  fastKernelNames,
  isFastKernelRegistered,
  registerFastKernels,
  stockKernel,
  unregisterFastKernels,
} from '../../src/kernels/index.js';
import { initBackends, randomArray, use, withTuning } from './helpers.js';
import type { Backend } from './helpers.js';

beforeAll(initBackends);

const expected: Record<Backend, string[]> = {
  cpu: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'],
  wasm: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity', 'MaxPoolGrad', 'Slice', 'Unpack'],
};

describe.each<Backend>(['cpu', 'wasm'])('fast kernel registry on %s', (backend) => {
  it('registers the expected kernels, idempotently, and restores the stock ones', async () => {
    unregisterFastKernels(backend);
    const before = new Map(expected[backend].map((k) => [k, tf.getKernel(k, backend)]));
    const names = registerFastKernels(backend);
    expect([...names].sort()).toEqual([...expected[backend]].sort());
    expect([...fastKernelNames(backend)].sort()).toEqual([...expected[backend]].sort());
    const ours = new Map(expected[backend].map((k) => [k, tf.getKernel(k, backend)]));
    for (const k of expected[backend]) {
      expect(isFastKernelRegistered(k, backend)).toBe(true);
      expect(ours.get(k)).not.toBe(before.get(k));
      expect(stockKernel(k, backend)).toBe(before.get(k));
    }
    // again: same configs, same names
    expect([...registerFastKernels(backend)].sort()).toEqual([...expected[backend]].sort());
    for (const k of expected[backend]) expect(tf.getKernel(k, backend)).toBe(ours.get(k));

    const restored = unregisterFastKernels(backend);
    expect([...restored].sort()).toEqual([...expected[backend]].sort());
    for (const k of expected[backend]) {
      expect(tf.getKernel(k, backend)).toBe(before.get(k));
      expect(isFastKernelRegistered(k, backend)).toBe(false);
    }
    expect(unregisterFastKernels(backend)).toEqual([]);
    if (backend === 'wasm') expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('defaults to the current backend and registers nothing for unknown backends', async () => {
    await use(backend, 'stock');
    expect([...registerFastKernels()].sort()).toEqual([...expected[backend]].sort());
    expect(registerFastKernels('no-such-backend')).toEqual([]);
    unregisterFastKernels(backend);
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
