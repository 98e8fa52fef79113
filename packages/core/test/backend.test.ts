import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { isRegistered } from '@spikefn/kernels';
import { setBackend, BackendUnavailableError } from '../src/backend.js';

describe('setBackend', () => {
  it('selects cpu and wasm', async () => {
    expect(await setBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await setBackend('cpu')).toBe('cpu');
  });
  it("registers @spikefn/kernels' kernels for the backend; { fastKernels: false } keeps tfjs's stock overrides but the neuron kernels", async () => {
    expect(await setBackend('wasm')).toBe('wasm');
    expect(isRegistered('Conv2DBackpropFilter', 'wasm')).toBe(true);
    expect(isRegistered('SpikefnNeuronForward', 'wasm')).toBe(true);
    const tensors = tf.memory().numTensors;
    expect(await setBackend('wasm', { fastKernels: false })).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined(); // stock tfjs-backend-wasm has none
    expect(isRegistered('MaxPoolGrad', 'wasm')).toBe(false);
    expect(isRegistered('SpikefnNeuronForward', 'wasm')).toBe(true);
    expect(await setBackend('wasm')).toBe('wasm');
    expect(isRegistered('Conv2DBackpropFilter', 'wasm')).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(await setBackend('cpu')).toBe('cpu');
  });
  it('rejects an unknown backend, naming the argument and the choices', async () => {
    await expect(setBackend('cuda')).rejects.toThrow(
      /setBackend: argument 'name' expected one of 'cpu', 'wasm', 'webgl', 'tensorflow', got "cuda"/,
    );
  });
  it("says which package to install when 'tensorflow' is asked for and missing", async () => {
    const err = await setBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(String(err)).toMatch(/@tensorflow\/tfjs-node-gpu/);
    expect(String(err)).toMatch(/npm install @tensorflow\/tfjs-node-gpu/);
    expect(tf.getBackend()).toBe('cpu');
  });
  it('explains that webgl needs a browser', async () => {
    await expect(setBackend('webgl')).rejects.toThrow(/only available in a browser/);
  });
});
