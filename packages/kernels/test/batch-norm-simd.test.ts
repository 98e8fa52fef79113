// The fused BatchNorm kernels (SpikefnBatchNormForward / -Backward, cpu and wasm) with their WebAssembly SIMD passes
// on and off (setSimdEnabled): the same mean, variance, 1/√(σ² + ε), y, dx, dγ and dβ to float32 rounding on random
// shapes (S mod 4 = 0..3, one chunk and several, chunks starting inside an image, offsets abs(μ) ≫ σ), NaN and ±∞
// channel by channel as the JavaScript loops, and no tensor left behind. The JavaScript loops themselves are tested
// against the composed ops in packages/layers/test/batch-norm-fused.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_BACKWARD, BATCH_NORM_FORWARD } from '../src/batch-norm.js';
import { setSimdEnabled, simdActive } from '../src/simd/module.js';
import { type Backend, initBackends, randomArray, size, use } from './helpers.js';

const EPS = 1e-5;

beforeAll(async () => {
  await initBackends();
});

afterAll(async () => {
  setSimdEnabled(true);
  await tf.setBackend('cpu');
});

type Forward = { y: Float32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array };
type Backward = { dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array };
type Case = { shape: number[]; x: Float32Array; gamma: Float32Array; beta: Float32Array; dy: Float32Array };

function withSimd<R>(on: boolean, f: () => R): R {
  const previous = setSimdEnabled(on);
  try {
    return f();
  } finally {
    setSimdEnabled(previous);
  }
}

const values = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

function forward(simd: boolean, k: Case): Forward {
  return withSimd(simd, () =>
    tf.tidy(() => {
      const C = k.shape[1] as number;
      const inputs = { x: tf.tensor(k.x, k.shape), gamma: tf.tensor(k.gamma, [C]), beta: tf.tensor(k.beta, [C]) };
      const [y, mean, variance, invStd] = tf.engine().runKernel(BATCH_NORM_FORWARD, inputs, { eps: EPS }) as tf.Tensor[];
      return { y: values(y!), mean: values(mean!), variance: values(variance!), invStd: values(invStd!) };
    }),
  );
}

/** The backward from given statistics (the JavaScript forward's, so that both backward paths see the same inputs). */
function backward(simd: boolean, k: Case, stats: Forward): Backward {
  return withSimd(simd, () =>
    tf.tidy(() => {
      const C = k.shape[1] as number;
      const inputs = {
        dy: tf.tensor(k.dy, k.shape),
        x: tf.tensor(k.x, k.shape),
        gamma: tf.tensor(k.gamma, [C]),
        mean: tf.tensor(stats.mean, [C]),
        invStd: tf.tensor(stats.invStd, [C]),
      };
      const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_BACKWARD, inputs, {}) as tf.Tensor[];
      return { dx: values(dx!), dGamma: values(dGamma!), dBeta: values(dBeta!) };
    }),
  );
}

/** x = offset + scale·u (u uniform in [−1, 1)), γ, β and dy uniform: a case of the given shape. */
function makeCase(shape: number[], seed: number, offset: number, scale: number): Case {
  const C = shape[1] as number;
  const x = randomArray(size(shape), seed);
  for (let i = 0; i < x.length; i++) x[i] = offset + scale * x[i]!;
  return {
    shape,
    x,
    gamma: randomArray(C, seed + 1, -2, 2),
    beta: randomArray(C, seed + 2, -1, 1),
    dy: randomArray(size(shape), seed + 3),
  };
}

/** abs(actual[i] − expected[i]) ≤ tol(i) for every i (NaN only where the other is NaN, infinities equal). */
function expectWithin(actual: Float32Array, expected: Float32Array, tol: (i: number) => number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e)) throw new Error(`${what}[${i}]: got ${a}, want ${e}`);
      continue;
    }
    const t = tol(i);
    if (!(Math.abs(a - e) <= t)) throw new Error(`${what}[${i}]: got ${a}, want ${e} (difference ${Math.abs(a - e)}, tolerance ${t})`);
  }
}

const U = 2 ** -24; // float32 unit roundoff

/**
 * SIMD against JavaScript on one case, with tolerances from the two computations: statistics are the same double
 * sums in another order, rounded to float32 once (1 ulp apart at most, plus the double sums' own rounding); y and dx
 * are float32 expressions of a few roundings each (against one rounding of the double expression).
 */
