// Multi-layer spiking RNNs (SpikingJelly 0.0.0.0.8 rnn.py: SpikingLSTM, SpikingGRU, SpikingVanillaRNN over
// SpikingRNNBase): stacking, bidirectional runs, dropout between layers, against hand-worked cases, the plain-JS
// reference (spiking-rnn-reference.ts) and the law kit.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { evalCtx, foldIn, key, multiStep, trainCtx, treeDispose, treeLeaves, type Tree } from '@spikefn/core';
import { checkLayerLaws, floatData, leakedBy } from '@spikefn/testing';
import {
  dropoutMask,
  type SpikingLstmState,
  type SpikingRnnCellParams,
  type SpikingRnnParams,
  spikingGru,
  spikingGruCell,
  spikingLstm,
  spikingLstmCell,
  spikingVanillaRnn,
  spikingVanillaRnnCell,
} from '../src/index.js';
import { leakFree, maxDiff, t } from './helpers.js';
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
import { dual, gruRef, lstmRef, type RefState, refErf, runBidirectional, runStack, vanillaRef } from './spiking-rnn-reference.js';

/** The zero direction of a cell's params. */
const zeroDir = (c: ReturnType<typeof cellData>): ReturnType<typeof cellData>['dir'] => {
  const z = (m: number[][]) => m.map((r) => r.map(() => 0));
  const base = { wih: z(c.wih), whh: z(c.whh) };
  return c.bih === undefined ? base : { ...base, bih: c.bih.map(() => 0), bhh: (c.bhh as number[]).map(() => 0) };
};

const k0 = key(21);
const ctx = evalCtx(k0);
type Kind = 'lstm' | 'gru' | 'vanilla';
const GATES: Record<Kind, number> = { lstm: 4, gru: 3, vanilla: 1 };
const STACKS = { lstm: spikingLstm, gru: spikingGru, vanilla: spikingVanillaRnn } as const;
const CELLS = { lstm: spikingLstmCell, gru: spikingGruCell, vanilla: spikingVanillaRnnCell } as const;
const refOf = (kind: Kind) =>
  kind === 'lstm' ? lstmRef(refErf(2), refErf(2), true) : kind === 'gru' ? gruRef(refErf(2), refErf(2), true) : vanillaRef(refErf(2), true);
type AnyStack = ReturnType<typeof spikingLstm>;

