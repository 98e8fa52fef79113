import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, evalCtx, multiStep } from '@spikefn/core';
import { printShape } from '../src/print-shape.js';
import { leakFree, maxDiff } from './helpers.js';

const k0 = key(16);

describe('printShape (PrintShapeModule)', () => {
  it('is the identity and reports its label and the input shape to the injected logger at every step', () => {
    leakFree(() => {
      const seen: Array<[string, readonly number[]]> = [];
      const layer = printShape('after conv1', (m, s) => seen.push([m, s]));
      const x = tf.ones([2, 3]);
      const y = layer.step({}, {}, x, evalCtx(k0))[1];
      expect(maxDiff(y, x)).toBe(0);
      expect(seen).toEqual([['after conv1', [2, 3]]]);
      const ms = multiStep(layer);
      ms.step({}, ms.initialState({}, [4, 2, 3], k0), tf.ones([4, 2, 3]), evalCtx(k0));
      expect(seen.length).toBe(5);
      expect(seen[4]).toEqual(['after conv1', [2, 3]]);
    });
  });

  it("defaults its label to SpikingJelly's ext_str, PrintShapeModule", () => {
    leakFree(() => {
      const seen: string[] = [];
      printShape(undefined, (m) => seen.push(m)).step({}, {}, tf.ones([1]), evalCtx(k0));
      expect(seen).toEqual(['PrintShapeModule']);
    });
  });
});
