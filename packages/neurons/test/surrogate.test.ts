// Laws of the surrogate spike functions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { atan, erf, heaviside, piecewiseExp, piecewiseLeakyRelu, piecewiseQuadratic, sigmoid, softSign } from '../src/surrogate.js';
import { builtins } from '../src/surrogate-builtins.js';
import { leakedBy } from '@spikefn/testing';
import { SURROGATES } from './helpers.js';

const X_RANGE = 4;
const xsArb = fc.array(fc.float({ min: -X_RANGE, max: X_RANGE, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 });

describe.each(SURROGATES)('%s', (_name, make) => {
  const s = make();

  it('spike forward is heaviside with heaviside(0) = 1, as float32 0/1', () => {
    fc.assert(
      fc.property(xsArb, (xs) => {
        const got = tf.tidy(() => Array.from(s.spike(tf.tensor1d(xs)).dataSync()));
        xs.forEach((x, i) => {
          expect(got[i]).toBe(x >= 0 ? 1 : 0);
        });
      }),
    );
    tf.tidy(() => {
      const out = s.spike(tf.tensor1d([0, -0, -1e-30, 1e-30]));
      expect(out.dtype).toBe('float32');
      expect(Array.from(out.dataSync())).toEqual([1, 1, 0, 1]);
    });
  });

  it('spike backward is dy · derivative(x) (the surrogate gradient)', () => {
    fc.assert(
      fc.property(xsArb, fc.float({ min: -2, max: 2, noNaN: true }), (xs, scale) => {
        tf.tidy(() => {
          const x = tf.tensor1d(xs);
          const dy = tf.mul(tf.onesLike(x), scale);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(s.spike(t), dy)))(x);
          const want = tf.mul(s.derivative(x), dy);
          const gv = g.dataSync();
          want.dataSync().forEach((w, i) => {
            expect(Math.abs((gv[i] as number) - w)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(w)));
          });
        });
      }),
    );
  });

  it('derivative is the derivative of primitive (autodiff of the primitive, away from the kinks; PiecewiseLeakyReLU: twice it inside the window, as SpikingJelly)', () => {
    // PiecewiseLeakyReLU: backward slope windowSlope inside the window, primitive slope 1/(2w) there.
    const ratio = (x: number): number =>
      s.name === 'PiecewiseLeakyReLU' && Math.abs(x) < (s.options['w'] as number)
        ? (s.options['windowSlope'] as number) * 2 * (s.options['w'] as number)
        : 1;
    const kinks = [0, ...Object.values(s.options).flatMap((a) => [1 / a, -1 / a, a, -a])];
    fc.assert(
      fc.property(xsArb, (raw) => {
        const xs = raw.filter((x) => kinks.every((k) => Math.abs(x - k) > 1e-3));
        if (xs.length === 0) return;
        tf.tidy(() => {
          const x = tf.tensor1d(xs);
          const auto = tf
            .grad((t: tf.Tensor) => tf.sum(s.primitive(t)))(x)
            .dataSync();
          s.derivative(x)
            .dataSync()
            .forEach((d, i) => {
              expect(Math.abs((auto[i] as number) * ratio(xs[i] as number) - d)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(d));
            });
        });
      }),
    );
  });

  it('derivativeScalar equals derivative on every float32 input', () => {
    fc.assert(
      fc.property(xsArb, (xs) => {
        const d = tf.tidy(() => Array.from(s.derivative(tf.tensor1d(xs)).dataSync()));
        xs.forEach((x, i) => {
          const want = d[i] as number;
          expect(Math.abs(s.derivativeScalar(Math.fround(x)) - want)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(want));
        });
      }),
    );
  });

  it('primitive is a non-decreasing step-like function into [0, 1], 1/2 at 0 (0 for the leaky relu with c = 0 aside)', () => {
    fc.assert(
      fc.property(xsArb, (raw) => {
        const xs = [...raw].sort((a, b) => a - b);
        const p = tf.tidy(() => Array.from(s.primitive(tf.tensor1d(xs)).dataSync()));
        for (let i = 1; i < p.length; i++) expect(p[i] as number).toBeGreaterThanOrEqual((p[i - 1] as number) - 1e-7);
        if (s.name !== 'PiecewiseLeakyReLU') for (const v of p) expect(v >= -1e-7 && v <= 1 + 1e-7).toBe(true);
      }),
    );
    const half = tf.tidy(() => s.primitive(tf.scalar(0)).dataSync()[0] as number);
    expect(half).toBeCloseTo(0.5, 6);
  });

  it('derivative is non-negative and largest at 0', () => {
    fc.assert(
      fc.property(xsArb, (xs) => {
        const d = tf.tidy(() => Array.from(s.derivative(tf.tensor1d(xs)).dataSync()));
        const peak = s.derivativeScalar(0);
        for (const v of d) expect(v >= 0 && v <= peak + 1e-6).toBe(true);
      }),
    );
  });

  it('leaves no tensors behind', () => {
    const x = tf.tensor1d([-1, 0, 0.5]);
    expect(leakedBy(() => s.spike(x))).toBe(0);
    expect(leakedBy(() => s.primitive(x))).toBe(0);
    expect(leakedBy(() => s.derivative(x))).toBe(0);
    expect(leakedBy(() => [tf.grad((t: tf.Tensor) => tf.sum(s.spike(t)))(x)])).toBe(0);
    x.dispose();
  });
});

