// NonzeroSignLogAbs and SquarewaveFourierSeries (the surrogates of SpikingJelly 0.0.0.0.8 the first port lacked), the
// two PiecewiseLeakyReLU conventions, and laws every surrogate shares: the backward is the primitive's derivative by
// finite differences (where SpikingJelly makes it so), finite for every finite input, and usable by the fused kernels.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, setBackend, SpikefnArgumentError } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { atan, erf, piecewiseExp, piecewiseLeakyRelu, piecewiseQuadratic, sigmoid, softSign, type Surrogate } from '../src/surrogate.js';
import { nonzeroSignLogAbs, squarewaveFourierSeries } from '../src/surrogate-extra.js';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import { NEURON_BACKWARD, NEURON_FORWARD } from '@spikefn/kernels';
import { expectExact, expectGradClose } from './helpers.js';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const on = (xs: readonly number[], f: (x: tf.Tensor) => tf.Tensor): number[] => tf.tidy(() => values(f(tf.tensor1d([...xs]))));

/** The new surrogates with several hyper-parameters (SpikingJelly's defaults first). */
const NEW: ReadonlyArray<readonly [string, () => Surrogate]> = [
  ['nonzeroSignLogAbs()', () => nonzeroSignLogAbs()],
  ['nonzeroSignLogAbs(0.5)', () => nonzeroSignLogAbs(0.5)],
  ['nonzeroSignLogAbs(4)', () => nonzeroSignLogAbs(4)],
  ['squarewaveFourierSeries()', () => squarewaveFourierSeries()],
  ['squarewaveFourierSeries(4, 8)', () => squarewaveFourierSeries(4, 8)],
  ['squarewaveFourierSeries(8, 4)', () => squarewaveFourierSeries(8, 4)],
  ['squarewaveFourierSeries(1)', () => squarewaveFourierSeries(1)],
];

/** Every surrogate of SpikingJelly 0.0.0.0.8, with the points where its derivative has a kink (kept out of the FD law). */
const ALL: ReadonlyArray<readonly [string, () => Surrogate, readonly number[]]> = [
  ['sigmoid(4)', () => sigmoid(4), []],
  ['atan(2)', () => atan(2), []],
  ['piecewiseQuadratic(1.5)', () => piecewiseQuadratic(1.5), [0, 1 / 1.5, -1 / 1.5]],
  ['piecewiseExp(2)', () => piecewiseExp(2), [0]],
  ['softSign(3)', () => softSign(3), [0]],
  ['erf(2)', () => erf(2), []],
  ["piecewiseLeakyRelu(0.5, 0.05, '1/(2w)')", () => piecewiseLeakyRelu(0.5, 0.05, { windowSlope: '1/(2w)' }), [0.5, -0.5]],
  ['nonzeroSignLogAbs(4)', () => nonzeroSignLogAbs(4), [0]],
  ['nonzeroSignLogAbs(0.5)', () => nonzeroSignLogAbs(0.5), [0]],
  ['squarewaveFourierSeries()', () => squarewaveFourierSeries(), []],
  ['squarewaveFourierSeries(8, 4)', () => squarewaveFourierSeries(8, 4), []],
  ['squarewaveFourierSeries(1)', () => squarewaveFourierSeries(1), []],
];

// x from −4 to 4 in steps of 1/64 (exact in float32), and the finite-difference step.
const GRID = Array.from({ length: 513 }, (_, i) => -4 + i / 64);
const H = 2 ** -10;

describe('the derivative is the primitive’s slope: central finite differences of the primitive (float32, h = 2^-10)', () => {
  it.each(ALL)('%s', (_name, make, kinks) => {
    const s = make();
    const xs = GRID.filter((x) => kinks.every((k) => Math.abs(x - k) > 4 * H));
    const up = on(
      xs.map((x) => x + H),
      s.primitive,
    );
    const down = on(
      xs.map((x) => x - H),
      s.primitive,
    );
    const d = on(xs, s.derivative);
    xs.forEach((x, i) => {
      const fd = ((up[i] as number) - (down[i] as number)) / (2 * H);
      const want = d[i] as number;
      if (!(Math.abs(fd - want) <= 2e-3 + 1e-3 * Math.abs(want))) throw new Error(`x = ${x}: finite difference ${fd}, derivative ${want}`);
    });
  });

  it("PiecewiseLeakyReLU's default backward (SpikingJelly 0.0.0.0.8) is twice the primitive's slope inside the window, equal outside", () => {
    const w = 0.5;
    const s = piecewiseLeakyRelu(w, 0.05);
    const xs = GRID.filter((x) => Math.abs(Math.abs(x) - w) > 4 * H);
    const up = on(
      xs.map((x) => x + H),
      s.primitive,
    );
    const down = on(
      xs.map((x) => x - H),
      s.primitive,
    );
    const d = on(xs, s.derivative);
    xs.forEach((x, i) => {
      const fd = ((up[i] as number) - (down[i] as number)) / (2 * H);
      const ratio = Math.abs(x) < w ? 2 : 1;
      expect(Math.abs(fd * ratio - (d[i] as number))).toBeLessThan(2e-3);
    });
  });
});

