/**
 * Parity of `@spikefn/neurons` with SpikingJelly: IFNode / LIFNode (single step and MultiStep) and the Sigmoid /
 * ATan surrogates. Every neuron case is checked in **both** modes, whatever mode it was recorded in (the fixtures
 * say both give identical numbers): `single_step` = `scan` of the layer's `step` (`sequenceComposed` /
 * `recordComposed`), `multi_step` = the fused `sequence` / `record`. Values: spikes exactly, v_seq and
 * v_before_reset_seq at value tolerance; gradients of `sum(spike_seq · g)` with respect to `x_seq` at gradient
 * tolerance.
 */
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { ifNode, lifNode, atan, sigmoid, type Surrogate } from '@spikefn/neurons';
import type { NeuronLayer } from '@spikefn/neurons';
import { expectClose, toTensor } from '../compare.js';
import type { FixtureCase, Nested } from '../fixtures.js';
import { register, UnknownCaseError } from '../registry.js';

type Cfg = Record<string, Nested>;

/** The config keys every neuron fixture may have (the neuron-specific ones are added by each handler). */
export const BASE_NEURON_KEYS = [
  'neuron',
  'mode',
  'T',
  'input_shape',
  'v_threshold',
  'v_reset',
  'reset',
  'initial_v',
  'detach_reset',
  'surrogate',
  'loss_for_grads',
  'same_result_in_other_mode',
  'tau',
];
const KNOWN_NEURON_KEYS = new Set([...BASE_NEURON_KEYS, 'decay_input']);

export function surrogateOf(c: FixtureCase, spec: Nested | undefined): Surrogate {
  const s = spec as { name?: string; alpha?: number; spiking?: boolean } | null | undefined;
  if (s === null || s === undefined || typeof s !== 'object') throw new UnknownCaseError(`${c.id}: no surrogate in config`);
  if (s.spiking !== true)
    throw new UnknownCaseError(`${c.id}: surrogate with spiking=${String(s.spiking)} (only spiking=true is recorded for neurons)`);
  if (typeof s.alpha !== 'number') throw new UnknownCaseError(`${c.id}: surrogate without a numeric alpha`);
  if (s.name === 'Sigmoid') return sigmoid(s.alpha);
  if (s.name === 'ATan') return atan(s.alpha);
  throw new UnknownCaseError(`${c.id}: surrogate '${String(s.name)}'`);
}

function neuronOf(c: FixtureCase, family: 'IFNode' | 'LIFNode'): NeuronLayer<Record<string, never>> {
  const cfg = c.config as Cfg;
  for (const k of Object.keys(cfg)) if (!KNOWN_NEURON_KEYS.has(k)) throw new UnknownCaseError(`${c.id}: unknown config key '${k}'`);
  const name = cfg['neuron'];
  if (name !== family && name !== `MultiStep${family}`) throw new UnknownCaseError(`${c.id}: neuron '${String(name)}' in a ${family} file`);
  if (cfg['mode'] !== 'single_step' && cfg['mode'] !== 'multi_step') throw new UnknownCaseError(`${c.id}: mode '${String(cfg['mode'])}'`);
  if (Object.keys(c.params).length > 0) throw new UnknownCaseError(`${c.id}: unexpected params ${Object.keys(c.params).join(', ')}`);
  const vThreshold = cfg['v_threshold'] as number;
  const vReset = cfg['v_reset'] as number | null;
  if (typeof vThreshold !== 'number' || !(vReset === null || typeof vReset === 'number'))
    throw new UnknownCaseError(`${c.id}: v_threshold / v_reset`);
  if (cfg['initial_v'] !== (vReset ?? 0)) throw new UnknownCaseError(`${c.id}: initial_v ${String(cfg['initial_v'])} is not v_reset ?? 0`);
  const detachReset = cfg['detach_reset'];
  if (typeof detachReset !== 'boolean') throw new UnknownCaseError(`${c.id}: detach_reset`);
  if (cfg['loss_for_grads'] !== 'sum(spike_seq * g)') throw new UnknownCaseError(`${c.id}: loss '${String(cfg['loss_for_grads'])}'`);
  const base = { vThreshold, vReset, detachReset, surrogate: surrogateOf(c, cfg['surrogate']) };
  if (family === 'IFNode') {
    if ('tau' in cfg || 'decay_input' in cfg) throw new UnknownCaseError(`${c.id}: IFNode with tau/decay_input`);
    return ifNode(base) as NeuronLayer<Record<string, never>>;
  }
  const tau = cfg['tau'];
  if (typeof tau !== 'number') throw new UnknownCaseError(`${c.id}: LIF without tau`);
  const decayInput = cfg['decay_input'] ?? true;
  if (typeof decayInput !== 'boolean') throw new UnknownCaseError(`${c.id}: decay_input`);
  return lifNode({ ...base, tau, decayInput }) as NeuronLayer<Record<string, never>>;
}

