// The demo's reading of the output firing rates: a class name, or "not sure" (silent, tie, low top rate).
import { SpikefnArgumentError } from '@spikefn/core';
import * as tf from '@spikefn/core/tf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVerdict, MIN_TOP_RATE, verdict } from '../src/verdict.js';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Ten rates as a network with T steps gives them: spike counts in 0..T over T. */
const ratesOfT = fc
  .integer({ min: 1, max: 16 })
  .chain((T) => fc.array(fc.integer({ min: 0, max: T }), { minLength: 10, maxLength: 10 }).map((n) => n.map((k) => k / T)));

const rates = (entries: Record<number, number>): number[] => DIGITS.map((_, c) => entries[c] ?? 0);

describe('examples/browser verdict', () => {
  it('names the class that fires most when it is alone at the top and fires on at least MIN_TOP_RATE of the steps', () => {
    expect(MIN_TOP_RATE).toBe(0.5);
    expect(verdict(rates({ 3: 1 }))).toEqual({ sure: true, predicted: 3, top: 1, runnerUp: 0 });
    expect(verdict(rates({ 4: 0.75, 8: 0.125 }))).toEqual({ sure: true, predicted: 4, top: 0.75, runnerUp: 0.125 });
    // the threshold itself is enough: 4 of 8 steps
    expect(verdict(rates({ 9: 0.5, 4: 0.25 }))).toEqual({ sure: true, predicted: 9, top: 0.5, runnerUp: 0.25 });
  });

  it('is not sure when no output neuron fires', () => {
    expect(verdict(rates({}))).toEqual({ sure: false, reason: 'silent', candidates: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], top: 0, runnerUp: 0 });
  });

  it('is not sure on a tie for the top rate, however high', () => {
    expect(verdict(rates({ 4: 0.5, 8: 0.5, 1: 0.25 }))).toEqual({
      sure: false,
      reason: 'tie',
      candidates: [4, 8],
      top: 0.5,
      runnerUp: 0.5,
    });
    expect(verdict(rates({ 0: 1, 9: 1 }))).toMatchObject({ sure: false, reason: 'tie', candidates: [0, 9] });
  });

  it('is not sure when the top rate is below the threshold (or the minTopRate option)', () => {
    expect(verdict(rates({ 0: 0.375, 7: 0.125 }))).toEqual({
      sure: false,
      reason: 'low-rate',
      candidates: [0],
      top: 0.375,
      runnerUp: 0.125,
    });
    expect(verdict(rates({ 0: 0.375 }), { minTopRate: 0.25 })).toMatchObject({ sure: true, predicted: 0 });
    expect(verdict(rates({ 2: 0.875 }), { minTopRate: 1 })).toMatchObject({ sure: false, reason: 'low-rate' });
    // with no threshold, any single top class is named; silence and ties still are not
    expect(verdict(rates({ 6: 0.125 }), { minTopRate: 0 })).toMatchObject({ sure: true, predicted: 6 });
    expect(verdict(rates({}), { minTopRate: 0 })).toMatchObject({ sure: false, reason: 'silent' });
  });

  it('property: named ⇔ one class strictly above every other, at a rate ≥ the threshold; otherwise the reason says why', () => {
    fc.assert(
      fc.property(ratesOfT, fc.constantFrom(0, 0.25, 0.5, 1), (r, min) => {
        const v = verdict(r, { minTopRate: min });
        const top = Math.max(...r);
        const atTop = r.flatMap((x, c) => (x === top ? [c] : []));
        expect(v.top).toBe(top);
        if (v.sure) {
          expect(r[v.predicted]).toBe(top);
          expect(top).toBeGreaterThanOrEqual(min);
          for (const [c, x] of r.entries()) if (c !== v.predicted) expect(x).toBeLessThan(top);
          expect(v.runnerUp).toBe(Math.max(...r.filter((_, c) => c !== v.predicted)));
        } else {
          expect(v.candidates).toEqual(atTop);
          if (v.reason === 'silent') expect(r.every((x) => x === 0)).toBe(true);
          if (v.reason === 'tie') expect(top > 0 && atTop.length >= 2).toBe(true);
          if (v.reason === 'low-rate') expect(top > 0 && atTop.length === 1 && top < min).toBe(true);
        }
      }),
    );
  });

  it('rejects rates that are not firing rates, and a threshold outside [0, 1], naming the argument', () => {
    const err = (f: () => unknown): SpikefnArgumentError => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(SpikefnArgumentError);
        return e as SpikefnArgumentError;
      }
      throw new Error('no error thrown');
    };
    expect(err(() => verdict(rates({ 3: 1.5 }))).argument).toBe('rates');
    expect(err(() => verdict(rates({ 3: Number.NaN }))).argument).toBe('rates');
    expect(err(() => verdict(rates({ 3: -0.125 }))).argument).toBe('rates');
    expect(err(() => verdict([1])).argument).toBe('rates');
    expect(err(() => verdict(rates({ 3: 1 }), { minTopRate: 2 })).argument).toBe('options.minTopRate');
    expect(err(() => verdict(rates({ 3: 1 }), { minTopRate: Number.NaN })).argument).toBe('options.minTopRate');
  });

  it('describeVerdict: the class name, or "not sure" and why', () => {
    expect(describeVerdict(verdict(rates({ 3: 1, 5: 0.125 })), DIGITS)).toEqual({ headline: '3', detail: 'rate 1.00, runner-up 0.13' });
    expect(describeVerdict(verdict(rates({})), DIGITS)).toEqual({ headline: 'not sure', detail: 'no output neuron fired' });
    expect(describeVerdict(verdict(rates({ 4: 0.5, 8: 0.5 })), DIGITS)).toEqual({
      headline: 'not sure',
      detail: '4 and 8 tie at rate 0.50',
    });
    expect(describeVerdict(verdict(rates({ 1: 0.25, 4: 0.25, 8: 0.25 })), DIGITS).detail).toBe('1, 4 and 8 tie at rate 0.25');
    expect(describeVerdict(verdict(rates({ 0: 0.375 })), DIGITS)).toEqual({
      headline: 'not sure',
      detail: 'best guess 0 at rate 0.38, below 0.50',
    });
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    expect(describeVerdict(verdict(rates({ 9: 0.875 })), names).headline).toBe('Ankle boot');
    expect(describeVerdict(verdict(rates({ 5: 0.5, 7: 0.5 })), names).detail).toBe('Sandal and Sneaker tie at rate 0.50');
  });

  it('makes no tensors', () => {
    const before = tf.memory().numTensors;
    verdict(rates({ 3: 1 }));
    describeVerdict(verdict(rates({})), DIGITS);
    expect(tf.memory().numTensors).toBe(before);
  });
});