describe('every surrogate’s derivative is finite for every finite float32 input (and derivativeScalar agrees)', () => {
  it.each(ALL)('%s', (_name, make) => {
    const s = make();
    const extremes = [3.4028234663852886e38, -3.4028234663852886e38, 1e30, -1e30, 1e-45, -1e-45, 0, -0, 65504, -12345.678];
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 30 }), (raw) => {
        const xs = [...raw, ...extremes];
        const d = on(xs, s.derivative);
        xs.forEach((x, i) => {
          expect(Number.isFinite(d[i])).toBe(true);
          expect(Number.isFinite(s.derivativeScalar(x))).toBe(true);
        });
        const g = tf.tidy(() => values(tf.grad((t: tf.Tensor) => tf.sum(s.spike(t)))(tf.tensor1d(xs))));
        for (const v of g) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 50, seed: 14 },
    );
  });
});

describe.each(NEW)('%s', (_name, make) => {
  const s = make();
  const xsArb = fc.array(fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 });

  it('spike forward is heaviside (heaviside(0) = 1), float32 0/1; backward is dy · derivative(x)', () => {
    fc.assert(
      fc.property(xsArb, fc.float({ min: -2, max: 2, noNaN: true }), (xs, scale) => {
        tf.tidy(() => {
          const x = tf.tensor1d(xs);
          const y = s.spike(x);
          expect(y.dtype).toBe('float32');
          values(y).forEach((v, i) => {
            expect(v).toBe((xs[i] as number) >= 0 ? 1 : 0);
          });
          const g = values(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(s.spike(t), scale)))(x));
          values(s.derivative(x)).forEach((d, i) => {
            expect(Math.abs((g[i] as number) - d * scale)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(d * scale)));
          });
        });
      }),
      { numRuns: 50, seed: 3 },
    );
  });

  it('derivativeScalar equals derivative (float32) on every input, to float32 rounding of its largest term', () => {
    const scale = 1 + Math.abs(s.derivativeScalar(0));
    fc.assert(
      fc.property(xsArb, (xs) => {
        const d = on(xs, s.derivative);
        xs.forEach((x, i) => {
          const want = d[i] as number;
          expect(Math.abs(s.derivativeScalar(Math.fround(x)) - want)).toBeLessThanOrEqual(2e-6 * scale + 1e-5 * Math.abs(want));
        });
      }),
      { numRuns: 50, seed: 4 },
    );
  });

  it('leaves no tensors behind', () => {
    const x = tf.tensor1d([-1, 0, 0.5, 7]);
    expect(leakedBy(() => s.spike(x))).toBe(0);
    expect(leakedBy(() => s.primitive(x))).toBe(0);
    expect(leakedBy(() => s.derivative(x))).toBe(0);
    expect(leakedBy(() => [tf.grad((t: tf.Tensor) => tf.sum(s.spike(t)))(x)])).toBe(0);
    expect(leakedBy(() => [tf.grad((t: tf.Tensor) => tf.sum(s.primitive(t)))(x)])).toBe(0);
    x.dispose();
  });
});

describe('nonzeroSignLogAbs: the closed forms of SpikingJelly 0.0.0.0.8', () => {
  it('g(x) = sign0(x)·log(1 + α·abs(x)) (odd, 0 at 0, unbounded), g′(x) = α/(1 + α·abs(x)) (even, α at 0)', () => {
    for (const alpha of [1, 0.5, 4]) {
      const s = nonzeroSignLogAbs(alpha);
      const xs = [-5, -1, -1e-3, 0, 1e-3, 0.25, 2, 100];
      const p = on(xs, s.primitive);
      const d = on(xs, s.derivative);
      xs.forEach((x, i) => {
        const want = Math.sign(x) * Math.log1p(alpha * Math.abs(x));
        expect(Math.abs((p[i] as number) - want)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want)));
        expect(Math.abs((d[i] as number) - alpha / (1 + alpha * Math.abs(x)))).toBeLessThanOrEqual(1e-6 * alpha);
      });
      expect(s.derivativeScalar(0)).toBeCloseTo(alpha, 12);
      expect(s.name).toBe('NonzeroSignLogAbs');
      expect(s.options).toEqual({ alpha });
    }
    expect(nonzeroSignLogAbs().alpha).toBe(1);
  });

  it('autodiff of the primitive gives α at x = 0 (sign0 is a constant to autodiff, as in SpikingJelly)', () => {
    const g = tf.tidy(() => values(tf.grad((t: tf.Tensor) => tf.sum(nonzeroSignLogAbs(3).primitive(t)))(tf.tensor1d([0, -0]))));
    expect(g).toEqual([3, 3]);
  });
});

