/**
 * The fused multi-step neuron as an op: builds the attributes of `SpikefnNeuronForward` (from `@spikefn/kernels`,
 * which registers the kernels and their gradient) and runs it on the current backend, or reports that the backend
 * has none so the caller falls back to the composed `scan`.
 *
 * @category fused
 */
import * as tf from '@spikefn/core/tf';
import { hasNeuronKernels, NEURON_FORWARD, surrogateDerivativeId, type FormCode, type NeuronAttrs } from '@spikefn/kernels';
import type { ChargeForm } from '../neuron.js';
import { surrogateHint, type Surrogate } from '../surrogate.js';

/** A neuron's settings as the fused kernels take them (`vThreshold`, `vReset` float32-rounded). @category fused */
export type FusedSettings = {
  readonly form: ChargeForm;
  readonly vThreshold: number;
  readonly vReset: number;
  readonly hard: boolean;
  readonly detachReset: boolean;
  readonly surrogate: Surrogate;
  readonly learnableDecay: boolean;
};

/** What the fused forward returns: spikes and v_T, and for a record h (= vBeforeReset) and the v trace. @category fused */
export type FusedOutputs = { readonly spikes: tf.Tensor; readonly v: tf.Tensor; readonly h?: tf.Tensor; readonly vSeq?: tf.Tensor };

const FORMS: Readonly<Record<ChargeForm, FormCode>> = { if: 0, 'decay-input': 1, 'no-decay-input': 2 };

/**
 * Whether the current backend runs the fused kernels: asked of `@spikefn/kernels`, which registers them lazily where
 * the application selected the backend with tfjs's own `tf.setBackend` (and answers false after `unregister`).
 *
 * @category fused
 */
export const fusedAvailable = (): boolean => hasNeuronKernels(tf.getBackend());

/** The surrogate's id in the kernels' table: its scalar derivative, and the inlining hint of a built-in. */
const surrogateId = (s: Surrogate): number => {
  const hint = surrogateHint(s);
  return hint === undefined ? surrogateDerivativeId(s, s.derivativeScalar) : surrogateDerivativeId(s, s.derivativeScalar, hint);
};

/**
 * Runs the fused forward over `xs = [T, ...v0.shape]` with decay `k` (a float32 scalar tensor). h is computed only
 * when a gradient tape is recording (the backward needs it) or for a record.
 *
 * @category fused
 */
export function fusedForward(settings: FusedSettings, xs: tf.Tensor, v0: tf.Tensor, k: tf.Tensor, record: boolean): FusedOutputs {
  const saveH = record || tf.engine().isTapeOn();
  const attrs: NeuronAttrs = {
    form: FORMS[settings.form],
    vThreshold: settings.vThreshold,
    vReset: settings.vReset,
    hard: settings.hard,
    detachReset: settings.detachReset,
    surrogateId: surrogateId(settings.surrogate),
    learnableDecay: settings.learnableDecay,
    saveH,
    record,
  };
  const outs = tf.engine().runKernel(NEURON_FORWARD, { x: xs, v0, k }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const [spikes, v, h, vSeq] = outs as [tf.Tensor, tf.Tensor, tf.Tensor | undefined, tf.Tensor | undefined];
  if (!record) return { spikes, v };
  return { spikes, v, h: h as tf.Tensor, vSeq: vSeq as tf.Tensor };
}
