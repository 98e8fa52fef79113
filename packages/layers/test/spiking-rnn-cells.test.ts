// Spiking RNN cells (SpikingJelly 0.0.0.0.8 rnn.py: SpikingLSTMCell, SpikingGRUCell, SpikingVanillaRNNCell) against
// hand-worked cases, a plain-JS reference of the equations (spiking-rnn-reference.ts) and the law kit.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, multiStep, split, treeDispose, treeLeaves, type Tree } from '@spikefn/core';
import { atan, sigmoid } from '@spikefn/neurons';
import { checkLayerLaws, leakedBy } from '@spikefn/testing';
import { type SpikingRnnCellParams, spikingGruCell, spikingLstmCell, spikingVanillaRnnCell } from '../src/index.js';
import { expectClose, leakFree, t } from './helpers.js';
import {
  cellData,
  cellDirTensors,
  cellDuals,
  cellTensors,
  directional,
  dotTrees,
  grid,
  near,
  seqDuals,
  statesOf,
  values,
} from './spiking-rnn-data.js';
import { gruRef, lstmRef, type RefStep, refErf, refSigmoid, runCell, vanillaRef } from './spiking-rnn-reference.js';

const k0 = key(3);
const ctx = evalCtx(k0);
const erfPrime = (alpha: number, u: number): number => (alpha / Math.sqrt(Math.PI)) * Math.exp(-alpha * alpha * u * u);

type Kind = 'lstm' | 'gru' | 'vanilla';
const GATES: Record<Kind, number> = { lstm: 4, gru: 3, vanilla: 1 };