function compare(k: Case, scale: number): void {
  const [N, C] = k.shape as [number, number];
  const S = size(k.shape) / (N * C);
  const n = N * S;
  const js = forward(false, k);
  const simd = forward(true, k);
  const chan = (i: number): number => Math.floor(i / S) % C;
  expectWithin(simd.mean, js.mean, (c) => 4 * U * Math.abs(js.mean[c]!) + 1e-12 * scale, 'mean');
  expectWithin(simd.variance, js.variance, (c) => 4 * U * js.variance[c]! + 1e-12 * scale * scale, 'variance');
  expectWithin(simd.invStd, js.invStd, (c) => 4 * U * js.invStd[c]!, 'invStd');
  expectWithin(
    simd.y,
    js.y,
    (i) => {
      const c = chan(i);
      const a = k.gamma[c]! * js.invStd[c]!;
      return 8 * U * (Math.abs((k.x[i]! - js.mean[c]!) * a) + Math.abs(k.beta[c]!)) + 1e-30;
    },
    'y',
  );
  const jsB = backward(false, k, js);
  const simdB = backward(true, k, js);
  // per channel Σ abs(dy) and Σ abs(dy·(x − μ)): the scale of the double sums' rounding error
  const absDy = new Float64Array(C);
  const absDyX = new Float64Array(C);
  for (let i = 0; i < k.x.length; i++) {
    const c = chan(i);
    absDy[c] = absDy[c]! + Math.abs(k.dy[i]!);
    absDyX[c] = absDyX[c]! + Math.abs(k.dy[i]! * (k.x[i]! - js.mean[c]!));
  }
  expectWithin(simdB.dBeta, jsB.dBeta, (c) => 4 * U * Math.abs(jsB.dBeta[c]!) + 1e-13 * absDy[c]!, 'dBeta');
  expectWithin(simdB.dGamma, jsB.dGamma, (c) => 4 * U * Math.abs(jsB.dGamma[c]!) + 1e-13 * js.invStd[c]! * absDyX[c]!, 'dGamma');
  expectWithin(
    simdB.dx,
    jsB.dx,
    (i) => {
      const c = chan(i);
      const r = js.invStd[c]!;
      const a = k.gamma[c]! * r;
      const bx = (a * r * Math.abs(jsB.dGamma[c]!)) / n;
      const kk = Math.abs((a * jsB.dBeta[c]!) / n);
      // the three terms of dx = dy·a + (x − μ)·bx + k (module comment of src/batch-norm.ts), each a few roundings
      return 16 * U * (Math.abs(k.dy[i]! * a) + Math.abs((k.x[i]! - js.mean[c]!) * bx) + kk) + 1e-30;
    },
    'dx',
  );
}

const backends: Backend[] = ['cpu', 'wasm'];

