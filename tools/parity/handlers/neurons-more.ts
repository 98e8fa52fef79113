/**
 * Parity of `qifNode` / `eifNode` with SpikingJelly 0.0.0.0.8's `QIFNode`, `EIFNode` and `MultiStepEIFNode`
 * (`fixtures/spikingjelly-more/`). Every case runs both multi-step forms (`record` / `sequence` and their composed
 * references; neither neuron has a fused kernel, so both are `scan` of `step`): spikes exactly, v_seq and
 * v_before_reset_seq at value tolerance, the gradient of `sum(spike_seq · g)` with respect to `x_seq` at gradient
 * tolerance. Every config key must be known, and every value is passed explicitly (the fixtures' defaults are
 * SpikingJelly's: the `Sigmoid()` surrogate with α = 1).
 */
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { eifNode, qifNode, type NeuronLayer } from '@spikefn/neurons';
import { expectClose, toTensor } from '../compare.js';
import type { FixtureCase, Nested } from '../fixtures.js';
import { register, UnknownCaseError } from '../registry.js';
import { BASE_NEURON_KEYS, surrogateOf } from './neurons.js';

type Cfg = Record<string, Nested>;

const COMMON_KEYS = [...BASE_NEURON_KEYS, 'v_rest', 'constructor_args', 'threshold_margin', 'input_draws'];
const KEYS = { QIF: new Set([...COMMON_KEYS, 'v_c', 'a0']), EIF: new Set([...COMMON_KEYS, 'delta_T', 'theta_rh']) } as const;
const NAMES = { QIF: ['QIFNode'], EIF: ['EIFNode', 'MultiStepEIFNode'] } as const;

const num = (c: FixtureCase, cfg: Cfg, k: string): number => {
  const v = cfg[k];
  if (typeof v !== 'number') throw new UnknownCaseError(`${c.id}: config.${k} is not a number`);
  return v;
};

function neuronOf(c: FixtureCase, family: 'QIF' | 'EIF'): NeuronLayer<Record<string, never>> {
  const cfg = c.config as Cfg;
  for (const k of Object.keys(cfg)) if (!KEYS[family].has(k)) throw new UnknownCaseError(`${c.id}: unknown config key '${k}'`);
  if (!(NAMES[family] as readonly unknown[]).includes(cfg['neuron']))
    throw new UnknownCaseError(`${c.id}: neuron '${String(cfg['neuron'])}' in a ${family} file`);
  if (cfg['mode'] !== 'single_step' && cfg['mode'] !== 'multi_step') throw new UnknownCaseError(`${c.id}: mode '${String(cfg['mode'])}'`);
  if (Object.keys(c.params).length > 0) throw new UnknownCaseError(`${c.id}: unexpected params ${Object.keys(c.params).join(', ')}`);
  const vReset = cfg['v_reset'];
  if (!(vReset === null || typeof vReset === 'number')) throw new UnknownCaseError(`${c.id}: v_reset`);
  if (cfg['initial_v'] !== (vReset ?? 0)) throw new UnknownCaseError(`${c.id}: initial_v ${String(cfg['initial_v'])} is not v_reset ?? 0`);
  const detachReset = cfg['detach_reset'];
  if (typeof detachReset !== 'boolean') throw new UnknownCaseError(`${c.id}: detach_reset`);
  if (cfg['loss_for_grads'] !== 'sum(spike_seq * g)') throw new UnknownCaseError(`${c.id}: loss '${String(cfg['loss_for_grads'])}'`);
  const base = {
    vThreshold: num(c, cfg, 'v_threshold'),
    vReset,
    detachReset,
    surrogate: surrogateOf(c, cfg['surrogate']),
    tau: num(c, cfg, 'tau'),
    vRest: num(c, cfg, 'v_rest'),
  };
  if (family === 'QIF') return qifNode({ ...base, vC: num(c, cfg, 'v_c'), a0: num(c, cfg, 'a0') }) as NeuronLayer<Record<string, never>>;
  return eifNode({ ...base, deltaT: num(c, cfg, 'delta_T'), thetaRh: num(c, cfg, 'theta_rh') }) as NeuronLayer<Record<string, never>>;
}

function checkCase(c: FixtureCase, family: 'QIF' | 'EIF'): void {
  const neuron = neuronOf(c, family);
  const xs = toTensor(c.inputs['x_seq'] as Nested, 'x_seq');
  const g = toTensor(c.inputs['g'] as Nested, 'g');
  const params = neuron.init(key(0));
  const state = neuron.initialState(params, xs.shape.slice(1), key(0));
  const forms = {
    composed: { record: neuron.recordComposed, sequence: neuron.sequenceComposed },
    layer: { record: neuron.record, sequence: neuron.sequence },
  } as const;
  for (const [tag, run] of Object.entries(forms)) {
    const [, rec] = run.record(params, state, xs);
    expectClose(`${tag} spike_seq`, rec.spikes, c.outputs['spike_seq'] as Nested, 'exact');
    expectClose(`${tag} v_seq`, rec.v, c.outputs['v_seq'] as Nested, 'value');
    expectClose(`${tag} v_before_reset_seq`, rec.vBeforeReset, c.outputs['v_before_reset_seq'] as Nested, 'value');
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(run.sequence(params, state, x)[1], g)))(xs);
    expectClose(`${tag} grad x_seq`, grad, c.grads?.['x_seq'] as Nested, 'grad');
  }
}

register('neuron_qif', (c) => checkCase(c, 'QIF'));
register('neuron_eif', (c) => checkCase(c, 'EIF'));