describe('spiking RNN cells: hand-worked cases', () => {
  it('vanilla: h = Θ(x·1 + h·(−2)) alternates 1, 0, 1, 0 under x = 1; Θ(0) = 1 fires on x = 0', () => {
    leakFree(() => {
      const cell = spikingVanillaRnnCell({ inputSize: 1, hiddenSize: 1, bias: false });
      const params = { weightIh: t([[1]]), weightHh: t([[-2]]) };
      const run = (x: number[]) => multiStep(cell).step(params, cell.initialState(params, [1, 1], k0), t(x.map((v) => [[v]])), ctx);
      const [s, ys] = run([1, 1, 1, 1]);
      expect(Array.from(ys.dataSync())).toEqual([1, 0, 1, 0]);
      expect(Array.from(s.h.dataSync())).toEqual([0]);
      expect(Array.from(run([0, 0, 0])[1].dataSync())).toEqual([1, 0, 1]); // Θ(0) = 1, then Θ(0 − 2) = 0, …
    });
  });

  it('LSTM: all gates open counts c = h = 1, 2, 3, 4; a closed forget gate keeps c = 1; a closed output gate keeps h = 0', () => {
    leakFree(() => {
      const cell = spikingLstmCell({ inputSize: 1, hiddenSize: 1 });
      const xs = t([[[1]], [[1]], [[1]], [[1]]]);
      const run = (biasIh: number[]) => {
        const params = { weightIh: t([[1], [1], [1], [1]]), weightHh: t([[0], [0], [0], [0]]), biasIh: t(biasIh), biasHh: t([0, 0, 0, 0]) };
        const [s, ys] = multiStep(cell).step(params, cell.initialState(params, [1, 1], k0), xs, ctx);
        return { h: Array.from(ys.dataSync()), c: Array.from(s.c.dataSync()) };
      };
      expect(run([0, 0, 0, 0])).toEqual({ h: [1, 2, 3, 4], c: [4] }); // i = f = g = o = 1: c' = c + 1, h' = c'
      expect(run([0, -2, 0, 0])).toEqual({ h: [1, 1, 1, 1], c: [1] }); // f = Θ(1 − 2) = 0: c' = i·g = 1
      expect(run([0, 0, 0, -2])).toEqual({ h: [0, 0, 0, 0], c: [4] }); // o = 0: h' = 0 while c counts on
    });
  });

  it("GRU: with z = 0, h' = n = Θ(1 − 2h) alternates 1, 0, 1, 0; with z = 1, h' = h stays 0", () => {
    leakFree(() => {
      const cell = spikingGruCell({ inputSize: 1, hiddenSize: 1, bias: false });
      const xs = t([[[1]], [[1]], [[1]], [[1]]]);
      const run = (wz: number) => {
        const params = { weightIh: t([[1], [wz], [1]]), weightHh: t([[0], [0], [-2]]) };
        return Array.from(
          multiStep(cell)
            .step(params, cell.initialState(params, [1, 1], k0), xs, ctx)[1]
            .dataSync(),
        );
      };
      expect(run(-1)).toEqual([1, 0, 1, 0]); // r = Θ(1) = 1, z = Θ(−1) = 0
      expect(run(1)).toEqual([0, 0, 0, 0]); // z = 1: h' = 0·n + 1·h
    });
  });

  it("gradients are the surrogate's: vanilla dh/dW = g'(u)·x; LSTM dh/dW_ih = [g'·x·o·g, 0, g'·x·o·i, g'·x·c] at c₀ = 0", () => {
    leakFree(() => {
      // Vanilla, one step: u = 0.5·x with x = 1, erf(2): g'(0.5) = 2/√π·e^{−1}.
      const v = spikingVanillaRnnCell({ inputSize: 1, hiddenSize: 1, bias: false });
      const x = t([[1]]);
      const s0 = v.initialState({} as never, [1, 1], k0);
      const gv = tf.grads((wih: tf.Tensor, xx: tf.Tensor) => tf.sum(v.step({ weightIh: wih, weightHh: t([[0]]) }, s0, xx, ctx)[1]))([
        t([[0.5]]),
        x,
      ]);
      expectClose(gv[0] as tf.Tensor, [[erfPrime(2, 0.5)]], 1e-7, 1e-6);
      expectClose(gv[1] as tf.Tensor, [[erfPrime(2, 0.5) * 0.5]], 1e-7, 1e-6);
      // With sigmoid(4): g'(u) = 4σ(4u)(1 − σ(4u)).
      const vs = spikingVanillaRnnCell({ inputSize: 1, hiddenSize: 1, bias: false, surrogate: sigmoid(4) });
      const gs = tf.grad((wih: tf.Tensor) => tf.sum(vs.step({ weightIh: wih, weightHh: t([[0]]) }, s0, x, ctx)[1]))(t([[0.5]]));
      const sg = 1 / (1 + Math.exp(-2));
      expectClose(gs, [[4 * sg * (1 - sg)]], 1e-7, 1e-6);

      // LSTM, one step from zeros with x = 0.5 and W_ih = 1: every gate's u = 0.5, every gate fires, c = i·g = 1, h = c·o = 1.
      const l = spikingLstmCell({ inputSize: 1, hiddenSize: 1, bias: false });
      const ls0 = l.initialState({} as never, [1, 1], k0);
      const gl = tf.grad((wih: tf.Tensor) => tf.sum(l.step({ weightIh: wih, weightHh: t([[0], [0], [0], [0]]) }, ls0, t([[0.5]]), ctx)[1]))(
        t([[1], [1], [1], [1]]),
      );
      const e = erfPrime(2, 0.5) * 0.5; // g'(u)·x
      expectClose(gl, [[e], [0], [e], [e]], 1e-7, 1e-6); // f multiplies c₀ = 0
    });
  });
});

/** The reference step of a kind. */
function refStep(kind: Kind, spiking: boolean, s1: 'erf' | 'sigmoid', second: boolean): RefStep {
  const r1 = s1 === 'erf' ? refErf(2) : refSigmoid(4);
  const r2 = second ? refSigmoid(2) : r1;
  if (kind === 'lstm') return lstmRef(r1, r2, spiking);
  if (kind === 'gru') return gruRef(r1, r2, spiking);
  return vanillaRef(r1, spiking);
}