describe('surrogate defaults and hyper-parameters (SpikingJelly values)', () => {
  it('defaults: sigmoid 4 (SpikingJelly 0.0.0.0.8: 1), atan 2, piecewiseQuadratic 1, piecewiseExp 1, softSign 2, erf 2, piecewiseLeakyRelu w 1 c 0.01', () => {
    expect(sigmoid().alpha).toBe(4);
    expect(atan().alpha).toBe(2);
    expect(piecewiseQuadratic().alpha).toBe(1);
    expect(piecewiseExp().alpha).toBe(1);
    expect(softSign().alpha).toBe(2);
    expect(erf().alpha).toBe(2);
    expect(piecewiseLeakyRelu().options).toEqual({ w: 1, c: 0.01, windowSlope: 1 });
    expect(piecewiseLeakyRelu(2, 0.1, { windowSlope: '1/(2w)' }).options).toEqual({ w: 2, c: 0.1, windowSlope: 0.25 });
    // Every class of SpikingJelly 0.0.0.0.8's surrogate.py.
    expect(Object.keys(builtins).sort()).toEqual([
      'ATan',
      'Erf',
      'NonzeroSignLogAbs',
      'PiecewiseExp',
      'PiecewiseLeakyReLU',
      'PiecewiseQuadratic',
      'Sigmoid',
      'SoftSign',
      'SquarewaveFourierSeries',
    ]);
  });

  it('peak gradients at 0 from the closed forms: α/4, α/2, α, α/2, α/2, α/√π, 1/w (the PiecewiseLeakyReLU backward of SpikingJelly)', () => {
    const a = 3;
    expect(sigmoid(a).derivativeScalar(0)).toBeCloseTo(a / 4, 12);
    expect(atan(a).derivativeScalar(0)).toBeCloseTo(a / 2, 12);
    expect(piecewiseQuadratic(a).derivativeScalar(0)).toBeCloseTo(a, 12);
    expect(piecewiseExp(a).derivativeScalar(0)).toBeCloseTo(a / 2, 12);
    expect(softSign(a).derivativeScalar(0)).toBeCloseTo(a / 2, 12);
    expect(erf(a).derivativeScalar(0)).toBeCloseTo(a / Math.sqrt(Math.PI), 12);
    expect(piecewiseLeakyRelu(a, 0.1).derivativeScalar(0)).toBeCloseTo(1 / a, 12);
    expect(piecewiseLeakyRelu(a, 0.1).derivativeScalar(a + 1)).toBeCloseTo(0.1, 12);
  });

  it('rejects a non-positive or non-finite alpha, naming the argument', () => {
    for (const make of [sigmoid, atan, piecewiseQuadratic, piecewiseExp, softSign, erf]) {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => make(bad)).toThrow(SpikefnArgumentError);
        expect(() => make(bad)).toThrow(/argument 'alpha' expected a finite number > 0/);
      }
    }
    expect(() => piecewiseLeakyRelu(1, -0.1)).toThrow(/argument 'c' expected a finite number >= 0, got -0.1/);
    expect(() => piecewiseLeakyRelu(0)).toThrow(/argument 'w'/);
  });

  it('heaviside is 1 at 0 and has a zero gradient', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-1, 0, 2]);
      expect(Array.from(heaviside(x).dataSync())).toEqual([0, 1, 1]);
      expect(
        Array.from(
          tf
            .grad((t: tf.Tensor) => tf.sum(heaviside(t)))(x)
            .dataSync(),
        ),
      ).toEqual([0, 0, 0]);
    });
  });
});
