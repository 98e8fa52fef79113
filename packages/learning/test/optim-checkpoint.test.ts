// Optimiser states in checkpoints written before the optimisers became chains of transformations (issue 13) still
// load: fixtures/optim-states-v1.spikefn was written by spikefn 0.1.0's monolithic adam/adamw/sgd (see
// fixtures/write-optim-states.ts), the layout the MNIST example's checkpoints store under `opt`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import type * as tf from '@spikefn/core/tf';
import { treeDispose as dispose, treeLeafNames, treeLeaves as leaves, type Tree } from '@spikefn/core';
import { decodeCheckpoint, optimizerStep, restoreLike, type Checkpoint } from '../src/index.js';
import { CONFIGS, GRADS, optimizerOf, optimStatesCheckpoint, P0, tensors } from './fixtures/optim-states.js';

const FILE = new URL('./fixtures/optim-states-v1.spikefn', import.meta.url);
const load = (): Checkpoint => {
  const r = decodeCheckpoint(new Uint8Array(readFileSync(FILE)));
  if (E.isLeft(r)) throw r.left;
  return r.right;
};
const flatOf = (raw: typeof P0 | (typeof GRADS)[number]): number[] => [...raw.fc.weight.flat(), ...raw.fc.bias, ...raw.out.flat()];
const values = (t: Tree): number[] => leaves(t).flatMap((x) => Array.from(x.dataSync()));
const close = (got: number[], want: number[]): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i] as number)));
  });
};

/** Adam / AdamW by their equations (PyTorch's form), double precision; gradient lists of any length. */
function adamRef(grads: number[][], o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean }) {
  const p = flatOf(P0);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, k) => {
    const t = k + 1;
    p.forEach((pi, i) => {
      const g = (g0[i] as number) + (o.decoupled ? 0 : o.wd * pi);
      m[i] = o.b1 * (m[i] as number) + (1 - o.b1) * g;
      v[i] = o.b2 * (v[i] as number) + (1 - o.b2) * g * g;
      const d = (m[i] as number) / (1 - o.b1 ** t) / (Math.sqrt((v[i] as number) / (1 - o.b2 ** t)) + o.eps);
      p[i] = pi - o.lr * (d + (o.decoupled ? o.wd * pi : 0));
    });
  });
  return { p, m, v };
}

/** SGD with Nesterov momentum and coupled weight decay by its equations. */
function sgdRef(grads: number[][], o: { lr: number; mu: number; wd: number }) {
  const p = flatOf(P0);
  const b = p.map(() => 0);
  for (const g0 of grads)
    p.forEach((pi, i) => {
      const g = (g0[i] as number) + o.wd * pi;
      b[i] = o.mu * (b[i] as number) + g;
      p[i] = pi - o.lr * (g + o.mu * (b[i] as number));
    });
  return { p, b };
}

const G3 = [0.6, -0.1, 0.2, -0.8, 0.3, 0.4, -1.2, 0.05, 0.9]; // fc.weight (4), fc.bias (2), out.0 (3)
const grads = [...GRADS.map(flatOf), G3];
const refs = {
  adam: adamRef(grads, { lr: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6, wd: 0.1, decoupled: false }),
  adamw: adamRef(grads, { lr: 0.02, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.3, decoupled: true }),
  sgd: sgdRef(grads, { lr: 0.05, mu: 0.9, wd: 0.01 }),
};
const adamRef2 = {
  adam: adamRef(grads.slice(0, 2), { lr: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6, wd: 0.1, decoupled: false }),
  adamw: adamRef(grads.slice(0, 2), { lr: 0.02, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.3, decoupled: true }),
};

describe('optimiser states written by spikefn 0.1.0 (before the chains)', () => {
  it('restore into the templates of the current adam, adamw and sgd (same names, shapes, dtypes)', () => {
    const ckpt = load();
    for (const name of Object.keys(CONFIGS) as (keyof typeof CONFIGS)[]) {
      const params = tensors(P0);
      const template = optimizerOf(name).init(params);
      const restored = restoreLike(name, template, ckpt.trees[name]);
      expect(E.isRight(restored)).toBe(true);
      expect(treeLeafNames(template)).toEqual(treeLeafNames(ckpt.trees[name] as Tree));
      dispose([params, template]);
    }
    dispose(ckpt.trees as unknown as Tree);
  });

  it('hold the moments of the equations after two updates, and the current code continues them to the third', () => {
    const ckpt = load();
    for (const name of ['adam', 'adamw'] as const) {
      const s = ckpt.trees[name] as { count: tf.Tensor; mu: Tree; nu: Tree };
      expect(s.count.dtype).toBe('int32');
      expect(s.count.dataSync()[0]).toBe(2);
      close(values(s.mu), adamRef2[name].m);
      close(values(s.nu), adamRef2[name].v);
    }
    for (const name of Object.keys(CONFIGS) as (keyof typeof CONFIGS)[]) {
      const opt = optimizerOf(name);
      const g = tensors({ fc: { weight: [G3.slice(0, 2), G3.slice(2, 4)], bias: G3.slice(4, 6) }, out: [G3.slice(6)] } as never);
      const [p3, s3] = optimizerStep(opt, g, ckpt.trees[name] as Tree, ckpt.trees[`${name}Params`] as Tree);
      close(values(p3), refs[name].p);
      if (name === 'sgd') close(values((s3 as { momentum: Tree }).momentum), refs.sgd.b);
      else {
        close(values((s3 as { mu: Tree }).mu), refs[name].m);
        close(values((s3 as { nu: Tree }).nu), refs[name].v);
      }
      dispose([p3, s3]);
    }
    dispose(ckpt.trees['params'] as Tree);
  });

  it('are written again byte for byte by the current optimisers (same layout, same values)', () => {
    expect(Buffer.from(optimStatesCheckpoint()).equals(readFileSync(FILE))).toBe(true);
  });
});