describe('spiking RNN stacks: hand-worked cases', () => {
  it('interLayer: layer 1 = Θ(h₀ − 0.5) reads the layer below at the same step (0, 1, 0) or one step earlier (0, 0, 1)', () => {
    leakFree(() => {
      const params = {
        cells: [
          { weightIh: t([[1]]), weightHh: t([[0]]), biasIh: t([0]), biasHh: t([0]) }, // h₀ = Θ(x)
          { weightIh: t([[1]]), weightHh: t([[0]]), biasIh: t([-0.5]), biasHh: t([0]) }, // h₁ = Θ(u − 0.5)
        ],
      };
      const xs = t([[[-1]], [[1]], [[-1]]]); // h₀ = 0, 1, 0
      for (const [interLayer, want, last] of [
        ['same-step', [0, 1, 0], [0, 0]],
        ['previous-step', [0, 0, 1], [0, 1]],
      ] as const) {
        const rnn = spikingVanillaRnn({ inputSize: 1, hiddenSize: 1, numLayers: 2, interLayer });
        const [s, ys] = rnn.step(params, rnn.initialState(params, [3, 1, 1], k0), xs, ctx);
        expect(Array.from(ys.dataSync())).toEqual(want);
        expect(s.h.shape).toEqual([2, 1, 1]);
        expect(Array.from(s.h.dataSync())).toEqual(last);
      }
    });
  });

  it('bidirectional: y[t] = [forward h after x[0..t], reverse h after x[T−1..t]]; final states [forward after x[T−1], reverse after x[0]]', () => {
    leakFree(() => {
      const rnn = spikingVanillaRnn({ inputSize: 1, hiddenSize: 1, numLayers: 1, bidirectional: true });
      const params = {
        cells: [{ weightIh: t([[1]]), weightHh: t([[1]]), biasIh: t([-0.5]), biasHh: t([0]) }], // latches: h' = Θ(x + h − 0.5)
        cellsReverse: [{ weightIh: t([[1]]), weightHh: t([[0]]), biasIh: t([-0.5]), biasHh: t([0]) }], // h' = Θ(x − 0.5)
      };
      const [s, ys] = rnn.step(params, rnn.initialState(params, [3, 1, 1], k0), t([[[0]], [[1]], [[0]]]), ctx);
      // forward: 0, 1, 1 (latched); reverse reads 0, 1, 0 from the end: r[2] = 0, r[1] = 1, r[0] = 0
      expect(ys.shape).toEqual([3, 1, 2]);
      expect(Array.from(ys.dataSync())).toEqual([0, 0, 1, 1, 1, 0]);
      expect(Array.from(s.h.dataSync())).toEqual([1, 0]);
    });
  });

  it('a one-layer unidirectional stack is its cell scanned over time (multiStep), bit for bit', () => {
    leakFree(() => {
      for (const kind of ['lstm', 'gru', 'vanilla'] as const) {
        const cell = CELLS[kind]({ inputSize: 3, hiddenSize: 4 });
        const rnn = STACKS[kind]({ inputSize: 3, hiddenSize: 4, numLayers: 1 }) as AnyStack;
        const p = cell.init(key(2));
        const xs = tf.tensor(grid([6, 2, 3], 4, 64, 2), [6, 2, 3]);
        const [sc, yc] = multiStep(cell as ReturnType<typeof spikingLstmCell>).step(p, cell.initialState(p, [2, 3], k0) as never, xs, ctx);
        const [ss, ys] = rnn.step({ cells: [p] }, rnn.initialState({ cells: [p] }, [6, 2, 3], k0), xs, ctx);
        expect(maxDiff(ys, yc)).toBe(0);
        expect(maxDiff(tf.squeeze(ss.h, [0]), sc.h)).toBe(0);
      }
    });
  });
});

