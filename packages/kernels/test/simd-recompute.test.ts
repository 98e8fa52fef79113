// The backward without a saved h (the forward leaves h out where the SIMD backward runs, which computes it again from
// x and v_0 block by block): dL/dx and dL/dv_0 equal the backward from the forward's h bit for bit (h is the same
// float32 values, non-finite values and signed zeros included), dL/dk to double rounding (it is summed in another
// order); several blocks of 512 neurons and a ragged tail; the JavaScript backward computes h itself where the SIMD
// one does not run; the kernels leave h out under a tape and no tensor behind.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@spikefn/core/tf';
import { key, setBackend } from '@spikefn/core';
import { atan, lifNode, plifNode, sigmoid, surrogate, type Surrogate } from '@spikefn/neurons';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEURON_BACKWARD, NEURON_FORWARD, type NeuronAttrs } from '../src/neuron/attrs.js';
import { backward, forward, type CoreCotangents, type CoreSettings, type FormCode, type ScalarSurrogate } from '../src/neuron/loops.js';
import { surrogateById, surrogateDerivativeId } from '../src/neuron/surrogates.js';
import { setSimdEnabled, simdModule, type SimdExports } from '../src/simd/module.js';
import { simdBackward } from '../src/simd/neuron.js';
import { simdSurrogate, type SimdSurrogate } from '../src/simd/surrogate.js';

let m: SimdExports;
beforeAll(() => {
  const mod = simdModule();
  if (mod === null) throw new Error('this Node has no WebAssembly SIMD: the SIMD tests cannot run');
  m = mod;
});
afterAll(async () => {
  setSimdEnabled(true);
  await setBackend('cpu');
});

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true });
const anyValue = fc.oneof(
  { weight: 8, arbitrary: f32(-3, 3) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1, -1) },
);
const settingsArb = fc.record({
  form: fc.constantFrom<FormCode>(0, 1, 2),
  k: f32(2 ** -8, 1),
  vThreshold: fc.oneof(fc.constant(1), f32(-2, 2)),
  vReset: fc.oneof(fc.constantFrom(0, -0), f32(-1, 1)),
  hard: fc.boolean(),
  detachReset: fc.boolean(),
});
const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** The surrogate as the kernels see it (a neuron run once registers it with its hint). */
function scalarOf(s: Surrogate): ScalarSurrogate {
  const n = lifNode({ surrogate: s });
  tf.tidy(() => {
    n.sequence({}, n.initialState({}, [2], key(0)), tf.zeros([1, 2]));
  });
  return surrogateById(surrogateDerivativeId(s, s.derivativeScalar));
}

/** h of the JavaScript forward (the reference the SIMD forward equals bit for bit). */
function hOf(p: CoreSettings, T: number, N: number, x: Float32Array, v0: Float32Array): Float32Array {
  const h = new Float32Array(T * N);
  forward(p, T, N, x, v0.slice(), new Float32Array(T * N), h, null);
  return h;
}

