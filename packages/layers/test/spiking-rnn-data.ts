// Test data for the spiking RNN tests: dyadic values (multiples of 1/8 or 1/4), so that every pre-activation is
// computed exactly in float32 and in float64 and the reference's spikes equal spikefn's bit for bit.
import * as tf from '@spikefn/core/tf';
import type { SpikingRnnCellParams } from '../src/index.js';
import { type Dual, dual, type RefCell, type RefState } from './spiking-rnn-reference.js';
import { pseudo } from './helpers.js';

/** A nested 2-D or 1-D list. */
export type M = number[][];

/** Multiples of `1/den` in [−max, max], from a seed. */
export const grid = (shape: readonly number[], seed: number, den: number, max: number): number[] => {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => Math.round(pseudo(seed, i, -max, max) * den) / den);
};

/** Reshape a flat list into rows. */
export const rows = (flat: readonly number[], cols: number): M =>
  Array.from({ length: flat.length / cols }, (_, r) => flat.slice(r * cols, (r + 1) * cols));

/** Cell params with values (dyadic) and a direction for the derivative (any floats). */
export type CellData = {
  readonly wih: M;
  readonly whh: M;
  readonly bih?: number[];
  readonly bhh?: number[];
  readonly dir: { wih: M; whh: M; bih?: number[]; bhh?: number[] };
};

/** Random dyadic cell params of G gates. */
export function cellData(seed: number, gates: number, inputSize: number, hidden: number, bias: boolean): CellData {
  const G = gates * hidden;
  const w = (s: number, cols: number): M => rows(grid([G, cols], s, 8, 1), cols);
  const d = (s: number, n: number): number[] => Array.from({ length: n }, (_, i) => pseudo(s, i, -1, 1));
  const base = { wih: w(seed, inputSize), whh: w(seed + 1, hidden) };
  const dir = { wih: rows(d(seed + 10, G * inputSize), inputSize), whh: rows(d(seed + 11, G * hidden), hidden) };
  if (!bias) return { ...base, dir };
  return {
    ...base,
    bih: grid([G], seed + 2, 8, 1),
    bhh: grid([G], seed + 3, 8, 1),
    dir: { ...dir, bih: d(seed + 12, G), bhh: d(seed + 13, G) },
  };
}

/** The params tensors of a cell. */
export const cellTensors = (c: CellData): SpikingRnnCellParams => {
  const base = { weightIh: tf.tensor2d(c.wih), weightHh: tf.tensor2d(c.whh) };
  return c.bih === undefined ? base : { ...base, biasIh: tf.tensor1d(c.bih), biasHh: tf.tensor1d(c.bhh as number[]) };
};

/** The direction tensors of a cell, in the same structure. */
export const cellDirTensors = (c: CellData): SpikingRnnCellParams => {
  const base = { weightIh: tf.tensor2d(c.dir.wih), weightHh: tf.tensor2d(c.dir.whh) };
  return c.dir.bih === undefined ? base : { ...base, biasIh: tf.tensor1d(c.dir.bih), biasHh: tf.tensor1d(c.dir.bhh as number[]) };
};

/** The dual numbers of a cell (values with their directions). */
export const cellDuals = (c: CellData): RefCell => {
  const m = (v: M, d: M): Dual[][] => v.map((row, i) => row.map((x, j) => dual(x, (d[i] as number[])[j] as number)));
  const base = { wih: m(c.wih, c.dir.wih), whh: m(c.whh, c.dir.whh) };
  if (c.bih === undefined) return base;
  return {
    ...base,
    bih: c.bih.map((x, i) => dual(x, (c.dir.bih as number[])[i] as number)),
    bhh: (c.bhh as number[]).map((x, i) => dual(x, (c.dir.bhh as number[])[i] as number)),
  };
};

/** A sequence x[t][b][:] of duals from values and directions (flat, row-major [T, B, in]). */
export function seqDuals(values: readonly number[], dirs: readonly number[], T: number, B: number, n: number): Dual[][][] {
  return Array.from({ length: T }, (_, t) =>
    Array.from({ length: B }, (_, b) =>
      Array.from({ length: n }, (_, j) => dual(values[(t * B + b) * n + j] as number, dirs[(t * B + b) * n + j] as number)),
    ),
  );
}

/** Per-sample states from a [B, H] slice of values (flat) and their directions. */
export const statesOf = (
  h: readonly number[],
  dh: readonly number[],
  B: number,
  H: number,
  c?: readonly number[],
  dc?: readonly number[],
): RefState[] =>
  Array.from({ length: B }, (_, b) => {
    const row = (v: readonly number[], d: readonly number[]): Dual[] =>
      Array.from({ length: H }, (_, j) => dual(v[b * H + j] as number, d[b * H + j] as number));
    return c === undefined ? { h: row(h, dh) } : { h: row(h, dh), c: row(c, dc as number[]) };
  });

/** Values of a nested dual list, flat. */
export const values = (a: Dual[][][]): number[] => a.flat(2).map((x) => x.v);
/** Σ g·(derivative) over a nested dual list with weights g (flat, same order). */
export const directional = (a: Dual[][][], g: readonly number[]): number =>
  a.flat(2).reduce((acc, x, i) => acc + (g[i] as number) * x.d, 0);

/** Σ over a tree of gradients · the matching directions. */
export function dotTrees(grads: readonly tf.Tensor[], dirs: readonly tf.Tensor[]): number {
  return tf.tidy(() => grads.reduce((acc, g, i) => acc + (tf.sum(tf.mul(g, dirs[i] as tf.Tensor)).dataSync()[0] as number), 0));
}

/** Expects |got − want| ≤ atol + rtol·|want|. */
export function near(got: number, want: number, atol = 1e-4, rtol = 1e-4, what = 'value'): void {
  if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) throw new Error(`${what}: got ${got}, want ${want}`);
}