describe('spiking RNN stacks against the plain-JS reference of the equations', () => {
  const T = 4;
  const B = 2;
  const IN = 3;
  const H = 2;

  /** Random dyadic stack data and the reference run. */
  function setup(kind: Kind, L: number, bidirectional: boolean, bias: boolean, seed: number) {
    const D = bidirectional ? 2 : 1;
    const cells = Array.from({ length: L }, (_, l) => cellData(seed + 100 * l, GATES[kind], l === 0 ? IN : D * H, H, bias));
    const reverse = bidirectional
      ? Array.from({ length: L }, (_, l) => cellData(seed + 100 * l + 50, GATES[kind], l === 0 ? IN : D * H, H, bias))
      : [];
    const xv = grid([T, B, IN], seed + 1, 4, 2);
    const xd = grid([T, B, IN], seed + 2, 64, 1);
    const hv = grid([L * D, B, H], seed + 3, 4, 1);
    const hd = grid([L * D, B, H], seed + 4, 64, 1);
    const cv = grid([L * D, B, H], seed + 5, 4, 2);
    const cd = grid([L * D, B, H], seed + 6, 64, 1);
    const g = grid([T, B, D * H], seed + 7, 16, 1);
    const n = B * H;
    const s0: RefState[][] = Array.from({ length: L * D }, (_, j) => {
      const sl = (a: number[]) => a.slice(j * n, (j + 1) * n);
      return kind === 'lstm' ? statesOf(sl(hv), sl(hd), B, H, sl(cv), sl(cd)) : statesOf(sl(hv), sl(hd), B, H);
    });
    return { D, cells, reverse, xv, xd, hv, hd, cv, cd, g, s0 };
  }

  const tensorsOf = (cells: ReturnType<typeof cellData>[], reverse: ReturnType<typeof cellData>[]): SpikingRnnParams =>
    reverse.length === 0 ? { cells: cells.map(cellTensors) } : { cells: cells.map(cellTensors), cellsReverse: reverse.map(cellTensors) };

  it('outputs, final states (SpikingJelly layout [L·D, B, H]) and the surrogate gradient match, uni- and bidirectional', () => {
    const cases = fc.record({
      kind: fc.constantFrom<Kind>('lstm', 'gru', 'vanilla'),
      L: fc.integer({ min: 1, max: 3 }),
      bidirectional: fc.boolean(),
      interLayer: fc.constantFrom<'same-step' | 'previous-step'>('same-step', 'previous-step'),
      bias: fc.boolean(),
      seed: fc.integer({ min: 1, max: 10_000 }),
    });
    fc.assert(
      fc.property(cases, ({ kind, L, bidirectional, interLayer: il, bias, seed }) => {
        const interLayer = bidirectional ? 'same-step' : il;
        const lstm = kind === 'lstm';
        const d = setup(kind, L, bidirectional, bias, seed);
        const xsD = seqDuals(d.xv, d.xd, T, B, IN);
        const ref = bidirectional
          ? runBidirectional(refOf(kind), d.cells.map(cellDuals), d.reverse.map(cellDuals), xsD, d.s0)
          : runStack(refOf(kind), d.cells.map(cellDuals), xsD, d.s0, interLayer);
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const rnn = STACKS[kind]({ inputSize: IN, hiddenSize: H, numLayers: L, bias, bidirectional, interLayer }) as AnyStack;
          const params = tensorsOf(d.cells, d.reverse);
          const shape = [L * d.D, B, H];
          const run = (p: SpikingRnnParams, x: tf.Tensor, h: tf.Tensor, c: tf.Tensor) =>
            rnn.step(p, (lstm ? { h, c } : { h }) as SpikingLstmState, x, ctx);
          const xs = tf.tensor(d.xv, [T, B, IN]);
          const h0 = tf.tensor(d.hv, shape);
          const c0 = tf.tensor(d.cv, shape);
          const [sT, ys] = run(params, xs, h0, c0);
          expect(ys.shape).toEqual([T, B, d.D * H]);
          expect(Array.from(ys.dataSync())).toEqual(values(ref.ys));
          expect(Array.from(sT.h.dataSync())).toEqual(ref.finals.flatMap((sl) => sl.flatMap((s) => s.h.map((x) => x.v))));
          if (lstm) expect(Array.from(sT.c.dataSync())).toEqual(ref.finals.flatMap((sl) => sl.flatMap((s) => (s.c ?? []).map((x) => x.v))));

          const pLeaves = treeLeaves(params as unknown as Tree);
          const loss = (...args: tf.Tensor[]): tf.Scalar => {
            const n = pLeaves.length;
            const p = rebuild(params, args.slice(0, n));
            return tf.sum(
              tf.mul(
                run(p, args[n] as tf.Tensor, args[n + 1] as tf.Tensor, (args[n + 2] ?? c0) as tf.Tensor)[1],
                tf.tensor(d.g, [T, B, d.D * H]),
              ),
            );
          };
          const grads = tf.grads(loss)(lstm ? [...pLeaves, xs, h0, c0] : [...pLeaves, xs, h0]);
          const dirParams =
            d.reverse.length === 0
              ? { cells: d.cells.map(cellDirTensors) }
              : { cells: d.cells.map(cellDirTensors), cellsReverse: d.reverse.map(cellDirTensors) };
          const dirs = [
            ...treeLeaves(dirParams as unknown as Tree),
            tf.tensor(d.xd, [T, B, IN]),
            tf.tensor(d.hd, shape),
            tf.tensor(d.cd, shape),
          ];
          const want = directional(ref.ys, d.g);
          expect(Math.abs(want)).toBeGreaterThan(1e-3);
          near(dotTrees(grads, dirs.slice(0, grads.length)), want, 1e-4, 1e-4, 'directional derivative');
        });
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 24, seed: 11 },
    );
  });

  /** The params tree with its leaves replaced, in visiting order. */
  function rebuild(params: SpikingRnnParams, leaves: tf.Tensor[]): SpikingRnnParams {
    let i = 0;
    const cell = (c: SpikingRnnCellParams): SpikingRnnCellParams =>
      Object.fromEntries(Object.keys(c).map((k) => [k, leaves[i++] as tf.Tensor])) as unknown as SpikingRnnCellParams;
    const cells = params.cells.map(cell);
    return params.cellsReverse === undefined ? { cells } : { cells, cellsReverse: params.cellsReverse.map(cell) };
  }

  it('dropout between layers (train mode): the masks of the documented keys, or the one invariant mask in the state', () => {
    const p = 0.5;
    fc.assert(
      fc.property(
        fc.constantFrom<Kind>('lstm', 'gru', 'vanilla'),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 10_000 }),
        (kind, bidirectional, invariant, seed) => {
          const L = 3;
          const d = setup(kind, L, bidirectional, true, seed);
          const before = tf.memory().numTensors;
          tf.tidy(() => {
            const rnn = STACKS[kind]({
              inputSize: IN,
              hiddenSize: H,
              numLayers: L,
              bidirectional,
              dropoutP: p,
              invariantDropoutMask: invariant,
            }) as AnyStack;
            const params = tensorsOf(d.cells, d.reverse);
            const kRun = key(seed);
            const s0 = rnn.initialState(params, [T, B, IN], kRun);
            const state = {
              ...s0,
              h: tf.tensor(d.hv, s0.h.shape),
              ...(kind === 'lstm' ? { c: tf.tensor(d.cv, s0.h.shape) } : {}),
            } as SpikingLstmState;
            let mask: (l: number, t: number, b: number) => number[];
            if (invariant) {
              const m = s0.mask as tf.Tensor;
              expect(m.shape).toEqual([L - 1, B, d.D * H]);
              const mv = Array.from(m.dataSync());
              for (const v of mv) expect([0, 2]).toContain(v);
              const n = B * d.D * H;
              mask = (l, _t, b) => mv.slice((l - 1) * n + b * d.D * H, (l - 1) * n + (b + 1) * d.D * H);
            } else {
              expect(s0.mask).toBeUndefined();
              // Documented keys: unidirectional, step t layer l: foldIn(foldIn(key, t), l) over [B, H];
              // bidirectional, layer l: foldIn(key, l) over [T, B, 2H].
              mask = bidirectional
                ? (l, tt, b) =>
                    Array.from(dropoutMask(foldIn(kRun, l), p, [T, B, 2 * H]).dataSync()).slice(
                      (tt * B + b) * 2 * H,
                      (tt * B + b + 1) * 2 * H,
                    )
                : (l, tt, b) => Array.from(dropoutMask(foldIn(foldIn(kRun, tt), l), p, [B, H]).dataSync()).slice(b * H, (b + 1) * H);
            }
            // Only x moves (params and the initial state are constants here): zero their directions.
            const still = (c: ReturnType<typeof cellData>) => cellDuals({ ...c, dir: zeroDir(c) });
            const s0still = d.s0.map((sl) =>
              sl.map((st) => ({ h: st.h.map((v) => dual(v.v)), ...(st.c ? { c: st.c.map((v) => dual(v.v)) } : {}) })),
            );
            const xsD = seqDuals(d.xv, d.xd, T, B, IN);
            const ref = bidirectional
              ? runBidirectional(refOf(kind), d.cells.map(still), d.reverse.map(still), xsD, s0still, mask)
              : runStack(refOf(kind), d.cells.map(still), xsD, s0still, 'same-step', mask);
            const directionalX = directional;
            const xs = tf.tensor(d.xv, [T, B, IN]);
            const [sT, ys] = rnn.step(params, state, xs, trainCtx(kRun));
            expect(Array.from(ys.dataSync())).toEqual(values(ref.ys));
            if (invariant) expect(sT.mask).toBe(s0.mask); // the mask is carried, unchanged
            // Eval mode ignores dropout: the same as a stack without it.
            const plain = STACKS[kind]({ inputSize: IN, hiddenSize: H, numLayers: L, bidirectional }) as AnyStack;
            const { mask: _m, ...noMask } = state;
            expect(
              maxDiff(rnn.step(params, state, xs, evalCtx(kRun))[1], plain.step(params, noMask as SpikingLstmState, xs, evalCtx(kRun))[1]),
            ).toBe(0);
            // Gradients flow through the dropped stack: d/dε Σ G ⊙ ys(x + ε·dx) equals the reference's.
            const gx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(rnn.step(params, state, x, trainCtx(kRun))[1], tf.tensor(d.g, ys.shape))))(
              xs,
            );
            near(dotTrees([gx], [tf.tensor(d.xd, xs.shape)]), directionalX(ref.ys, d.g), 1e-4, 1e-4, 'directional derivative (x)');
          });
          expect(tf.memory().numTensors).toBe(before);
        },
      ),
      { numRuns: 12, seed: 5 },
    );
  });
});