/** The spikefn cell of a kind with the same surrogates. */
function makeCell(
  kind: Kind,
  inputSize: number,
  hiddenSize: number,
  bias: boolean,
  spiking: boolean,
  s1: 'erf' | 'sigmoid',
  second: boolean,
) {
  const surrogate = s1 === 'erf' ? undefined : sigmoid(4); // undefined: the default erf(2)
  const base = { inputSize, hiddenSize, bias, spiking, ...(surrogate === undefined ? {} : { surrogate }) };
  if (kind === 'lstm') return spikingLstmCell({ ...base, ...(second ? { surrogate2: sigmoid(2) } : {}) });
  if (kind === 'gru') return spikingGruCell({ ...base, ...(second ? { surrogate2: sigmoid(2) } : {}) });
  return spikingVanillaRnnCell(base);
}

describe('spiking RNN cells against the plain-JS reference of the equations', () => {
  const T = 5;
  const B = 2;
  const IN = 3;
  const H = 2;
  const cases = fc.record({
    kind: fc.constantFrom<Kind>('lstm', 'gru', 'vanilla'),
    seed: fc.integer({ min: 1, max: 10_000 }),
    bias: fc.boolean(),
    spiking: fc.boolean(),
    s1: fc.constantFrom<'erf' | 'sigmoid'>('erf', 'sigmoid'),
    second: fc.boolean(),
  });

  it('outputs, final states and the surrogate gradient (directional derivative) match, from any initial state', () => {
    fc.assert(
      fc.property(cases, ({ kind, seed, bias, spiking, s1: s1Name, second }) => {
        // The reference has no erf primitive: non-spiking cells use sigmoid(4).
        const s1 = spiking ? s1Name : 'sigmoid';
        const lstm = kind === 'lstm';
        const data = cellData(seed, GATES[kind], IN, H, bias);
        const xv = grid([T, B, IN], seed + 20, 4, 2);
        const xd = grid([T, B, IN], seed + 21, 64, 1);
        const hv = grid([B, H], seed + 22, 4, 1);
        const hd = grid([B, H], seed + 23, 64, 1);
        const cv = grid([B, H], seed + 24, 4, 2);
        const cd = grid([B, H], seed + 25, 64, 1);
        const g = grid([T, B, H], seed + 26, 16, 1);

        const ref = runCell(
          refStep(kind, spiking, s1, second),
          cellDuals(data),
          seqDuals(xv, xd, T, B, IN),
          lstm ? statesOf(hv, hd, B, H, cv, cd) : statesOf(hv, hd, B, H),
        );

        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const cell = makeCell(kind, IN, H, bias, spiking, s1, second);
          const params = cellTensors(data);
          const xs = tf.tensor(xv, [T, B, IN]);
          const h0 = tf.tensor(hv, [B, H]);
          const c0 = tf.tensor(cv, [B, H]);
          const run = (p: SpikingRnnCellParams, x: tf.Tensor, h: tf.Tensor, c: tf.Tensor) =>
            multiStep(cell as ReturnType<typeof spikingLstmCell>).step(p, (lstm ? { h, c } : { h }) as never, x, ctx);
          const [sT, ys] = run(params, xs, h0, c0);
          if (spiking) {
            expect(Array.from(ys.dataSync())).toEqual(values(ref.hs)); // exact: dyadic data
            expect(Array.from(sT.h.dataSync())).toEqual(ref.final.flatMap((s) => s.h.map((d) => d.v)));
            if (lstm) expect(Array.from(sT.c.dataSync())).toEqual(ref.final.flatMap((s) => (s.c ?? []).map((d) => d.v)));
          } else {
            Array.from(ys.dataSync()).forEach((v, i) => {
              near(v, values(ref.hs)[i] as number, 1e-5, 1e-5, `y[${i}]`);
            });
          }
          // d/dε Σ G ⊙ ys(θ + ε·dθ, x + ε·dx, h₀ + ε·dh, c₀ + ε·dc) by tf.grads, against the reference's dual part.
          const leavesP = treeLeaves(params as unknown as Tree);
          const names = Object.keys(params);
          const loss = (...args: tf.Tensor[]): tf.Scalar => {
            const p = Object.fromEntries(names.map((n, i) => [n, args[i] as tf.Tensor])) as unknown as SpikingRnnCellParams;
            const [x, h, c] = args.slice(names.length) as [tf.Tensor, tf.Tensor, tf.Tensor];
            return tf.sum(tf.mul(run(p, x, h, c)[1], tf.tensor(g, [T, B, H])));
          };
          const grads = tf.grads(loss)(lstm ? [...leavesP, xs, h0, c0] : [...leavesP, xs, h0]);
          const dirs = [
            ...treeLeaves(cellDirTensors(data) as unknown as Tree),
            tf.tensor(xd, [T, B, IN]),
            tf.tensor(hd, [B, H]),
            tf.tensor(cd, [B, H]),
          ];
          const want = directional(ref.hs, g);
          expect(Math.abs(want)).toBeGreaterThan(1e-3); // g' > 0 everywhere: the check is not vacuous
          near(dotTrees(grads, dirs.slice(0, grads.length)), want, 1e-4, 1e-4, `${kind} directional derivative`);
          expect(grads.every((gr) => Array.from(gr.dataSync()).every(Number.isFinite))).toBe(true);
        });
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 24, seed: 7 },
    );
  });
});

