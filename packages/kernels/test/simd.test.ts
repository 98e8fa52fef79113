// The WebAssembly SIMD neuron loops against the JavaScript loops (the reference, ../src/neuron/loops.ts): forward bit
// for bit (spikes, h, v trace, v_T; NaN, ±Infinity and signed zeros included) for every charge form, reset and mode;
// backward to float32 rounding for every cotangent combination, detachReset, learnable decay and every built-in
// surrogate; N not a multiple of 4, T = 1; the fallback to JavaScript; the tfjs kernels with SIMD on and off.
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  atan,
  lifNode,
  erf,
  nonzeroSignLogAbs,
  piecewiseExp,
  piecewiseLeakyRelu,
  piecewiseQuadratic,
  sigmoid,
  softSign,
  squarewaveFourierSeries,
  surrogate,
  type Surrogate,
} from '@spikefn/neurons';
import { surrogateDerivativeId, surrogateById } from '../src/neuron/surrogates.js';
import { backward, forward, type CoreCotangents, type CoreSettings, type FormCode, type ScalarSurrogate } from '../src/neuron/loops.js';
import { setSimdEnabled, simdActive, simdModule, simdSupported, type SimdExports } from '../src/simd/module.js';
import { simdBackward, simdForward, trySimdBackward, trySimdForward } from '../src/simd/neuron.js';
import { simdSurrogate } from '../src/simd/surrogate.js';

let m: SimdExports;
beforeAll(() => {
  const mod = simdModule();
  if (mod === null) throw new Error('this Node has no WebAssembly SIMD: the SIMD tests cannot run');
  m = mod;
});

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true });
/** Mostly moderate values, with every special float32 value in the mix. */
const anyValue = fc.oneof(
  { weight: 8, arbitrary: f32(-3, 3) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1, -1) },
  { weight: 1, arbitrary: fc.float() },
);

const settingsArb = fc.record({
  form: fc.constantFrom<FormCode>(0, 1, 2),
  k: f32(2 ** -8, 1),
  vThreshold: fc.oneof(fc.constant(1), f32(-2, 2)),
  vReset: fc.oneof(fc.constantFrom(0, -0), f32(-1, 1)),
  hard: fc.boolean(),
  detachReset: fc.boolean(),
});

const shapeArb = fc.record({ T: fc.integer({ min: 1, max: 6 }), N: fc.integer({ min: 1, max: 13 }) });

const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

type Mode = 'infer' | 'train' | 'record';

function jsForward(p: CoreSettings, T: number, N: number, x: Float32Array, v0: Float32Array, mode: Mode) {
  const v = v0.slice();
  const spikes = new Float32Array(T * N);
  const h = mode === 'infer' ? null : new Float32Array(T * N);
  const vSeq = mode === 'record' ? new Float32Array(T * N) : null;
  forward(p, T, N, x, v, spikes, h, vSeq);
  return { spikes, v, h, vSeq };
}

