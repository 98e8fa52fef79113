/**
 * The one place where spikefn touches tfjs's global registries: `registerNeuronKernels()` registers the fused
 * neuron kernels for `cpu` and `wasm` and the gradient of the forward kernel. It is idempotent (it checks the
 * registries, so it also restores a kernel that was unregistered) and the neurons call it lazily the first time a
 * multi-step `sequence` or `record` runs; nothing is registered at import time.
 *
 * Why a registered gradient and not `tf.customGrad`: tfjs 4.22's `customGrad` allows a single output tensor, and
 * the fused forward has several (spikes, the final v, and h / the v trace for records), each of which may carry a
 * gradient. The registered gradient receives one cotangent per output (null where none flows) and runs the fused
 * backward kernel once, eagerly, then hands out its results (see notes/TFJS.md: per-input closures each run in
 * their own tidy).
 *
 * @category fused
 */
import * as tf from '@spikefn/core/tf';
import { surrogateHint, type Surrogate } from '../surrogate.js';
import type { ScalarSurrogate } from './core.js';
import { backwardCpu, backwardWasm, forwardCpu, forwardWasm } from './kernels.js';

/** Kernel name of the fused forward. @category fused */
export const NEURON_FORWARD = 'SpikefnNeuronForward';
/** Kernel name of the fused backward. @category fused */
export const NEURON_BACKWARD = 'SpikefnNeuronBackward';
/** The backends with fused kernels. @category fused */
export const FUSED_BACKENDS = ['cpu', 'wasm'] as const;

// Surrogates travel to the kernels as ids (kernel attrs must be plain values). Few surrogates exist per program, so
// the table is never pruned.
const ids = new WeakMap<Surrogate, number>();
const byId = new Map<number, ScalarSurrogate>();

/** The id of a surrogate in the kernels' table (assigned on first use). @category fused */
export function surrogateId(s: Surrogate): number {
  let id = ids.get(s);
  if (id === undefined) {
    id = byId.size + 1;
    ids.set(s, id);
    byId.set(id, { derivative: s.derivativeScalar, hint: surrogateHint(s) });
  }
  return id;
}

const derivativeOf = (id: number): ScalarSurrogate => {
  const d = byId.get(id);
  if (d === undefined) throw new Error(`spikefn fused neuron kernel: unknown surrogate id ${id}`);
  return d;
};

const gradConfig: tf.GradConfig = {
  kernelName: NEURON_FORWARD,
  inputsToSave: ['x', 'v0', 'k'],
  outputsToSave: [false, false, true],
  gradFunc: (dy, saved, attrs) => {
    const dys = (Array.isArray(dy) ? dy : [dy]) as ReadonlyArray<tf.Tensor | null>;
    const [x, v0, k, h] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    if (h === undefined) throw new Error('spikefn fused neuron gradient: h was not saved by the forward kernel');
    const inputs: tf.NamedTensorMap = { x, v0, k, h };
    // tfjs fills the cotangent of an output outside the backprop graph with zeros. Outside a record, h is private
    // to `sequence` (disposed there), so its cotangent is always that zero filler: skip it.
    const names =
      (attrs as { record?: boolean }).record === true ? (['dSpikes', 'dV', 'dH', 'dVSeq'] as const) : (['dSpikes', 'dV'] as const);
    names.forEach((n, i) => {
      const g = dys[i];
      if (g !== null && g !== undefined) inputs[n] = g;
    });
    const [dx, dv0, dk] = tf.engine().runKernel(NEURON_BACKWARD, inputs, attrs) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, v0: () => dv0 as tf.Tensor, k: () => dk as tf.Tensor };
  },
};

/**
 * Registers the fused neuron kernels (`cpu`, `wasm`) and the forward's gradient, where not registered yet.
 *
 * @category fused
 */
export function registerNeuronKernels(): void {
  const kernels = {
    cpu: [forwardCpu, backwardCpu(derivativeOf)],
    wasm: [forwardWasm, backwardWasm(derivativeOf)],
  } as const;
  for (const backendName of FUSED_BACKENDS) {
    const [fwd, bwd] = kernels[backendName];
    if (tf.getKernel(NEURON_FORWARD, backendName) === undefined)
      tf.registerKernel({ kernelName: NEURON_FORWARD, backendName, kernelFunc: fwd });
    if (tf.getKernel(NEURON_BACKWARD, backendName) === undefined)
      tf.registerKernel({ kernelName: NEURON_BACKWARD, backendName, kernelFunc: bwd });
  }
  if (tf.getGradient(NEURON_FORWARD) === undefined) tf.registerGradient(gradConfig);
}