function checkNeuronCase(c: FixtureCase, family: 'IFNode' | 'LIFNode'): void {
  const neuron = neuronOf(c, family);
  const xs = toTensor(c.inputs['x_seq'] as Nested, 'x_seq');
  const g = toTensor(c.inputs['g'] as Nested, 'g');
  const params = neuron.init(key(0));
  const state = neuron.initialState(params, xs.shape.slice(1), key(0));
  const modes = {
    single_step: { record: neuron.recordComposed, sequence: neuron.sequenceComposed },
    multi_step: { record: neuron.record, sequence: neuron.sequence },
  } as const;
  for (const [mode, run] of Object.entries(modes)) {
    const tag = `${mode}`;
    const [, rec] = run.record(params, state, xs);
    expectClose(`${tag} spike_seq`, rec.spikes, c.outputs['spike_seq'] as Nested, 'exact');
    expectClose(`${tag} v_seq`, rec.v, c.outputs['v_seq'] as Nested, 'value');
    expectClose(`${tag} v_before_reset_seq`, rec.vBeforeReset, c.outputs['v_before_reset_seq'] as Nested, 'value');
    const [, spikes] = run.sequence(params, state, xs);
    expectClose(`${tag} spike_seq (sequence)`, spikes, c.outputs['spike_seq'] as Nested, 'exact');
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(run.sequence(params, state, x)[1], g)))(xs);
    expectClose(`${tag} grad x_seq`, grad, c.grads?.['x_seq'] as Nested, 'grad');
  }
}

function checkSurrogateCase(c: FixtureCase): void {
  const cfg = c.config as Cfg;
  for (const k of Object.keys(cfg))
    if (k !== 'surrogate' && k !== 'loss_for_grads') throw new UnknownCaseError(`${c.id}: unknown config key '${k}'`);
  if (cfg['loss_for_grads'] !== 'sum(spike * g)') throw new UnknownCaseError(`${c.id}: loss '${String(cfg['loss_for_grads'])}'`);
  const s = surrogateOf(c, cfg['surrogate']);
  const x = toTensor(c.inputs['x'] as Nested, 'x');
  const g = toTensor(c.inputs['g'] as Nested, 'g');
  expectClose('spike', s.spike(x), c.outputs['spike'] as Nested, 'exact');
  expectClose('primitive', s.primitive(x), c.outputs['primitive'] as Nested, 'value');
  expectClose('grad x', tf.grad((t: tf.Tensor) => tf.sum(tf.mul(s.spike(t), g)))(x), c.grads?.['x'] as Nested, 'grad');
  // The fused kernels' scalar derivative agrees with the tensor one.
  const d = s.derivative(x).dataSync();
  const xv = x.dataSync();
  xv.forEach((xi, i) => {
    const want = d[i] as number;
    const got = s.derivativeScalar(xi);
    if (!(Math.abs(got - want) <= 1e-6 + 1e-5 * Math.abs(want))) throw new Error(`derivativeScalar(${xi}) = ${got}, derivative = ${want}`);
  });
}

register('neuron_if', (c) => checkNeuronCase(c, 'IFNode'));
register('neuron_lif', (c) => checkNeuronCase(c, 'LIFNode'));
register('neuron_lif_decay_input', (c) => checkNeuronCase(c, 'LIFNode'));
register('surrogate', checkSurrogateCase);
