/**
 * Boundary checks. Every public function checks its arguments here and throws a {@link SpikefnArgumentError}
 * whose message names the function, the argument, what was expected and what came. Nothing is silently
 * broadcast or truncated.
 *
 * @category errors
 */
import type { Tensor } from './tf.js';

/** The error thrown for bad arguments: `fn: argument 'name' expected …, got …`. @category errors */
export class SpikefnArgumentError extends Error {
  /** Always `'SpikefnArgumentError'`. */
  override readonly name = 'SpikefnArgumentError';
  constructor(
    /** The function (or layer, e.g. `'lifNode'`) that rejected the argument. */
    readonly fn: string,
    /** The argument's name, e.g. `'tau'` or `'x'`. */
    readonly argument: string,
    /** What was expected, in words: `'a number > 1'`, `'rank 4 [N, C, H, W]'`. */
    readonly expected: string,
    /** What was given, printed: a value or a shape such as `[2, 3]`. */
    readonly got: string,
  ) {
    super(`${fn}: argument '${argument}' expected ${expected}, got ${got}`);
  }
}

/** A shape as tfjs reports it. @category errors */
export type Shape = readonly number[];

/** `[2, 3]` → `"[2, 3]"`, for messages. @category errors */
export const showShape = (shape: Shape): string => `[${shape.join(', ')}]`;

const show = (v: unknown): string =>
  typeof v === 'number' || typeof v === 'boolean' || v === null ? String(v) : (JSON.stringify(v) ?? String(v));

/** Throws unless `value` is a finite number. @category errors */
export function finite(fn: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SpikefnArgumentError(fn, name, 'a finite number', show(value));
  return value;
}

/** Throws unless `value` is a finite number > 0. @category errors */
export function positive(fn: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new SpikefnArgumentError(fn, name, 'a finite number > 0', show(value));
  return value;
}

/** Throws unless `value` is an integer ≥ 1. @category errors */
export function positiveInt(fn: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new SpikefnArgumentError(fn, name, 'an integer >= 1', show(value));
  return value;
}

/** Throws unless `value` is an integer ≥ 0. @category errors */
export function nonNegativeInt(fn: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new SpikefnArgumentError(fn, name, 'an integer >= 0', show(value));
  return value;
}

/** Throws unless `p` is a probability in `[0, 1)` (a dropout rate: 1 would drop everything). @category errors */
export function dropProbability(fn: string, name: string, p: number): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p >= 1)
    throw new SpikefnArgumentError(fn, name, 'a probability in [0, 1)', show(p));
  return p;
}

/** Throws unless `p` is a probability in `[0, 1]`. @category errors */
export function probability(fn: string, name: string, p: number): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1)
    throw new SpikefnArgumentError(fn, name, 'a probability in [0, 1]', show(p));
  return p;
}

/** Throws unless `value` is one of `allowed`. @category errors */
export function oneOf<A extends string>(fn: string, name: string, value: string, allowed: readonly A[]): A {
  if (!(allowed as readonly string[]).includes(value))
    throw new SpikefnArgumentError(fn, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, show(value));
  return value as A;
}

/** Throws unless `x` has exactly rank `rank` (or one of the ranks given). @category errors */
export function rank(fn: string, name: string, x: Tensor | Shape, ranks: number | readonly number[], meaning?: string): void {
  const shape = 'shape' in x ? x.shape : x;
  const allowed = typeof ranks === 'number' ? [ranks] : ranks;
  if (!allowed.includes(shape.length)) {
    const what = `rank ${allowed.join(' or ')}${meaning === undefined ? '' : ` (${meaning})`}`;
    throw new SpikefnArgumentError(fn, name, what, `rank ${shape.length}, shape ${showShape(shape)}`);
  }
}

/** Throws unless `x` has rank at least `min`. @category errors */
export function minRank(fn: string, name: string, x: Tensor | Shape, min: number, meaning?: string): void {
  const shape = 'shape' in x ? x.shape : x;
  if (shape.length < min) {
    throw new SpikefnArgumentError(
      fn,
      name,
      `rank >= ${min}${meaning === undefined ? '' : ` (${meaning})`}`,
      `rank ${shape.length}, shape ${showShape(shape)}`,
    );
  }
}

/** Throws unless `shape[axis] === size` (negative axes count from the end). @category errors */
export function dim(fn: string, name: string, x: Tensor | Shape, axis: number, size: number, meaning?: string): void {
  const shape = 'shape' in x ? x.shape : x;
  const a = axis < 0 ? shape.length + axis : axis;
  if (shape[a] !== size) {
    throw new SpikefnArgumentError(
      fn,
      name,
      `size ${size} on axis ${axis}${meaning === undefined ? '' : ` (${meaning})`}`,
      `shape ${showShape(shape)}`,
    );
  }
}

/** Throws unless the two shapes are equal: used where a state must match its input (e.g. the batch size). @category errors */
export function sameShape(fn: string, name: string, got: Tensor | Shape, expected: Tensor | Shape, expectedWhat: string): void {
  const g = 'shape' in got ? got.shape : got;
  const e = 'shape' in expected ? expected.shape : expected;
  if (g.length !== e.length || g.some((d, i) => d !== e[i])) {
    throw new SpikefnArgumentError(fn, name, `shape ${showShape(e)} (${expectedWhat})`, `shape ${showShape(g)}`);
  }
}

/** Throws unless every entry of `shape` is an integer ≥ 1. @category errors */
export function validShape(fn: string, name: string, shape: Shape): Shape {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new SpikefnArgumentError(fn, name, 'a shape of integers >= 1', show(shape));
  }
  return shape;
}
