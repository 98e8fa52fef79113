// The rasters' time-axis labels and the class names of the output layer.
import { SpikefnArgumentError } from '@spikefn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepTicks } from '../src/axes.js';
import { classNamesFor, DIGIT_CLASSES, FASHION_MNIST_CLASSES } from '../src/classes.js';

describe('examples/browser raster axes', () => {
  it('stepTicks: one label per step while they fit, every k-th step otherwise', () => {
    expect(stepTicks(8)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(stepTicks(1)).toEqual(['0']);
    expect(stepTicks(16)).toHaveLength(16);
    expect(stepTicks(16).every((l, t) => l === String(t))).toBe(true);
    // 20 steps, at most 16 labels: every 2nd
    expect(stepTicks(20)).toEqual(['0', '', '2', '', '4', '', '6', '', '8', '', '10', '', '12', '', '14', '', '16', '', '18', '']);
    expect(stepTicks(7, 3)).toEqual(['0', '', '', '3', '', '', '6']);
  });

  it('property: T labels (one per column), step 0 labelled, at most maxTicks labels, each label its own step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), (T, max) => {
        const ticks = stepTicks(T, max);
        expect(ticks).toHaveLength(T);
        expect(ticks[0]).toBe('0');
        expect(ticks.filter((l) => l !== '').length).toBeLessThanOrEqual(max);
        ticks.forEach((l, t) => {
          if (l !== '') expect(l).toBe(String(t));
        });
      }),
    );
  });

  it('stepTicks rejects a T or maxTicks that is not a positive integer', () => {
    expect(() => stepTicks(0)).toThrow(SpikefnArgumentError);
    expect(() => stepTicks(2.5)).toThrow(/'T'/);
    expect(() => stepTicks(8, 0)).toThrow(/'maxTicks'/);
  });
});

describe('examples/browser class names', () => {
  it('digits for MNIST checkpoints (and any checkpoint that names no dataset), Fashion-MNIST names for fashion-mnist', () => {
    expect(DIGIT_CLASSES).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(classNamesFor({})).toBe(DIGIT_CLASSES);
    expect(classNamesFor({ config: { timeSteps: 8 } })).toBe(DIGIT_CLASSES);
    expect(classNamesFor({ config: { dataset: 'mnist-package' } })).toBe(DIGIT_CLASSES);
    expect(classNamesFor({ config: { dataset: 'idx' } })).toBe(DIGIT_CLASSES);
    expect(classNamesFor({ config: { dataset: 'fashion-mnist' } })).toBe(FASHION_MNIST_CLASSES);
    // the dataset's README: 0 T-shirt/top, 1 Trouser, …, 9 Ankle boot
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect([FASHION_MNIST_CLASSES[0], FASHION_MNIST_CLASSES[1], FASHION_MNIST_CLASSES[9]]).toEqual([
      'T-shirt/top',
      'Trouser',
      'Ankle boot',
    ]);
  });
});