describe('spiking RNN cells: init, laws, errors, memory', () => {
  it('init: every param ~ U(−1/√H, 1/√H) (reset_parameters), shapes [G·H, in], [G·H, H], [G·H]; same key, same params', () => {
    leakFree(() => {
      const H = 16;
      for (const [kind, G] of [
        ['lstm', 4],
        ['gru', 3],
        ['vanilla', 1],
      ] as const) {
        const cell = makeCell(kind, 8, H, true, true, 'erf', false);
        const p = cell.init(key(11));
        expect(p.weightIh.shape).toEqual([G * H, 8]);
        expect(p.weightHh.shape).toEqual([G * H, H]);
        expect(p.biasIh?.shape).toEqual([G * H]);
        expect(p.biasHh?.shape).toEqual([G * H]);
        const b = 1 / Math.sqrt(H);
        for (const leaf of treeLeaves(p as unknown as Tree)) {
          const v = Array.from(leaf.dataSync());
          expect(Math.max(...v)).toBeLessThan(b);
          expect(Math.min(...v)).toBeGreaterThanOrEqual(-b);
          if (v.length >= 256) {
            expect(Math.max(...v)).toBeGreaterThan(0.9 * b); // the whole range is used
            expect(Math.abs(v.reduce((a, x) => a + x, 0) / v.length)).toBeLessThan((5 * b) / Math.sqrt(3 * v.length));
          }
        }
        const again = cell.init(key(11));
        treeLeaves(p as unknown as Tree).forEach((leaf, i) => {
          expect(Array.from(leaf.dataSync())).toEqual(Array.from((treeLeaves(again as unknown as Tree)[i] as tf.Tensor).dataSync()));
        });
        const other = cell.init(key(12));
        expect(Array.from(other.weightIh.dataSync())).not.toEqual(Array.from(p.weightIh.dataSync()));
      }
      const noBias = spikingGruCell({ inputSize: 2, hiddenSize: 3, bias: false }).init(k0);
      expect(Object.keys(noBias)).toEqual(['weightIh', 'weightHh']);
    });
  });

  it('satisfies the law kit (determinism, chunking, reset, batch independence, carry shape, no leak)', () => {
    const kinds: Array<[string, ReturnType<typeof makeCell>]> = [
      ['spikingLstmCell', spikingLstmCell({ inputSize: 3, hiddenSize: 4 })],
      ['spikingLstmCell(surrogate2, not spiking)', spikingLstmCell({ inputSize: 3, hiddenSize: 4, surrogate2: atan(2), spiking: false })],
      ['spikingGruCell', spikingGruCell({ inputSize: 3, hiddenSize: 4, surrogate: sigmoid(4) })],
      ['spikingVanillaRnnCell', spikingVanillaRnnCell({ inputSize: 3, hiddenSize: 4, bias: false })],
    ];
    for (const [name, layer] of kinds) {
      const params = layer.init(key(5));
      checkLayerLaws({ name, layer: layer as ReturnType<typeof spikingLstmCell>, params, tol: { atol: 1e-5, rtol: 1e-5 } }, [3], {
        numRuns: 6,
      });
      treeDispose(params as unknown as Tree);
    }
  });

  it('rejects bad configs, params, states and inputs, naming the argument', () => {
    leakFree(() => {
      expect(() => spikingLstmCell({ inputSize: 3, hiddenSize: 0 })).toThrow(
        /spikingLstmCell: argument 'config.hiddenSize' expected an integer >= 1, got 0/,
      );
      expect(() => spikingGruCell({ inputSize: 2.5, hiddenSize: 2 })).toThrow(/spikingGruCell: argument 'config.inputSize'/);
      expect(() => spikingVanillaRnnCell({ inputSize: 2, hiddenSize: 2, surrogate: 'erf' as never })).toThrow(
        /spikingVanillaRnnCell: argument 'config.surrogate' expected a surrogate/,
      );
      expect(() => spikingLstmCell({ inputSize: 2, hiddenSize: 2, surrogate2: {} as never })).toThrow(/argument 'config.surrogate2'/);
      expect(() => spikingLstmCell({ inputSize: 2, hiddenSize: 2, spiking: 1 as never })).toThrow(
        /argument 'config.spiking' expected a boolean/,
      );
      const cell = spikingLstmCell({ inputSize: 3, hiddenSize: 2 });
      const p = cell.init(k0);
      const s = cell.initialState(p, [4, 3], k0);
      expect(() => cell.step(p, s, tf.zeros([4, 2]), ctx)).toThrow(
        /spikingLstmCell\.step: argument 'x' expected size 3 on axis 1 \(inputSize\)/,
      );
      expect(() => cell.step(p, s, tf.zeros([2, 4, 3]), ctx)).toThrow(
        /spikingLstmCell\.step: argument 'x' expected rank 2 \(\[B, inputSize\]\)/,
      );
      expect(() => cell.step(p, s, tf.zeros([5, 3]), ctx)).toThrow(/spikingLstmCell\.step: argument 'state\.h' expected shape \[5, 2\]/);
      expect(() => cell.step(p, { h: s.h } as never, tf.zeros([4, 3]), ctx)).toThrow(/argument 'state\.c' expected a tensor/);
      expect(() => cell.step({ ...p, weightHh: tf.zeros([8, 3]) }, s, tf.zeros([4, 3]), ctx)).toThrow(
        /spikingLstmCell\.step: argument 'params\.weightHh' expected shape \[8, 2\]/,
      );
      expect(() => cell.step(p, s, tf.zeros([4, 3], 'int32'), ctx)).toThrow(/argument 'x' expected dtype float32/);
      expect(() => cell.step(p, s, tf.zeros([4, 3]), { training: 'no' } as never)).toThrow(/argument 'ctx\.training' expected a boolean/);
      expect(() => cell.initialState(p, [4], k0)).toThrow(/spikingLstmCell\.initialState: argument 'inputShape' expected rank 2/);
      const nb = spikingVanillaRnnCell({ inputSize: 3, hiddenSize: 2, bias: false });
      expect(() =>
        nb.step({ ...nb.init(k0), biasIh: tf.zeros([2]) }, nb.initialState({} as never, [1, 3], k0), tf.zeros([1, 3]), ctx),
      ).toThrow(/argument 'params\.biasIh' expected no bias/);
    });
  });

  it('init, initialState, step and its gradient leave nothing behind but what they return', () => {
    for (const cell of [spikingLstmCell({ inputSize: 3, hiddenSize: 2 }), spikingGruCell({ inputSize: 3, hiddenSize: 2 })]) {
      const [ki, ks] = split(key(9), 2);
      expect(leakedBy(() => cell.init(ki) as unknown as Tree)).toBe(0);
      const p = cell.init(ki);
      expect(leakedBy(() => cell.initialState(p, [2, 3], ks) as unknown as Tree)).toBe(0);
      const s = cell.initialState(p, [2, 3], ks);
      const x = tf.ones([2, 3]);
      expect(leakedBy(() => cell.step(p, s, x, ctx) as unknown as Tree)).toBe(0);
      expect(leakedBy(() => tf.grads((w: tf.Tensor) => tf.sum(cell.step({ ...p, weightIh: w }, s, x, ctx)[1]))([p.weightIh]))).toBe(0);
      treeDispose([p, s, x] as unknown as Tree);
    }
  });
});