describe('SIMD backward without h', () => {
  it('equals the backward from the saved h: dx and dv0 bit for bit, dk to double rounding', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.record({ T: fc.integer({ min: 1, max: 5 }), N: fc.constantFrom(1, 3, 8, 511, 513, 1030) }),
        fc.constantFrom(sigmoid(4), atan(2)),
        fc.record({ dV: fc.boolean(), dH: fc.boolean(), dVSeq: fc.boolean(), dk: fc.boolean() }),
        fc.infiniteStream(anyValue),
        (p, { T, N }, s, which, values) => {
          const it = values[Symbol.iterator]();
          const next = (): number => it.next().value as number;
          const x = Float32Array.from({ length: T * N }, next);
          const v0 = Float32Array.from({ length: N }, next);
          const arr = (on: boolean, n: number): Float32Array | null => (on ? Float32Array.from({ length: n }, next) : null);
          const cot: CoreCotangents = {
            dSpikes: Float32Array.from({ length: T * N }, next),
            dV: arr(which.dV, N),
            dH: arr(which.dH, T * N),
            dVSeq: arr(which.dVSeq, T * N),
          };
          const sd = simdSurrogate(scalarOf(s).hint) as SimdSurrogate;
          const withH = simdBackward(m, p, T, N, sd, hOf(p, T, N, x, v0), x, v0, cot, which.dk);
          const without = simdBackward(m, p, T, N, sd, null, x, v0, cot, which.dk);
          expect(same(without.dx, withH.dx)).toBe(true);
          expect(same(without.dv0, withH.dv0)).toBe(true);
          // (inputs within ±3 and the special values: finite terms stay below ~1e3, so reordering a double sum of at
          // most 5·1030 of them moves it by far less than 1e-9)
          if (Number.isFinite(withH.dk)) expect(Math.abs(without.dk - withH.dk)).toBeLessThanOrEqual(1e-9 * (Math.abs(withH.dk) + 1));
          else expect(Object.is(without.dk, withH.dk) || (Number.isNaN(without.dk) && Number.isNaN(withH.dk))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('over several chunks and several recompute blocks per chunk (T = 33, N = 4100), PLIF with every cotangent', () => {
    // T = 33: chunks of 1984 neurons (65536 / T, a multiple of 4) and recompute blocks of 1536 (65536 / T, a multiple
    // of 512) inside them: blocks of 1536 and 448, the last chunk 132 neurons
    const T = 33;
    const N = 4100;
    const p: CoreSettings = { form: 1, k: 0.375, vThreshold: 1, vReset: -0.25, hard: true, detachReset: false };
    const x = Float32Array.from({ length: T * N }, (_, i) => Math.fround(0.9 + Math.sin(i * 0.37)));
    const v0 = Float32Array.from({ length: N }, (_, i) => Math.fround(Math.cos(i) / 3));
    const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i * f)));
    const cot: CoreCotangents = { dSpikes: wave(T * N, 0.11), dV: wave(N, 0.7), dH: wave(T * N, 0.05), dVSeq: wave(T * N, 0.3) };
    const sd = simdSurrogate(scalarOf(sigmoid(4)).hint) as SimdSurrogate;
    const withH = simdBackward(m, p, T, N, sd, hOf(p, T, N, x, v0), x, v0, cot, true);
    const without = simdBackward(m, p, T, N, sd, null, x, v0, cot, true);
    expect(same(without.dx, withH.dx)).toBe(true);
    expect(same(without.dv0, withH.dv0)).toBe(true);
    expect(Math.abs(without.dk - withH.dk)).toBeLessThanOrEqual(1e-9 * (Math.abs(withH.dk) + 1));
    expect(withH.dx.some((v) => v !== 0)).toBe(true);
  });

  it('matches the JavaScript backward for the bench configuration (LIF τ = 2, sigmoid(4), T = 8, N = 1500)', () => {
    const T = 8;
    const N = 1500;
    const p: CoreSettings = { form: 1, k: 0.5, vThreshold: 1, vReset: 0, hard: true, detachReset: false };
    const x = Float32Array.from({ length: T * N }, (_, i) => Math.fround(1 + Math.sin(i * 1.7)));
    const v0 = new Float32Array(N);
    const ones = new Float32Array(T * N).fill(1);
    const cot: CoreCotangents = { dSpikes: ones, dV: null, dH: null, dVSeq: null };
    const s = scalarOf(sigmoid(4));
    const dx = new Float32Array(T * N);
    backward(p, T, N, s, hOf(p, T, N, x, v0), x, v0, cot, false, dx, new Float32Array(N));
    const got = simdBackward(m, p, T, N, simdSurrogate(s.hint) as SimdSurrogate, null, x, v0, cot, false).dx;
    const scale = dx.reduce((q, v) => Math.max(q, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0.1);
    for (let i = 0; i < T * N; i++) expect(Math.abs((got[i] as number) - (dx[i] as number))).toBeLessThanOrEqual(2e-5 * scale);
  });
});

const own = surrogate({
  name: 'Own',
  alpha: 1,
  options: {},
  primitive: (x) => tf.sigmoid(x),
  derivative: (x) => tf.mul(tf.sigmoid(x), tf.sub(1, tf.sigmoid(x))),
  derivativeScalar: (x) => {
    const q = 1 / (1 + Math.exp(-x));
    return q * (1 - q);
  },
});

describe.each(['cpu', 'wasm'])('the kernels on %s', (backend) => {
  const T = 4;
  const N = 6;
  const attrsOf = (s: Surrogate, saveH: boolean, learnableDecay = false): NeuronAttrs => ({
    form: 1,
    vThreshold: 1,
    vReset: 0,
    hard: true,
    detachReset: false,
    surrogateId: surrogateDerivativeId(s, s.derivativeScalar, scalarOf(s).hint),
    learnableDecay,
    saveH,
    record: false,
  });
  const inputs = () => ({
    x: tf.tensor2d(
      Array.from({ length: T * N }, (_, i) => 1 + Math.sin(i)),
      [T, N],
    ),
    v0: tf.tensor1d(Array.from({ length: N }, (_, i) => Math.cos(i) / 4)),
    k: tf.scalar(0.5),
  });

  it('the forward leaves h out for a SIMD backward, and keeps it for a JavaScript one (a surrogate of its own)', async () => {
    await setBackend(backend);
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      const outs = (s: Surrogate) =>
        tf.engine().runKernel(NEURON_FORWARD, inputs(), attrsOf(s, true) as unknown as tf.NamedAttrMap) as tf.Tensor[];
      expect(outs(sigmoid(4))).toHaveLength(2);
      expect(outs(own)).toHaveLength(3);
      setSimdEnabled(false);
      try {
        expect(outs(sigmoid(4))).toHaveLength(3);
      } finally {
        setSimdEnabled(true);
      }
    });
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('the backward without h (SIMD off: the JavaScript loop computes it) equals the backward with h', async () => {
    await setBackend(backend);
    const n0 = tf.memory().numTensors;
    for (const s of [sigmoid(4), own]) {
      tf.tidy(() => {
        const ins = inputs();
        const a = attrsOf(s, false, true) as unknown as tf.NamedAttrMap;
        // h from a forward that outputs it (record), then the backward with it and without it, SIMD on and off
        const recA = { ...a, record: true, saveH: true };
        const h = (tf.engine().runKernel(NEURON_FORWARD, ins, recA) as tf.Tensor[])[2] as tf.Tensor;
        const dSpikes = tf.tensor2d(
          Array.from({ length: T * N }, (_, i) => Math.cos(i * 0.3)),
          [T, N],
        );
        const back = (withH: boolean) =>
          (tf.engine().runKernel(NEURON_BACKWARD, withH ? { ...ins, h, dSpikes } : { ...ins, dSpikes }, a) as tf.Tensor[]).map(
            (t) => t.dataSync() as Float32Array,
          );
        const runs: Float32Array[][] = [];
        for (const simd of [true, false]) {
          setSimdEnabled(simd);
          try {
            runs.push(back(true), back(false));
          } finally {
            setSimdEnabled(true);
          }
        }
        const ref = runs[0] as Float32Array[];
        expect((ref[0] as Float32Array).some((v) => v !== 0)).toBe(true);
        for (const r of runs.slice(1))
          r.forEach((g, i) => {
            const want = ref[i] as Float32Array;
            const scale = want.reduce((q, v) => Math.max(q, Math.abs(v)), 0);
            g.forEach((v, j) => {
              expect(Math.abs(v - (want[j] as number))).toBeLessThanOrEqual(1e-5 * (scale + 1e-3));
            });
          });
      });
    }
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('a gradient through plifNode().sequence without h equals the one through its record (which keeps h)', async () => {
    await setBackend(backend);
    const layer = plifNode({ vReset: -0.1 });
    const n0 = tf.memory().numTensors;
    tf.tidy(() => {
      const params = layer.init(key(1));
      const x = tf.reshape(tf.mul(tf.add(tf.sin(tf.range(0, T * N)), 0.8), 1.5), [T, N]);
      const s0 = layer.initialState(params, [N], key(2));
      const w = tf.reshape(tf.cos(tf.range(0, T * N)), [T, N]);
      const viaSequence = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(layer.sequence({ w: ww } as typeof params, s0, xx)[1], w)),
      )([x, (params as { w: tf.Tensor }).w]);
      const viaRecord = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul((layer.record({ w: ww } as typeof params, s0, xx)[1] as unknown as { spikes: tf.Tensor }).spikes, w)),
      )([x, (params as { w: tf.Tensor }).w]);
      viaSequence.forEach((g, i) => {
        const a = g.dataSync();
        const b = (viaRecord[i] as tf.Tensor).dataSync();
        expect(a.some((v) => v !== 0)).toBe(true);
        a.forEach((v, j) => {
          expect(Math.abs(v - (b[j] as number))).toBeLessThanOrEqual(1e-6 * (Math.abs(b[j] as number) + 1));
        });
      });
    });
    expect(tf.memory().numTensors).toBe(n0);
  });
});
