import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError, treeDispose as dispose, treeLeaves as leaves, type Tree } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import {
  adam,
  adamw,
  addDecayedWeights,
  applyUpdates,
  asOptimizer,
  chain,
  clipByGlobalNorm,
  optimizerStep,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleBySchedule,
  sgd,
  trace,
  type GradientTransformation,
  type Optimizer,
} from '../src/index.js';

// Leaves of the test trees: params { a: [n], b: [[x]] } flattened to one list of numbers (a first, then b).
type Flat = number[];
const tree = (v: Flat, n: number): { a: tf.Tensor; b: tf.Tensor[] } => ({
  a: tf.tensor1d(v.slice(0, n)),
  b: [tf.tensor2d(v.slice(n), [1, v.length - n])],
});
const flat = (t: Tree): Flat => leaves(t).flatMap((x) => Array.from(x.dataSync()));
const close = (got: Flat, want: Flat, tol = 1e-4): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i] as number;
    expect(Math.abs(g - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  });
};

// ---------------------------------------------------------------------------------------------------------------
// The optimisers by their equations, on plain numbers (double precision), with t the 1-based update count.

type AdamRef = { lr: (t: number) => number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean };
/** Adam / AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), PyTorch's form. Returns params, m, v. */
function adamRef(p0: Flat, grads: Flat[], o: AdamRef): { p: Flat; m: Flat; v: Flat } {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      const g = (g0[i] as number) + (o.decoupled ? 0 : o.wd * (p[i] as number));
      m[i] = o.b1 * (m[i] as number) + (1 - o.b1) * g;
      v[i] = o.b2 * (v[i] as number) + (1 - o.b2) * g * g;
      const d = (m[i] as number) / (1 - o.b1 ** t) / (Math.sqrt((v[i] as number) / (1 - o.b2 ** t)) + o.eps);
      p[i] = (p[i] as number) - o.lr(k) * (d + (o.decoupled ? o.wd * (p[i] as number) : 0));
    }
  });
  return { p, m, v };
}

type SgdRef = { lr: (t: number) => number; mu: number; nesterov: boolean; wd: number };
/** SGD with momentum (PyTorch, no dampening). Returns params and momentum buffers. */
function sgdRef(p0: Flat, grads: Flat[], o: SgdRef): { p: Flat; b: Flat } {
  const p = [...p0];
  const b = p.map(() => 0);
  grads.forEach((g0, k) => {
    for (let i = 0; i < p.length; i++) {
      const g = (g0[i] as number) + o.wd * (p[i] as number);
      b[i] = o.mu * (b[i] as number) + g;
      p[i] = (p[i] as number) - o.lr(k) * (o.nesterov ? g + o.mu * (b[i] as number) : (b[i] as number));
    }
  });
  return { p, b };
}

/** Runs `opt` over the gradient list from p0; returns the final params and state as numbers, and the state's paths. */
function run(opt: Optimizer<Tree>, p0: Flat, n: number, grads: Flat[]): { p: Flat; state: Tree; dispose: () => void } {
  let params: Tree = tree(p0, n);
  let state = opt.init(params);
  for (const g of grads) [params, state] = optimizerStep(opt, tree(g, n), state, params);
  const p = flat(params);
  const s = state;
  return { p, state: s, dispose: () => dispose([params, s]) };
}

// Arbitraries: 2–5 leaves' worth of numbers, 1–5 updates of gradients in [-3, 3].
const case_ = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    p0: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n + 1, maxLength: n + 1 }),
    grads: fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n + 1, maxLength: n + 1 }), {
      minLength: 1,
      maxLength: 5,
    }),
  }),
);
const f32 = (x: number): number => Math.fround(x);
const lrArb = fc.oneof(
  fc.double({ min: 1e-3, max: 0.2, noNaN: true }).map(f32),
  fc.record({ lr: fc.double({ min: 1e-3, max: 0.2, noNaN: true }).map(f32), gamma: fc.double({ min: 0.5, max: 1, noNaN: true }) }).map(
    ({ lr, gamma }) =>
      (t: number) =>
        lr * gamma ** t,
  ),
);
const lrFn = (lr: number | ((t: number) => number)) => (typeof lr === 'number' ? () => lr : lr);

