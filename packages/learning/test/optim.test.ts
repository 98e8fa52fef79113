import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeDispose as dispose, treeLeaves as leaves } from '@spikefn/core';
import { leakedBy } from '@spikefn/testing';
import { adam, adamw } from '../src/optim/adam.js';
import { sgd } from '../src/optim/sgd.js';
import { step, type Optimizer } from '../src/optim/optimizer.js';
import type { Tree } from '@spikefn/core';
import { constant, cosineDecay, stepDecay, warmup } from '../src/optim/schedule.js';
import { valueAndGradTree } from '../src/grad.js';

const TOL = 1e-5;
const close = (a: ArrayLike<number>, b: readonly number[]): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++)
    expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThanOrEqual(TOL * (1 + Math.abs(b[i] as number)));
};

/** Adam by its equations, on plain numbers. */
function adamReference(
  p0: number[],
  gradsPerStep: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean },
): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradsPerStep.forEach((g0, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i] as number;
      if (!o.decoupled) g += o.wd * (p[i] as number);
      m[i] = o.b1 * (m[i] as number) + (1 - o.b1) * g;
      v[i] = o.b2 * (v[i] as number) + (1 - o.b2) * g * g;
      const mh = (m[i] as number) / (1 - o.b1 ** t);
      const vh = (v[i] as number) / (1 - o.b2 ** t);
      p[i] = (p[i] as number) - o.lr * (mh / (Math.sqrt(vh) + o.eps) + (o.decoupled ? o.wd * (p[i] as number) : 0));
    }
  });
  return p;
}

const GRADS = [
  [0.5, -1.5, 2],
  [0.25, 0.1, -3],
  [-0.75, 1, 0.5],
];
const P0 = [1, -2, 0.5];

function runOpt(opt: ReturnType<typeof adam>, gradsPerStep: number[][]): number[] {
  let params: { w: tf.Tensor } = { w: tf.tensor1d(P0) };
  let state = opt.init(params);
  for (const g of gradsPerStep) {
    const grads = { w: tf.tensor1d(g) };
    [params, state] = step(opt, grads, state, params);
  }
  const out = Array.from(params.w.dataSync());
  dispose([params, state]);
  return out;
}

describe('adam', () => {
  it('matches its equations on a small case (3 steps, 3 parameters)', () => {
    const o = { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false };
    close(runOpt(adam({ lr: 0.1 }), GRADS), adamReference(P0, GRADS, o));
  });
  it('matches its equations with coupled L2 weight decay and non-default betas', () => {
    const o = { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.1, decoupled: false };
    close(runOpt(adam({ lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }), GRADS), adamReference(P0, GRADS, o));
  });
  it('AdamW: decoupled weight decay matches its equations and differs from coupled', () => {
    const o = { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.5, decoupled: true };
    const got = runOpt(adamw({ lr: 0.1, weightDecay: 0.5 }), GRADS);
    close(got, adamReference(P0, GRADS, o));
    expect(got).not.toEqual(runOpt(adam({ lr: 0.1, weightDecay: 0.5 }), GRADS));
  });
  it('first step moves every parameter by lr against the gradient sign (bias correction)', () => {
    const got = runOpt(adam({ lr: 0.01 }), [GRADS[0] as number[]]);
    close(
      got,
      P0.map((p, i) => p - 0.01 * Math.sign(GRADS[0]![i]!)),
    );
  });
  it('reads a schedule at the update count', () => {
    const seen: number[] = [];
    runOpt(
      adam({
        lr: (t) => {
          seen.push(t);
          return 0.1;
        },
      }),
      GRADS,
    );
    expect(seen).toEqual([0, 1, 2]);
  });
  it('init and update leave no tensors behind (besides what they return)', () => {
    const params = { a: tf.ones([2, 3]), b: [tf.zeros([4])] };
    const grads = { a: tf.fill([2, 3], 0.5), b: [tf.ones([4])] };
    const opts: Optimizer<Tree>[] = [
      adam({ lr: 0.1 }),
      adamw({ lr: 0.1 }),
      sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }),
    ] as never;
    for (const opt of opts) {
      expect(leakedBy(() => opt.init(params))).toBe(0);
      const s = opt.init(params);
      expect(leakedBy(() => opt.update(grads, s, params) as unknown as tf.Tensor[])).toBe(0);
      dispose(s);
    }
    dispose([params, grads]);
  });
});

describe('sgd', () => {
  it('momentum and nesterov follow PyTorch', () => {
    const mu = 0.9;
    const lr = 0.1;
    const ref = (nesterov: boolean): number[] => {
      const p = [...P0];
      const b = p.map(() => 0);
      for (const g of GRADS)
        for (let i = 0; i < p.length; i++) {
          b[i] = mu * b[i]! + g[i]!;
          p[i] = p[i]! - lr * (nesterov ? g[i]! + mu * b[i]! : b[i]!);
        }
      return p;
    };
    close(runOpt(sgd({ lr, momentum: mu }) as never, GRADS), ref(false));
    close(runOpt(sgd({ lr, momentum: mu, nesterov: true }) as never, GRADS), ref(true));
  });
  it('minimises a quadratic through valueAndGradTree', () => {
    const opt = sgd({ lr: 0.1, momentum: 0.5 });
    let params = { w: tf.tensor1d([3, -2]) };
    let state = opt.init(params);
    for (let i = 0; i < 100; i++) {
      const { value, grads } = valueAndGradTree((p) => tf.sum(tf.square(p.w)), params);
      value.dispose();
      [params, state] = step(opt, grads, state, params);
    }
    for (const x of params.w.dataSync()) expect(Math.abs(x)).toBeLessThan(1e-3);
    dispose([params, state]);
  });
});

describe('schedules', () => {
  it('constant, step, cosine and warm-up take their closed forms', () => {
    expect(constant(0.3)(17)).toBe(0.3);
    const s = stepDecay({ lr: 1, stepSize: 10, gamma: 0.5 });
    expect([s(0), s(9), s(10), s(25)]).toEqual([1, 1, 0.5, 0.25]);
    const c = cosineDecay({ lr: 2, decaySteps: 100, alpha: 0.1 });
    expect(c(0)).toBeCloseTo(2, 12);
    expect(c(50)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5), 12);
    expect(c(100)).toBeCloseTo(0.2, 12);
    expect(c(1000)).toBeCloseTo(0.2, 12);
    const w = warmup({ steps: 4, schedule: c });
    expect([w(0), w(3), w(4)]).toEqual([0.5, 2, 2]);
  });
});

describe('optimiser state', () => {
  it('is a tree of tensors with an int32 count', () => {
    const s = adam({ lr: 1 }).init({ w: tf.zeros([2]) });
    expect(s.count.dtype).toBe('int32');
    expect(leaves(s).length).toBe(3);
    dispose(s);
  });
});