describe('spiking RNN stacks: init, laws, errors, memory', () => {
  it("init: layer l's cell from foldIn(key, l), its reverse cell from foldIn(key, L + l), layers ≥ 1 take D·H inputs", () => {
    leakFree(() => {
      const L = 3;
      const rnn = spikingGru({ inputSize: 5, hiddenSize: 4, numLayers: L, bidirectional: true });
      const p = rnn.init(k0);
      expect(p.cells.length).toBe(L);
      expect(p.cellsReverse?.length).toBe(L);
      for (let l = 0; l < L; l++) {
        const cell = spikingGruCell({ inputSize: l === 0 ? 5 : 8, hiddenSize: 4 });
        const want = cell.init(foldIn(k0, l));
        const wantR = cell.init(foldIn(k0, L + l));
        expect(maxDiff((p.cells[l] as SpikingRnnCellParams).weightIh, want.weightIh)).toBe(0);
        expect(maxDiff((p.cells[l] as SpikingRnnCellParams).biasHh as tf.Tensor, want.biasHh as tf.Tensor)).toBe(0);
        expect(maxDiff(((p.cellsReverse as SpikingRnnCellParams[])[l] as SpikingRnnCellParams).weightHh, wantR.weightHh)).toBe(0);
      }
      expect(spikingLstm({ inputSize: 2, hiddenSize: 3, numLayers: 2 }).init(k0).cellsReverse).toBeUndefined();
    });
  });

  it('satisfies the law kit over chained sequences (uni/bidirectional, eval and train with both dropouts)', () => {
    // Each law "step" is a whole sequence [T, B, in]; its axis 1 is T, so batch independence is checked below instead.
    const inputs = fc
      .tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }))
      .chain(([n, T, B]) => floatData([n, T, B, 3], -1, 2));
    const subjects: Array<[string, AnyStack, boolean]> = [
      ['spikingLstm(2 layers)', spikingLstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 }), false],
      ['spikingGru(bidirectional)', spikingGru({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }) as AnyStack, false],
      ['spikingVanillaRnn(dropout)', spikingVanillaRnn({ inputSize: 3, hiddenSize: 4, numLayers: 3, dropoutP: 0.3 }) as AnyStack, true],
      [
        'spikingLstm(bidirectional, invariant dropout)',
        spikingLstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dropoutP: 0.3, invariantDropoutMask: true }),
        true,
      ],
    ];
    for (const [name, layer, training] of subjects) {
      const params = layer.init(key(8));
      checkLayerLaws({ name, layer, params, training, tol: { atol: 1e-5, rtol: 1e-5 } }, [], { inputs, mixesBatch: true, numRuns: 5 });
      treeDispose(params as unknown as Tree);
    }
  });

  it('batch independence: a batch equals its samples run one by one (eval)', () => {
    leakFree(() => {
      for (const bidirectional of [false, true]) {
        const rnn = spikingLstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional });
        const p = rnn.init(key(4));
        const xs = tf.tensor(grid([5, 3, 3], 9, 64, 2), [5, 3, 3]);
        const [, whole] = rnn.step(p, rnn.initialState(p, xs.shape, k0), xs, ctx);
        const parts = tf.split(xs, 3, 1).map((xb) => rnn.step(p, rnn.initialState(p, xb.shape, k0), xb, ctx)[1]);
        expect(maxDiff(whole, tf.concat(parts, 1))).toBeLessThan(1e-5);
      }
    });
  });

  it('rejects bad configs, params, states and inputs, naming the argument', () => {
    leakFree(() => {
      expect(() => spikingLstm({ inputSize: 3, hiddenSize: 2, numLayers: 0 })).toThrow(
        /spikingLstm: argument 'config.numLayers' expected an integer >= 1, got 0/,
      );
      expect(() => spikingGru({ inputSize: 3, hiddenSize: 2, numLayers: 2, dropoutP: 1 })).toThrow(
        /spikingGru: argument 'config.dropoutP' expected a probability in \[0, 1\)/,
      );
      expect(() =>
        spikingVanillaRnn({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, interLayer: 'previous-step' }),
      ).toThrow(/spikingVanillaRnn: argument 'config.interLayer' expected 'same-step' for a bidirectional stack/);
      expect(() => spikingLstm({ inputSize: 3, hiddenSize: 2, numLayers: 2, interLayer: 'later' as never })).toThrow(
        /argument 'config.interLayer' expected one of/,
      );
      const rnn = spikingLstm({ inputSize: 3, hiddenSize: 2, numLayers: 2 });
      const p = rnn.init(k0);
      const s = rnn.initialState(p, [4, 5, 3], k0);
      expect(s.h.shape).toEqual([2, 5, 2]);
      expect(() => rnn.step(p, s, tf.zeros([5, 3]), ctx)).toThrow(
        /spikingLstm\.step: argument 'xs' expected rank 3 \(\[T, B, inputSize\]\)/,
      );
      expect(() => rnn.step(p, s, tf.zeros([4, 5, 2]), ctx)).toThrow(
        /spikingLstm\.step: argument 'xs' expected size 3 on axis 2 \(inputSize\)/,
      );
      expect(() => rnn.step(p, s, tf.zeros([4, 6, 3]), ctx)).toThrow(/spikingLstm\.step: argument 'state\.h' expected shape \[2, 6, 2\]/);
      expect(() => rnn.step({ cells: [p.cells[0] as SpikingRnnCellParams] }, s, tf.zeros([4, 5, 3]), ctx)).toThrow(
        /argument 'params\.cells' expected a list of 2 cell params \(numLayers\)/,
      );
      expect(() => rnn.step({ ...p, cellsReverse: p.cells }, s, tf.zeros([4, 5, 3]), ctx)).toThrow(
        /argument 'params\.cellsReverse' expected nothing/,
      );
      expect(() =>
        rnn.step({ cells: [p.cells[0] as SpikingRnnCellParams, p.cells[0] as SpikingRnnCellParams] }, s, tf.zeros([4, 5, 3]), ctx),
      ).toThrow(/argument 'params\.cells\.1\.weightIh' expected shape \[8, 2\]/);
      const dropping = spikingGru({ inputSize: 3, hiddenSize: 2, numLayers: 2, dropoutP: 0.5, invariantDropoutMask: true });
      const gp = dropping.init(k0);
      expect(() => dropping.step(gp, { h: tf.zeros([2, 5, 2]) }, tf.zeros([4, 5, 3]), ctx)).toThrow(
        /spikingGru\.step: argument 'state\.mask' expected a tensor/,
      );
      expect(() => rnn.step(p, { ...s, mask: tf.ones([1, 5, 2]) }, tf.zeros([4, 5, 3]), ctx)).toThrow(
        /argument 'state\.mask' expected nothing/,
      );
    });
  });

  it('init, initialState, step and BPTT through the stack leave nothing behind but what they return', () => {
    const rnn = spikingLstm({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, dropoutP: 0.2 });
    expect(leakedBy(() => rnn.init(k0) as unknown as Tree)).toBe(0);
    const p = rnn.init(k0);
    const xs = tf.ones([4, 2, 3]);
    expect(leakedBy(() => rnn.initialState(p, xs.shape, k0) as unknown as Tree)).toBe(0);
    const s = rnn.initialState(p, xs.shape, k0);
    expect(leakedBy(() => rnn.step(p, s, xs, trainCtx(k0)) as unknown as Tree)).toBe(0);
    expect(leakedBy(() => tf.grads((x: tf.Tensor) => tf.sum(rnn.step(p, s, x, trainCtx(k0))[1]))([xs]))).toBe(0);
    treeDispose([p, s, xs] as unknown as Tree);
  });
});
