// The generic layer laws of @spikefn/testing (determinism, chunking invariance, reset, batch independence, carry
// shape and dtype, no leak) on every neuron, single step and through multiStep.
import { describe, it } from 'vitest';
import { key, multiStep } from '@spikefn/core';
import type { Layer, Tree } from '@spikefn/core';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import { plifNode } from '../src/plif.js';
import { atan, piecewiseQuadratic } from '../src/surrogate.js';
import { checkLayerLaws, floatData, timeBatchShapeArb } from '@spikefn/testing';

const FEATURES = [3];
const neurons: Array<[string, Layer<Tree, Tree>, Tree]> = [
  ['ifNode() (hard reset)', ifNode() as unknown as Layer<Tree, Tree>, {}],
  ['ifNode soft reset, detachReset', ifNode({ vReset: null, detachReset: true, surrogate: atan() }) as unknown as Layer<Tree, Tree>, {}],
  ['lifNode()', lifNode() as unknown as Layer<Tree, Tree>, {}],
  [
    'lif no decay_input, vReset -0.2',
    lifNode({ decayInput: false, vReset: -0.2, tau: 4, surrogate: piecewiseQuadratic() }) as unknown as Layer<Tree, Tree>,
    {},
  ],
  ['plifNode(tau 3)', plifNode({ tau: 3 }) as unknown as Layer<Tree, Tree>, plifNode({ tau: 3 }).init(key(0))],
];

describe.each(neurons)('layer laws: %s', (name, layer, params) => {
  it('determinism, chunking invariance, reset, batch independence, carry shape, no leak (single step through scan)', () => {
    checkLayerLaws({ name, layer, params }, FEATURES, { numRuns: 12 });
  });

  it('the same laws through multiStep (the fused sequence as the step of a [T2, T, B, F] input)', () => {
    // The outer time axis has at least 2 steps (the chunking law splits it).
    const inputs = timeBatchShapeArb({ features: [4, ...FEATURES], maxT: 4, maxBatch: 3 })
      .filter((shape) => (shape[0] as number) >= 2)
      .chain((shape) => floatData(shape, -1, 2));
    checkLayerLaws({ name: `multiStep(${name})`, layer: multiStep(layer), params }, [4, ...FEATURES], {
      numRuns: 8,
      inputs,
      mixesBatch: true,
    });
  });
});
