/**
 * Names and attributes of the fused neuron kernels (what the op glue in `@spikefn/neurons` passes to
 * `tf.engine().runKernel`).
 *
 * Kernel `SpikefnNeuronForward`: inputs `{ x [T, ...], v0 [...], k [] }`, attrs {@link NeuronAttrs};
 * outputs `[spikes [T, ...], v_T [...], h [T, ...], vSeq [T, ...] (when record)]`, h present for a record, and for
 * `saveH` only where the backward will run the JavaScript loops (the SIMD backward computes h again).
 *
 * Kernel `SpikefnNeuronBackward`: inputs `{ x, v0, k }`, h where the forward output it (absent: computed again from
 * x and v0), and any of the cotangents `{ dSpikes, dV, dH, dVSeq }` (absent = zero), same attrs; outputs
 * `[dx, dv0, dk []]`. The forward's registered gradient runs it.
 *
 * @module
 */
import type { FormCode } from './loops.js';

/** Kernel name of the fused neuron forward. @category neuron kernels */
export const NEURON_FORWARD = 'SpikefnNeuronForward';
/** Kernel name of the fused neuron backward. @category neuron kernels */
export const NEURON_BACKWARD = 'SpikefnNeuronBackward';
/** The backends with fused neuron kernels. @category neuron kernels */
export const NEURON_BACKENDS = ['cpu', 'wasm'] as const;

/** The attributes of both fused neuron kernels (plain values only). @category neuron kernels */
export type NeuronAttrs = {
  /** The charge: 0 = 'if' (h = v + x), 1 = 'decay-input' (h = v + (x − (v − V_r))·k), 2 = 'no-decay-input' (h = v − (v − V_r)·k + x). */
  readonly form: FormCode;
  /** V_th, a float32 value. */
  readonly vThreshold: number;
  /** V_reset of a hard reset (the V_r of the charge, 0, for a soft reset), a float32 value. */
  readonly vReset: number;
  /** Hard reset (v = V_reset after a spike) or soft (v = h − V_th). */
  readonly hard: boolean;
  /** Detach the reset from the gradient. */
  readonly detachReset: boolean;
  /** Which surrogate: an id from `surrogateDerivativeId`. */
  readonly surrogateId: number;
  /** Return dL/dk (PLIF). */
  readonly learnableDecay: boolean;
  /** A backward will follow (a gradient tape is recording): output h where that backward needs it (see above). */
  readonly saveH: boolean;
  /** Output v after reset at every step. */
  readonly record: boolean;
};