describe.each(backends)('BatchNorm kernels, SIMD against JavaScript (%s)', (backend) => {
  beforeAll(async () => {
    await use(backend, 'spikefn');
  });

  it('runs on SIMD here', () => {
    expect(simdActive()).toBe(true);
  });

  it('equal to float32 rounding on random shapes (S mod 4 = 0..3, C = 1 and more, offsets abs(μ) ≫ σ)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.constantFrom(0, 1, -300, 4096),
        fc.constantFrom(1, 1e-2),
        fc.nat(10000),
        (N, C, blocks, tail, spatial, offset, scale, seed) => {
          const S = Math.max(1, 4 * blocks + tail);
          const shape = S === 1 && !spatial ? [N, C] : [N, C, S];
          compare(makeCase(shape, seed, offset, scale), scale);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('equal on shapes of several chunks, chunks starting inside an image, S = 1 over several chunks', () => {
    // 256 KiB chunks of whole rows: [2, 3, 30001] has 2 rows a chunk (chunks start at channels 0, 2, 1); [600, 6, 23]
    // two chunks (channels 0, 5); [4, 32, 28, 28] two; [50000, 3] (S = 1: whole images) 21845 images a chunk, three.
    const shapes = [
      [2, 3, 30001],
      [50000, 3],
      [600, 6, 23],
      [4, 32, 28, 28],
    ];
    for (const [i, shape] of shapes.entries()) compare(makeCase(shape, 100 + i, i % 2 === 0 ? 50 : -1, 0.5), 0.5);
  });

  it('with SIMD, y is the float32 expression (x − μ)·a + β, a = fround(γ·r); without, fround(x·a + b), b = β − μ·a in double', () => {
    const k = makeCase([3, 2, 7, 5], 7, 20, 3);
    const S = 35;
    for (const simd of [true, false]) {
      const f = forward(simd, k);
      const want = new Float32Array(k.x.length);
      for (let i = 0; i < want.length; i++) {
        const c = Math.floor(i / S) % 2;
        const a = k.gamma[c]! * f.invStd[c]!;
        const mu = f.mean[c]!;
        const fr = Math.fround;
        want[i] = simd ? fr(fr(fr(k.x[i]! - mu) * fr(a)) + k.beta[c]!) : fr(k.x[i]! * a + (k.beta[c]! - mu * a));
      }
      expect(f.y, simd ? 'SIMD' : 'JavaScript').toEqual(want);
    }
  });

  it('NaN and ±∞ in x or dy: NaN channel by channel, as the JavaScript loops', () => {
    const shape = [3, 4, 9];
    const at = (b: number, c: number, s: number): number => (b * 4 + c) * 9 + s;
    const base = makeCase(shape, 3, 2, 1);
    // [what, the array edited, its new values at (b, c, s): all in one channel]
    const inf = Number.POSITIVE_INFINITY;
    const edits: [string, 'x' | 'dy', [number, number, number, number][]][] = [
      ['NaN in x', 'x', [[1, 1, 2, Number.NaN]]],
      ['+∞ in x', 'x', [[2, 2, 8, inf]]],
      [
        '−∞ (the shift) and +∞ in one channel',
        'x',
        [
          [0, 3, 0, -inf],
          [2, 3, 4, inf],
        ],
      ],
      ['NaN in dy', 'dy', [[0, 0, 5, Number.NaN]]],
    ];
    for (const [what, array, changes] of edits) {
      const k: Case = { ...base, x: base.x.slice(), dy: base.dy.slice() };
      for (const [b, c, s, v] of changes) k[array][at(b, c, s)] = v;
      const js = forward(false, k);
      const simd = forward(true, k);
      const jsB = backward(false, k, js);
      const simdB = backward(true, k, js);
      for (const [name, p, q] of [
        ['mean', simd.mean, js.mean],
        ['variance', simd.variance, js.variance],
        ['invStd', simd.invStd, js.invStd],
        ['y', simd.y, js.y],
        ['dx', simdB.dx, jsB.dx],
        ['dGamma', simdB.dGamma, jsB.dGamma],
        ['dBeta', simdB.dBeta, jsB.dBeta],
      ] as const)
        expectWithin(p, q, (i) => 1e-5 * Math.abs(q[i]!) + 1e-6, `${what}: ${name}`); // NaN and ±∞ where q has them
      // the channel with the non-finite value is NaN throughout (y for x, dx for dy), the others are not
      const bad = changes[0]![1];
      const out = array === 'dy' ? simdB.dx : simd.y;
      for (let i = 0; i < out.length; i++) expect(Number.isNaN(out[i]!), `${what}: ${i}`).toBe(Math.floor(i / 9) % 4 === bad);
    }
  });

  it('leaves no tensor behind but its outputs', () => {
    const k = makeCase([2, 3, 5], 1, 0, 1);
    tf.tidy(() => {
      const x = tf.tensor(k.x, k.shape);
      const gamma = tf.tensor(k.gamma, [3]);
      const beta = tf.tensor(k.beta, [3]);
      const dy = tf.tensor(k.dy, k.shape);
      const before = tf.memory().numTensors;
      const outs = tf.engine().runKernel(BATCH_NORM_FORWARD, { x, gamma, beta }, { eps: EPS }) as tf.Tensor[];
      expect(tf.memory().numTensors).toBe(before + 4);
      const grads = tf.engine().runKernel(BATCH_NORM_BACKWARD, { dy, x, gamma, mean: outs[1]!, invStd: outs[3]! }, {}) as tf.Tensor[];
      expect(tf.memory().numTensors).toBe(before + 7);
      for (const t of [...outs, ...grads]) t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