describe('squarewaveFourierSeries: n − 1 harmonics, as SpikingJelly 0.0.0.0.8', () => {
  it('default n = 2, T = 8 is one cosine: g′(x) = cos(πx/4)/2, negative for 2 < abs(x) < 6; g(x) = 1/2 + (2/π)·sin(πx/4)', () => {
    const s = squarewaveFourierSeries();
    expect(s.options).toEqual({ n: 2, tPeriod: 8 });
    const xs = [-4, -3, -2, -1, 0, 1, 2, 3, 4, 6, 10];
    const d = on(xs, s.derivative);
    const p = on(xs, s.primitive);
    xs.forEach((x, i) => {
      expect(Math.abs((d[i] as number) - Math.cos((Math.PI * x) / 4) / 2)).toBeLessThan(1e-6);
      expect(Math.abs((p[i] as number) - (0.5 + (2 / Math.PI) * Math.sin((Math.PI * x) / 4)))).toBeLessThan(1e-6);
    });
    expect(s.derivativeScalar(4)).toBeCloseTo(-0.5, 12);
    expect(s.derivativeScalar(0)).toBeCloseTo(0.5, 12);
  });

  it('n = 1 has no harmonic: a zero gradient and the constant primitive 1/2 (whose autodiff gradient is 0)', () => {
    const s = squarewaveFourierSeries(1);
    const xs = [-3, 0, 0.5, 9];
    expect(on(xs, s.derivative)).toEqual([0, 0, 0, 0]);
    expect(on(xs, s.primitive)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(tf.tidy(() => values(tf.grad((t: tf.Tensor) => tf.sum(s.spike(t)))(tf.tensor1d(xs))))).toEqual([0, 0, 0, 0]);
    expect(tf.tidy(() => values(tf.grad((t: tf.Tensor) => tf.sum(s.primitive(t)))(tf.tensor1d(xs))))).toEqual([0, 0, 0, 0]);
  });

  it('is periodic in x with period T (g and g′), and its peak gradient at 0 is (4/T)(n − 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.constantFrom(2, 4, 8, 10), fc.float({ min: -3, max: 3, noNaN: true }), (n, T, x) => {
        const s = squarewaveFourierSeries(n, T);
        const [d0, d1] = on([x, x + T], s.derivative) as [number, number];
        const [p0, p1] = on([x, x + T], s.primitive) as [number, number];
        expect(Math.abs(d0 - d1)).toBeLessThan(1e-4 * n);
        expect(Math.abs(p0 - p1)).toBeLessThan(1e-5 * n);
        expect(s.derivativeScalar(0)).toBeCloseTo((4 / T) * (n - 1), 10);
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it('the primitive converges to the square wave (1 on (0, T/2), 0 on (−T/2, 0)) as n grows', () => {
    const s = squarewaveFourierSeries(200, 8);
    const xs = [-3, -2, -1, 1, 2, 3];
    on(xs, s.primitive).forEach((p, i) => {
      expect(Math.abs(p - ((xs[i] as number) > 0 ? 1 : 0))).toBeLessThan(0.01);
    });
  });
});

describe('PiecewiseLeakyReLU: the two conventions', () => {
  it("default '1/w' (SpikingJelly 0.0.0.0.8), '1/(2w)' (current SpikingJelly); c outside, c at abs(x) = w (strict <)", () => {
    const w = 2;
    const xs = [-2.5, -2, -1.9, 0, 1.9, 2, 2.5];
    const want = (slope: number) => xs.map((x) => Math.fround(Math.abs(x) < w ? slope : 0.1));
    expect(on(xs, piecewiseLeakyRelu(w, 0.1).derivative)).toEqual(want(1 / w));
    expect(on(xs, piecewiseLeakyRelu(w, 0.1, { windowSlope: '1/w' }).derivative)).toEqual(want(1 / w));
    expect(on(xs, piecewiseLeakyRelu(w, 0.1, { windowSlope: '1/(2w)' }).derivative)).toEqual(want(1 / (2 * w)));
    expect(piecewiseLeakyRelu(w, 0.1, { windowSlope: '1/(2w)' }).derivativeScalar(0)).toBe(0.25);
    // The primitive is the same in both.
    expect(on(xs, piecewiseLeakyRelu(w, 0.1, { windowSlope: '1/(2w)' }).primitive)).toEqual(on(xs, piecewiseLeakyRelu(w, 0.1).primitive));
  });

  it('rejects an unknown convention, naming the option', () => {
    expect(() => piecewiseLeakyRelu(1, 0.01, { windowSlope: '2/w' as '1/w' })).toThrow(SpikefnArgumentError);
    expect(() => piecewiseLeakyRelu(1, 0.01, { windowSlope: '2/w' as '1/w' })).toThrow(
      /argument 'options.windowSlope' expected '1\/w' or '1\/\(2w\)', got "2\/w"/,
    );
  });
});

describe('argument checks', () => {
  it('nonzeroSignLogAbs: alpha a finite number > 0; squarewaveFourierSeries: n an integer >= 1, tPeriod a finite number > 0', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => nonzeroSignLogAbs(bad)).toThrow(/nonzeroSignLogAbs: argument 'alpha' expected a finite number > 0/);
      expect(() => squarewaveFourierSeries(2, bad)).toThrow(/squarewaveFourierSeries: argument 'tPeriod' expected a finite number > 0/);
    }
    for (const bad of [0, -2, 2.5, Number.NaN]) {
      expect(() => squarewaveFourierSeries(bad)).toThrow(SpikefnArgumentError);
      expect(() => squarewaveFourierSeries(bad)).toThrow(/argument 'n' expected an integer >= 1/);
    }
  });
});

