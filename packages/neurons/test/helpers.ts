// Shared generators and checks of the neuron tests (not a test file itself).
import fc from 'fast-check';
import type * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import type { NeuronLayer } from '../src/neuron.js';
import { plifNode } from '../src/plif.js';
import { atan, erf, piecewiseExp, piecewiseLeakyRelu, piecewiseQuadratic, sigmoid, softSign, type Surrogate } from '../src/surrogate.js';
import { floatData, timeBatchShapeArb, type TensorData } from '@spikefn/testing';

/** Bounds of the generated neurons and inputs. */
export const MAX_STEPS = 10;
export const MAX_BATCH = 4;
export const MAX_FEATURES = 5;
export const INPUT_MIN = -1;
export const INPUT_MAX = 2;

/** Every built-in surrogate with a non-default hyper-parameter, by a readable name. */
export const SURROGATES: ReadonlyArray<readonly [string, () => Surrogate]> = [
  ['sigmoid(4)', () => sigmoid(4)],
  ['sigmoid(1)', () => sigmoid(1)],
  ['atan(2)', () => atan(2)],
  ['piecewiseQuadratic(1.5)', () => piecewiseQuadratic(1.5)],
  ['piecewiseExp(2)', () => piecewiseExp(2)],
  ['softSign(3)', () => softSign(3)],
  ['erf(2)', () => erf(2)],
  ['piecewiseLeakyRelu(0.5, 0.05)', () => piecewiseLeakyRelu(0.5, 0.05)],
  ["piecewiseLeakyRelu(0.5, 0.05, '1/(2w)')", () => piecewiseLeakyRelu(0.5, 0.05, { windowSlope: '1/(2w)' })],
];

/** A neuron configuration as plain data (so fast-check can print and shrink it). */
export type NeuronSpec = {
  readonly model: 'if' | 'lif' | 'plif';
  readonly vThreshold: number;
  readonly vReset: number | null;
  readonly detachReset: boolean;
  readonly surrogate: number;
  readonly tau: number;
  readonly decayInput: boolean;
};

const f32 = (min: number, max: number): fc.Arbitrary<number> =>
  fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });

/** Neuron configurations over every option. */
export const neuronSpecArb = (models: ReadonlyArray<NeuronSpec['model']> = ['if', 'lif', 'plif']): fc.Arbitrary<NeuronSpec> =>
  fc.record({
    model: fc.constantFrom(...models),
    vThreshold: f32(0.25, 2),
    vReset: fc.option(f32(-0.5, 0.2), { nil: null }),
    detachReset: fc.boolean(),
    surrogate: fc.integer({ min: 0, max: SURROGATES.length - 1 }),
    tau: f32(1.1, 10),
    decayInput: fc.boolean(),
  });

/** The layer of a spec, with its params. */
export function build(spec: NeuronSpec): { readonly layer: NeuronLayer<Tree>; readonly params: Tree; readonly name: string } {
  const [sname, make] = SURROGATES[spec.surrogate] as (typeof SURROGATES)[number];
  const base = { vThreshold: spec.vThreshold, vReset: spec.vReset, detachReset: spec.detachReset, surrogate: make() };
  const name = `${spec.model}(vth ${spec.vThreshold}, vReset ${spec.vReset}, detach ${spec.detachReset}, ${sname}, tau ${spec.tau}, decayInput ${spec.decayInput})`;
  if (spec.model === 'if') return { layer: ifNode(base) as NeuronLayer<Tree>, params: {}, name };
  if (spec.model === 'lif')
    return { layer: lifNode({ ...base, tau: spec.tau, decayInput: spec.decayInput }) as NeuronLayer<Tree>, params: {}, name };
  const layer = plifNode({ ...base, tau: spec.tau, decayInput: spec.decayInput });
  return { layer: layer as unknown as NeuronLayer<Tree>, params: layer.init(key(0)), name };
}

/** Inputs `[T, B, F]` with T ≠ B, floats in [INPUT_MIN, INPUT_MAX]. */
export const inputsArb = (min = INPUT_MIN, max = INPUT_MAX): fc.Arbitrary<TensorData> =>
  timeBatchShapeArb({ featureRank: 1, maxT: MAX_STEPS, maxBatch: MAX_BATCH }).chain((shape) => floatData(shape, min, max));

/** Values of a tensor as a plain array. */
export const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Throws unless equal bit for bit (NaN never equal). */
export function expectExact(what: string, got: tf.Tensor, want: tf.Tensor): void {
  if (got.shape.join(',') !== want.shape.join(',')) throw new Error(`${what}: shape [${got.shape}] vs [${want.shape}]`);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) if (g[i] !== w[i]) throw new Error(`${what}: differs at ${i}: ${g[i]} vs ${w[i]}`);
}

/**
 * Throws unless close at float32 gradient tolerance, scaled to the size of the values: float32 BPTT through T steps
 * sums terms in another order in the two paths, so the error scales with the largest term, not with each entry.
 */
export function expectGradClose(what: string, got: tf.Tensor, want: tf.Tensor, rtol = 1e-4): void {
  if (got.shape.join(',') !== want.shape.join(',')) throw new Error(`${what}: shape [${got.shape}] vs [${want.shape}]`);
  const g = got.dataSync();
  const w = want.dataSync();
  let scale = 1;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i] as number));
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] as number;
    const wi = w[i] as number;
    if (!(Math.abs(gi - wi) <= rtol * scale)) throw new Error(`${what}: differs at ${i}: ${gi} vs ${wi} (scale ${scale})`);
  }
}
