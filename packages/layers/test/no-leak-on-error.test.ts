// The noLeakOnError law (a failing call leaves tf.memory().numTensors unchanged) on the layers and containers that the
// law kit does not already run through checkLayerLaws (which includes the law): flatten, printShape, batchNorm2d,
// inverseDct, multiStepDropout, and the containers seqToANN, multiStep (fused neuron) and tap.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { key, multiStep, seqToANN, tap, type Layer, type Tree } from '@spikefn/core';
import { noLeakOnError, sequenceInputs, keyArb, toTensor } from '@spikefn/testing';
import { lifNode } from '@spikefn/neurons';
import { batchNorm2d } from '../src/batch-norm.js';
import { inverseDct } from '../src/dct.js';
import { multiStepDropout } from '../src/dropout.js';
import { flatten } from '../src/flatten.js';
import { linear } from '../src/linear.js';
import { printShape } from '../src/print-shape.js';

const silent = (): void => {};
const cases: ReadonlyArray<readonly [string, () => Layer<Tree, Tree>, readonly number[], boolean]> = [
  ['flatten', () => flatten() as Layer<Tree, Tree>, [2, 3], false],
  ['printShape', () => printShape('x', silent) as Layer<Tree, Tree>, [3], false],
  ['tap', () => tap('x', silent) as Layer<Tree, Tree>, [3], false],
  ['batchNorm2d (eval)', () => batchNorm2d({ numFeatures: 2 }) as unknown as Layer<Tree, Tree>, [2, 2, 2], false],
  ['batchNorm2d (train)', () => batchNorm2d({ numFeatures: 2 }) as unknown as Layer<Tree, Tree>, [2, 2, 2], true],
  ['inverseDct', () => inverseDct({ kernelSize: 2 }) as Layer<Tree, Tree>, [4, 6], false],
  ['multiStepDropout', () => multiStepDropout(0.3) as unknown as Layer<Tree, Tree>, [3], true],
  ['seqToANN(linear)', () => seqToANN(linear({ inFeatures: 3, outFeatures: 2 })) as unknown as Layer<Tree, Tree>, [2, 3], false],
  ['multiStep(lif)', () => multiStep(lifNode()) as unknown as Layer<Tree, Tree>, [2, 3], false],
];

describe('noLeakOnError on every layer and container', () => {
  for (const [name, make, feature, training] of cases) {
    it(name, () => {
      const layer = make();
      const params = layer.init(key(0));
      fc.assert(
        fc.property(sequenceInputs(feature), keyArb(), (d, k) => {
          const xs = toTensor(d);
          try {
            noLeakOnError({ name, layer, params, training }, xs, k);
          } finally {
            xs.dispose();
          }
        }),
        { numRuns: 5, seed: 7 },
      );
    });
  }
});