describe('SIMD forward equals the JavaScript loops bit for bit', () => {
  it('for every form, reset, mode and input, non-finite values and signed zeros included', () => {
    fc.assert(
      fc.property(
        settingsArb,
        shapeArb,
        fc.constantFrom<Mode>('infer', 'train', 'record'),
        fc.infiniteStream(anyValue),
        (p, { T, N }, mode, values) => {
          const it = values[Symbol.iterator]();
          const next = (): number => it.next().value as number;
          const x = Float32Array.from({ length: T * N }, next);
          const v0 = Float32Array.from({ length: N }, next);
          const ref = jsForward(p, T, N, x, v0, mode);
          const got = simdForward(m, p, T, N, x, v0, mode !== 'infer', mode === 'record');
          expect(same(got.spikes, ref.spikes)).toBe(true);
          expect(same(got.v, ref.v)).toBe(true);
          if (mode === 'infer') expect(got.h).toBeNull();
          else expect(same(got.h as Float32Array, ref.h as Float32Array)).toBe(true);
          if (mode === 'record') expect(same(got.vSeq as Float32Array, ref.vSeq as Float32Array)).toBe(true);
          else expect(got.vSeq).toBeNull();
          // the inputs are left alone
          expect(x.length).toBe(T * N);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('at sizes with many vectors and a ragged tail (N = 1029, T = 3), the default LIF', () => {
    const T = 3;
    const N = 1029;
    const x = Float32Array.from({ length: T * N }, (_, i) => Math.fround(Math.sin(i) * 2 + 0.5));
    const v0 = Float32Array.from({ length: N }, (_, i) => Math.fround(Math.cos(i) / 2));
    const p: CoreSettings = { form: 1, k: 0.5, vThreshold: 1, vReset: 0, hard: true, detachReset: false };
    for (const mode of ['infer', 'train', 'record'] as const) {
      const ref = jsForward(p, T, N, x, v0, mode);
      const got = simdForward(m, p, T, N, x, v0, mode !== 'infer', mode === 'record');
      expect(same(got.spikes, ref.spikes)).toBe(true);
      expect(same(got.v, ref.v)).toBe(true);
      // a third of the neurons fire at some step: the test has spikes to compare
      expect(ref.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(N / 3);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

const BUILTINS: ReadonlyArray<readonly [string, Surrogate]> = [
  ['sigmoid(4)', sigmoid(4)],
  ['sigmoid(1)', sigmoid(1)],
  ['atan(2)', atan(2)],
  ['piecewiseQuadratic(1)', piecewiseQuadratic(1)],
  ['piecewiseExp(1)', piecewiseExp(1)],
  ['softSign(2)', softSign(2)],
  ['erf(2)', erf(2)],
  ['piecewiseLeakyRelu(1, 0.01)', piecewiseLeakyRelu(1, 0.01)],
  ["piecewiseLeakyRelu(0.5, 0.1, '1/(2w)')", piecewiseLeakyRelu(0.5, 0.1, { windowSlope: '1/(2w)' })],
  ['nonzeroSignLogAbs(1)', nonzeroSignLogAbs(1)],
  ['squarewaveFourierSeries(2, 8)', squarewaveFourierSeries(2, 8)],
  ['squarewaveFourierSeries(5, 3)', squarewaveFourierSeries(5, 3)],
];

/**
 * The surrogate as the kernels see it: run a neuron with it once (the neurons register it in the kernels' table,
 * with its hint), then look it up by the same owner.
 */
function scalarOf(s: Surrogate): ScalarSurrogate {
  const n = lifNode({ surrogate: s });
  tf.tidy(() => {
    n.sequence({}, n.initialState({}, [2], key(0)), tf.zeros([1, 2]));
  });
  return surrogateById(surrogateDerivativeId(s, s.derivativeScalar));
}

const maxAbs = (a: Float32Array): number => a.reduce((q, v) => Math.max(q, Math.abs(v)), 0);

/**
 * Equal to float32 rounding: each element within `rtol` of its value, of the array's largest magnitude, or of
 * `floor` (the rounding of h − V_th in float32 moves g'(h − V_th) by up to its slope times 6e-8, times a cotangent).
 */
function close(got: Float32Array, want: Float32Array, rtol: number, floor: number): boolean {
  const scale = maxAbs(want);
  return (
    got.length === want.length &&
    got.every((v, i) => Math.abs(v - (want[i] as number)) <= rtol * (Math.abs(want[i] as number) + scale) + floor)
  );
}

describe('SIMD surrogate derivatives equal the JavaScript ones to float32 accuracy', () => {
  // Tolerance: 2e-6 of the value plus `atol` of the largest value. The Fourier series' argument (2i − 1)·ω·r carries
  // float32 rounding (~1e-7 relative) into a derivative whose slope grows with (2i − 1)·ω: a looser atol there.
  it.each(BUILTINS.map(([name, s]) => [name, s, name.startsWith('squarewave') ? 2e-5 : 4e-6] as const))('%s', (_, s, atol) => {
    const sd = simdSurrogate(scalarOf(s).hint);
    expect(sd).not.toBeNull();
    // T = 1, 'if' form (∂h/∂x = 1), no gradient through v: dx = dL/ds · g'(h − V_th), with dL/ds = 1.
    const N = 4001;
    const vth = 1;
    const h = Float32Array.from({ length: N }, (_, i) => Math.fround(vth + (i - 2000) / 100)); // z in [−20, 20]
    const ones = new Float32Array(N).fill(1);
    const p: CoreSettings = { form: 0, k: 1, vThreshold: vth, vReset: 0, hard: true, detachReset: true };
    const cot: CoreCotangents = { dSpikes: ones, dV: null, dH: null, dVSeq: null };
    const got = simdBackward(m, p, 1, N, sd as NonNullable<typeof sd>, h, h, h, cot, false).dx;
    const scale = maxAbs(Float32Array.from(h, (hv) => s.derivativeScalar(hv - vth)));
    for (let i = 0; i < N; i++) {
      const want = s.derivativeScalar((h[i] as number) - vth);
      expect(Math.abs((got[i] as number) - want)).toBeLessThanOrEqual(2e-6 * Math.abs(want) + atol * scale);
    }
  });

  it('a surrogate of your own (no hint) runs the JavaScript loop', () => {
    const own = surrogate({
      name: 'Mine',
      alpha: 1,
      options: {},
      primitive: (x) => tf.sigmoid(x),
      derivative: (x) => tf.sigmoid(x),
      derivativeScalar: (x) => 1 / (1 + Math.exp(-x)),
    });
    expect(scalarOf(own).hint).toBeUndefined();
    const p: CoreSettings = { form: 1, k: 0.5, vThreshold: 1, vReset: 0, hard: true, detachReset: false };
    const a = new Float32Array(4);
    expect(trySimdBackward(p, 1, 4, scalarOf(own), a, a, a, { dSpikes: a, dV: null, dH: null, dVSeq: null }, false)).toBeNull();
  });
});

describe('SIMD backward equals the JavaScript loops to float32 rounding', () => {
  it('for every form, reset, cotangent combination, learnable decay and surrogate', () => {
    fc.assert(
      fc.property(
        settingsArb,
        shapeArb,
        fc.constantFrom(...BUILTINS.map(([, s]) => s)),
        fc.record({ dSpikes: fc.boolean(), dV: fc.boolean(), dH: fc.boolean(), dVSeq: fc.boolean(), dk: fc.boolean() }),
        fc.infiniteStream(f32(-3, 3)),
        (p, { T, N }, s, which, values) => {
          const it = values[Symbol.iterator]();
          const next = (): number => it.next().value as number;
          const x = Float32Array.from({ length: T * N }, next);
          const v0 = Float32Array.from({ length: N }, next);
          const { h } = jsForward(p, T, N, x, v0, 'train');
          const arr = (on: boolean, n: number): Float32Array | null => (on ? Float32Array.from({ length: n }, next) : null);
          const cot: CoreCotangents = {
            dSpikes: arr(which.dSpikes, T * N),
            dV: arr(which.dV, N),
            dH: arr(which.dH, T * N),
            dVSeq: arr(which.dVSeq, T * N),
          };
          const dx = new Float32Array(T * N);
          const dv0 = new Float32Array(N);
          const dk = backward(p, T, N, scalarOf(s), h as Float32Array, x, v0, cot, which.dk, dx, dv0);
          const got = trySimdBackward(p, T, N, scalarOf(s), h as Float32Array, x, v0, cot, which.dk);
          expect(got).not.toBeNull();
          const r = got as NonNullable<typeof got>;
          const maxCot = Math.max(...[cot.dSpikes, cot.dV, cot.dH, cot.dVSeq].map((c) => (c === null ? 0 : maxAbs(c))));
          const floor = (s.name === 'SquarewaveFourierSeries' ? 1e-4 : 1e-5) * maxCot * T + 1e-30;
          expect(close(r.dx, dx, 2e-5, floor)).toBe(true);
          expect(close(r.dv0, dv0, 2e-5, floor)).toBe(true);
          // dL/dk = Σ gh·(∂h/∂k): within float32 rounding of the sum of the terms' magnitudes.
          const ghSum = dx.reduce((q, v) => q + Math.abs(v), 0) / (p.form === 1 ? p.k : 1);
          const term = 3 + 2 * Math.max(maxAbs(h as Float32Array), maxAbs(v0), 1) + Math.abs(p.vReset) + Math.abs(p.vThreshold);
          // (+1e-30: products below float32's range underflow to 0 in float32, not in double)
          expect(Math.abs(r.dk - dk)).toBeLessThanOrEqual(2e-5 * (Math.abs(dk) + ghSum * term) + floor * T * N * term + 1e-30);
          if (!which.dk || p.form === 0) expect(r.dk).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('fallback and kernels', () => {
  it('detects SIMD, and reports it missing where validation fails', () => {
    expect(simdSupported()).toBe(true);
    expect(simdSupported(() => false)).toBe(false);
    expect(
      simdSupported(() => {
        throw new Error('no WebAssembly');
      }),
    ).toBe(false);
  });

  it('setSimdEnabled(false) makes the hooks answer null (the kernels then run JavaScript)', () => {
    const p: CoreSettings = { form: 1, k: 0.5, vThreshold: 1, vReset: 0, hard: true, detachReset: false };
    const a = new Float32Array(8);
    const prev = setSimdEnabled(false);
    try {
      expect(simdActive()).toBe(false);
      expect(trySimdForward(p, 2, 4, a, a.subarray(0, 4), true, false)).toBeNull();
      expect(trySimdBackward(p, 2, 4, scalarOf(sigmoid()), a, a, a, { dSpikes: a, dV: null, dH: null, dVSeq: null }, false)).toBeNull();
    } finally {
      setSimdEnabled(prev);
    }
    expect(simdActive()).toBe(true);
    expect(trySimdForward(p, 2, 4, a, a.subarray(0, 4), true, false)).not.toBeNull();
  });

  it('a chunk larger than 32-bit WebAssembly memory falls back to JavaScript (null) instead of failing', () => {
    const p: CoreSettings = { form: 1, k: 0.5, vThreshold: 1, vReset: 0, hard: true, detachReset: false };
    const a = new Float32Array(4);
    // one chunk (all T steps of 4 neurons) in three planes exceeds 4 GiB: refused before any array is read or made
    expect(trySimdForward(p, 2 ** 29, 4, a, a, true, false)).toBeNull();
    expect(trySimdBackward(p, 2 ** 29, 4, scalarOf(sigmoid()), a, a, a, { dSpikes: a, dV: null, dH: null, dVSeq: null }, false)).toBeNull();
  });

  it('the kernels run large calls in chunks: the module memory grows to a chunk, not to the call', () => {
    const p: CoreSettings = { form: 1, k: 0.5, vThreshold: 1, vReset: 0, hard: true, detachReset: false };
    // T = 96: chunks of 680 neurons (65536 floats a plane / T, a multiple of 4), three planes and more than the
    // memory the earlier tests left; N = 20 001: 29 whole chunks and a ragged one of 281 neurons
    const T = 96;
    const N = 20_001;
    const before = m.memory.buffer.byteLength;
    const x = Float32Array.from({ length: T * N }, (_, i) => ((i * 7919) % 1000) / 400);
    const v0 = Float32Array.from({ length: N }, (_, i) => ((i * 31) % 100) / 200);
    const got = simdForward(m, p, T, N, x, v0, true, true);
    const grown = m.memory.buffer.byteLength;
    expect(grown).toBeGreaterThan(before);
    expect(grown).toBeLessThan(4 * T * N);
    const ref = jsForward(p, T, N, x, v0, 'record');
    expect(same(got.spikes, ref.spikes)).toBe(true);
    expect(same(got.v, ref.v)).toBe(true);
    expect(same(got.h as Float32Array, ref.h as Float32Array)).toBe(true);
    expect(same(got.vSeq as Float32Array, ref.vSeq as Float32Array)).toBe(true);
    // the backward, chunked the same way, against the JavaScript loop (dL/dk summed over the chunks)
    const ones = new Float32Array(T * N).fill(1);
    const cot: CoreCotangents = { dSpikes: ones, dV: v0, dH: null, dVSeq: null };
    const s = scalarOf(sigmoid());
    const dx = new Float32Array(T * N);
    const dv0 = new Float32Array(N);
    const dk = backward(p, T, N, s, ref.h as Float32Array, x, v0, cot, true, dx, dv0);
    const r = trySimdBackward(p, T, N, s, null, x, v0, cot, true) as NonNullable<ReturnType<typeof trySimdBackward>>;
    expect(m.memory.buffer.byteLength).toBeLessThan(4 * T * N);
    expect(close(r.dx, dx, 2e-5, 1e-5 * T)).toBe(true);
    expect(close(r.dv0, dv0, 2e-5, 1e-5 * T)).toBe(true);
    expect(Math.abs(r.dk - dk)).toBeLessThanOrEqual(1e-4 * dx.reduce((q, v) => q + Math.abs(v), 0));
    // a small call after the growth
    const small = simdForward(m, p, 1, 3, Float32Array.of(2, 0.5, 3), new Float32Array(3), false, false);
    expect(Array.from(small.spikes)).toEqual([1, 0, 1]);
  });
});