// The fused kernels take a surrogate's derivativeScalar: the new surrogates must give the composed path's gradients.
describe.each(['cpu', 'wasm'] as const)('fused == composed with the new surrogates (%s)', (backend) => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  const surrogates = [
    ...NEW.map(([n, m]) => [n, m()] as const),
    ["piecewiseLeakyRelu(1, 0.01, '1/(2w)')", piecewiseLeakyRelu(1, 0.01, { windowSlope: '1/(2w)' })] as const,
  ];

  it.each(surrogates)(
    'lifNode / ifNode with %s: equal spikes and v, gradients to float32 rounding, through the fused kernels',
    async (_name, surrogate) => {
      await setBackend(backend);
      expect(tf.getBackend()).toBe(backend);
      const layers = [
        lifNode({ tau: 2, surrogate }),
        lifNode({ tau: 3, vReset: null, detachReset: true, surrogate, decayInput: false }),
        ifNode({ vThreshold: 0.7, vReset: -0.1, surrogate }),
      ];
      for (const [seed, layer] of layers.entries()) {
        tf.tidy(() => {
          const xs = tf.randomUniform([9, 3, 4], -1, 2.5, 'float32', seed);
          const g = tf.randomNormal(xs.shape, 0, 1, 'float32', seed + 10);
          const s0 = layer.initialState({}, [3, 4], key(0));
          const [sf, yf] = layer.sequence({}, s0, xs);
          const [sc, yc] = layer.sequenceComposed({}, s0, xs);
          expectExact('spikes', yf, yc);
          expectExact('final v', sf.v, sc.v);
          expect(values(yf).some((v) => v === 1)).toBe(true);
          const loss = (seq: typeof layer.sequence) => (x: tf.Tensor) => {
            const [s, y] = seq({}, s0, x);
            return tf.add(tf.sum(tf.mul(y, g)), tf.sum(s.v));
          };
          const fused = tf.grad(loss(layer.sequence))(xs);
          const composed = tf.grad(loss(layer.sequenceComposed))(xs);
          expectGradClose('dL/dx', fused, composed);
        });
      }
      const layer = lifNode({ surrogate });
      const xs = tf.randomUniform([5, 2], 0, 2, 'float32', 1);
      const s0 = layer.initialState({}, [2], key(0));
      const info = await tf.profile(() => tf.grad((x: tf.Tensor) => tf.sum(layer.sequence({}, s0, x)[1]))(xs));
      expect(info.kernelNames).toContain(NEURON_FORWARD);
      expect(info.kernelNames).toContain(NEURON_BACKWARD);
      tf.dispose([xs, s0.v]);
    },
  );
});