describe('adam, adamw, sgd as chains', () => {
  it('adam and adamw equal their equations (random configs, params, gradients, schedules)', () => {
    fc.assert(
      fc.property(
        case_,
        lrArb,
        fc.double({ min: 0, max: 0.95, noNaN: true }).map(f32),
        fc.double({ min: 0.9, max: 0.9999, noNaN: true }).map(f32),
        fc.constantFrom(1e-8, 1e-6, 1e-3),
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true }).map(f32)),
        fc.boolean(),
        ({ n, p0, grads }, lr, b1, b2, eps, wd, decoupled) => {
          const config = { lr, beta1: b1, beta2: b2, eps, weightDecay: wd };
          const r = run((decoupled ? adamw(config) : adam(config)) as unknown as Optimizer<Tree>, p0.map(f32), n, grads);
          const ref = adamRef(p0.map(f32), grads, { lr: lrFn(lr), b1, b2, eps, wd, decoupled });
          close(r.p, ref.p);
          const s = r.state as { count: tf.Tensor; mu: Tree; nu: Tree };
          expect(s.count.dataSync()[0]).toBe(grads.length);
          close(flat(s.mu), ref.m);
          close(flat(s.nu), ref.v);
          r.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sgd equals its equations (momentum, Nesterov, weight decay, schedules)', () => {
    fc.assert(
      fc.property(
        case_,
        lrArb,
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.95, noNaN: true }).map(f32)),
        fc.boolean(),
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true }).map(f32)),
        ({ n, p0, grads }, lr, mu, nesterov, wd) => {
          const r = run(sgd({ lr, momentum: mu, nesterov, weightDecay: wd }) as unknown as Optimizer<Tree>, p0.map(f32), n, grads);
          const ref = sgdRef(p0.map(f32), grads, { lr: lrFn(lr), mu, nesterov, wd });
          close(r.p, ref.p);
          const s = r.state as { count: tf.Tensor; momentum: Tree };
          expect(s.count.dataSync()[0]).toBe(grads.length);
          close(flat(s.momentum), ref.b);
          r.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a chain written out by hand gives the same params as adam, adamw and sgd, bit for bit', () => {
    fc.assert(
      fc.property(case_, fc.double({ min: 1e-3, max: 0.2, noNaN: true }).map(f32), ({ n, p0, grads }, lr) => {
        const wd = 0.1;
        const pairs: [Optimizer<Tree>, GradientTransformation<Tree>][] = [
          [adam({ lr, weightDecay: wd }) as never, chain(addDecayedWeights(wd), scaleByAdam(), scaleByLearningRate(lr)) as never],
          [adamw({ lr, weightDecay: wd }) as never, chain(scaleByAdam(), addDecayedWeights(wd), scaleByLearningRate(lr)) as never],
          [
            sgd({ lr, momentum: 0.9, nesterov: true, weightDecay: wd }) as never,
            chain(addDecayedWeights(wd), trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(lr)) as never,
          ],
        ];
        for (const [opt, tx] of pairs) {
          const a = run(opt, p0, n, grads);
          const b = run(asOptimizer('by-hand', tx), p0, n, grads);
          expect(b.p).toEqual(a.p);
          a.dispose();
          b.dispose();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('keep the state layout of spikefn 0.1.0: { count, mu, nu } and { count, momentum }', () => {
    const params = tree([1, 2, 3], 2);
    const sa = adamw({ lr: 0.1 }).init(params);
    const ss = sgd({ lr: 0.1, weightDecay: 0.1 }).init(params);
    expect(Object.keys(sa)).toEqual(['count', 'mu', 'nu']);
    expect(Object.keys(ss)).toEqual(['count', 'momentum']);
    expect(leaves(sa).length).toBe(5); // count, mu.a, mu.b.0, nu.a, nu.b.0
    expect(leaves(ss).length).toBe(3); // count, momentum.a, momentum.b.0
    dispose([params, sa, ss]);
  });
});

describe('gradient transformations', () => {
  const P = [1, -2, 0.5];
  const G = [0.5, -1.5, 2];

  it('scaleByAdam: the first update is sign(g) (bias correction), the second follows the moments', () => {
    const tx = scaleByAdam({ beta1: 0.5, beta2: 0.75, eps: 1e-12 });
    const params = tree(P, 2);
    const s0 = tx.init(params);
    const g1 = tree(G, 2);
    const [u1, s1] = tx.update(g1, s0, params);
    close(flat(u1), G.map(Math.sign), 1e-6);
    const G2 = [1, 1, -1];
    const g2 = tree(G2, 2);
    const [u2, s2] = tx.update(g2, s1, params);
    // m = 0.5·(0.5·g1) + 0.5·g2, v = 0.75·(0.25·g1²) + 0.25·g2², m̂ = m / 0.75, v̂ = v / (1 − 0.5625)
    const want = G.map((g, i) => {
      const h = G2[i] as number;
      const m = 0.25 * g + 0.5 * h;
      const v = 0.1875 * g * g + 0.25 * h * h;
      return m / 0.75 / Math.sqrt(v / 0.4375);
    });
    close(flat(u2), want, 1e-5);
    expect(s2.count.dataSync()[0]).toBe(2);
    dispose([params, s0, g1, u1, s1, g2, u2, s2]);
  });

  it('addDecayedWeights, scale, trace and scaleBySchedule take their closed forms', () => {
    const params = tree(P, 2);
    const g = tree(G, 2);
    const [d] = addDecayedWeights(0.5).update(g, {}, params);
    close(
      flat(d),
      G.map((x, i) => x + 0.5 * (P[i] as number)),
    );
    const [sc] = scale(-3).update(g, {}, params);
    close(
      flat(sc),
      G.map((x) => -3 * x),
    );
    const tx = trace({ decay: 0.5, nesterov: true });
    const t0 = tx.init(params);
    const [, t1] = tx.update(g, t0, params);
    const [u2, t2] = tx.update(g, t1, params);
    // b₁ = g, b₂ = 0.5·g + g = 1.5·g; nesterov: u₂ = g + 0.5·b₂ = 1.75·g
    close(
      flat(t2.trace),
      G.map((x) => 1.5 * x),
    );
    close(
      flat(u2),
      G.map((x) => 1.75 * x),
    );
    const seen: number[] = [];
    const sched = scaleBySchedule((t) => {
      seen.push(t);
      return t + 1;
    });
    let ss = sched.init(params);
    const outs: Flat[] = [];
    for (let i = 0; i < 3; i++) {
      const [u, s] = sched.update(g, ss, params);
      outs.push(flat(u));
      dispose([ss, u]);
      ss = s;
    }
    expect(seen).toEqual([0, 1, 2]);
    close(
      outs[2] as Flat,
      G.map((x) => 3 * x),
    );
    dispose([params, g, d, sc, t0, t1, u2, t2, ss]);
  });

  it('scaleByLearningRate: −lr · u, stateless for a number, counting for a schedule', () => {
    const params = tree(P, 2);
    const g = tree(G, 2);
    const fixed = scaleByLearningRate(0.1);
    expect(leaves(fixed.init(params)).length).toBe(0);
    const [u] = fixed.update(g, fixed.init(params), params);
    close(
      flat(u),
      G.map((x) => -0.1 * x),
    );
    const sched = scaleByLearningRate((t) => 0.1 * (t + 1));
    const s0 = sched.init(params);
    const [, s1] = sched.update(g, s0, params);
    const [u2] = sched.update(g, s1, params);
    close(
      flat(u2),
      G.map((x) => -0.2 * x),
    );
    dispose([params, g, u, s0, s1, u2]);
  });

  it('clipByGlobalNorm as a transformation equals the tree function: g · min(1, c / ‖g‖)', () => {
    const params = tree(P, 2);
    const g = tree([3, 0, 4], 2); // ‖g‖ = 5
    const [u] = clipByGlobalNorm(2.5).update(g, {}, params);
    close(flat(u), [1.5, 0, 2], 1e-6);
    const direct = clipByGlobalNorm(g, 2.5);
    expect(flat(u)).toEqual(flat(direct));
    const [same] = clipByGlobalNorm(10).update(g, {}, params);
    close(flat(same), [3, 0, 4], 1e-6);
    dispose([params, g, u, direct, same]);
  });

  it('chain applies in order and its state is the tuple of states', () => {
    const params = tree(P, 2);
    const g = tree(G, 2);
    const tx = chain(scale(2), trace({ decay: 0.5 }), scaleByLearningRate(0.25));
    const s0 = tx.init(params);
    expect(s0.length).toBe(3);
    const [u1, s1] = tx.update(g, s0, params);
    const [u2, s2] = tx.update(g, s1, params);
    // b₁ = 2g, b₂ = 0.5·2g + 2g = 3g; u₂ = −0.25·3g
    close(
      flat(u1),
      G.map((x) => -0.5 * x),
    );
    close(
      flat(u2),
      G.map((x) => -0.75 * x),
    );
    close(
      flat(s2[1].trace),
      G.map((x) => 3 * x),
    );
    const next = applyUpdates(params, u2);
    close(
      flat(next),
      P.map((p, i) => p - 0.75 * (G[i] as number)),
    );
    dispose([params, g, s0, u1, s1, u2, s2, next]);
  });

  it('every function leaves no tensors behind and mutates or disposes none of its inputs', () => {
    const params = tree(P, 2);
    const grads = tree(G, 2);
    const txs: GradientTransformation<Tree>[] = [
      scale(0.5),
      scaleBySchedule((t) => 1 / (t + 1)),
      scaleByLearningRate(0.1),
      scaleByLearningRate(() => 0.1),
      scaleByAdam(),
      addDecayedWeights(0.1),
      trace({ decay: 0.9 }),
      trace({ decay: 0.9, nesterov: true }),
      clipByGlobalNorm(1),
      chain(clipByGlobalNorm(1), scaleByAdam(), addDecayedWeights(0.1), scaleByLearningRate(0.1)),
      chain(),
    ] as never;
    for (const tx of txs) {
      expect(leakedBy(() => tx.init(params))).toBe(0);
      const s = tx.init(params);
      const before = [flat(params), flat(grads), flat(s)];
      expect(leakedBy(() => tx.update(grads, s, params) as unknown as Tree)).toBe(0);
      // The updates are new tensors: disposing them leaves the inputs and the old state alive.
      const [u, s1] = tx.update(grads, s, params);
      const inputs = new Set([...leaves(params), ...leaves(grads), ...leaves(s)]);
      for (const t of leaves(u)) expect(inputs.has(t)).toBe(false);
      for (const t of leaves(u)) expect(leaves(s1).includes(t)).toBe(false);
      dispose(u);
      expect([flat(params), flat(grads), flat(s)]).toEqual(before);
      const opt = asOptimizer('t', tx);
      expect(leakedBy(() => opt.update(grads, s, params) as unknown as Tree)).toBe(0);
      const olds = new Set(leaves(s));
      for (const t of leaves(s1)) if (!olds.has(t)) t.dispose();
      dispose(s);
    }
    expect(leakedBy(() => applyUpdates(params, grads))).toBe(0);
    dispose([params, grads]);
  });

  it('bad arguments throw SpikefnArgumentError naming the function', () => {
    const params = tree(P, 2);
    const cases: [() => unknown, RegExp][] = [
      [() => scaleByAdam({ beta1: 1 }), /scaleByAdam.*beta1/],
      [() => scaleByAdam({ eps: 0 }), /scaleByAdam.*eps/],
      [() => trace({ decay: -0.1 }), /trace.*decay/],
      [() => addDecayedWeights(Number.NaN), /addDecayedWeights.*weightDecay/],
      [() => scale(Number.POSITIVE_INFINITY), /scale.*factor/],
      [() => scaleByLearningRate(Number.NaN), /scaleByLearningRate.*lr/],
      [() => scaleBySchedule(0.1 as never), /scaleBySchedule.*schedule/],
      [() => clipByGlobalNorm(0), /clipByGlobalNorm.*maxNorm/],
      [() => chain(scale(1), {} as never), /chain.*transforms\[1\]/],
      [() => chain(scale(1), scale(2)).update(params, [{}] as never, params), /chain.*state/],
      [() => applyUpdates(params, { a: params.a } as never), /applyUpdates.*updates/],
      [() => asOptimizer('', scale(1)), /asOptimizer.*kind/],
    ];
    for (const [f, msg] of cases) {
      expect(f).toThrow(SpikefnArgumentError);
      expect(f).toThrow(msg);
    }
    dispose(params);
  });
});
