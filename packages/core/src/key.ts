/**
 * Splittable, deterministic PRNG keys, in the style of JAX's `jax.random` (Bradbury et al. 2018; Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3", SC 2011, for counter-based generation).
 *
 * A key is a plain value: two unsigned 32-bit words. It is never mutated and holds no tensor, so it needs no
 * disposal. New keys come from hashing: `foldIn(k, d) = H(k, d)` with `H` a MurmurHash3-style mix of the words.
 * `split(k, n)[i] = foldIn(k, i)`, so the i-th key of a split does not depend on `n`: a sequence of `T` steps
 * and its first `T'` steps see the same per-step keys (this is what makes chunked `scan`s reproduce whole ones).
 *
 * @category randomness
 */
import { SpikefnArgumentError } from './validate.js';

/** A PRNG key: two uint32 words. Make one with {@link key}. @category randomness */
export type Key = readonly [number, number] & {
  /** A type-level brand only (no such property at run time): a plain `[number, number]` does not type as a `Key`. */
  readonly __brand: 'spikefn.Key';
};

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** One MurmurHash3 mixing round of `word` into `h`. */
const round = (h: number, word: number): number => {
  let k = Math.imul(word >>> 0, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  const g = rotl(h ^ k, 13);
  return (Math.imul(g, 5) + 0xe6546b64) | 0;
};

/** MurmurHash3's finaliser: a bijection on 32 bits with full avalanche. */
const fmix = (h: number): number => {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
};

/** A 32-bit hash of three words under a seed (exported for samplers; not part of the public API). @internal */
export const hash3 = (a: number, b: number, c: number, seed: number): number => fmix(round(round(round(seed, a), b), c) ^ 12);

const make = (w0: number, w1: number): Key => [w0 >>> 0, w1 >>> 0] as unknown as Key;

/** A key from an integer seed (any safe integer; negative seeds are allowed). @category randomness */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) throw new SpikefnArgumentError('key', 'seed', 'a safe integer', String(seed));
  const lo = seed % 0x100000000;
  const hi = Math.floor(seed / 0x100000000);
  return make(hash3(lo, hi, 0, 0x9e3779b9), hash3(hi, lo, 1, 0x7f4a7c15));
}

/** Checks that `k` is a key (two uint32 words). @category randomness */
export function isKey(k: unknown): k is Key {
  return Array.isArray(k) && k.length === 2 && k.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff);
}

const showKey = (k: unknown): string => {
  if (typeof k === 'function') return 'a function';
  try {
    return JSON.stringify(k) ?? String(k);
  } catch {
    return String(k);
  }
};

/**
 * Throws a {@link SpikefnArgumentError} naming `fn` and `name` unless `k` is a key (two uint32 words, see {@link isKey}):
 * `uniform([0.5, 0.7], …)` is refused instead of read as the key `[0, 0]`.
 *
 * @category randomness
 */
export function checkKey(fn: string, k: unknown, name = 'key'): Key {
  if (!isKey(k)) throw new SpikefnArgumentError(fn, name, 'a key made by key(seed)', showKey(k));
  return k;
}

/** A new key from `k` and the integer `data`: `H(k, data)`. Different data give independent keys. @category randomness */
export function foldIn(k: Key, data: number): Key {
  checkKey('foldIn', k);
  if (!Number.isSafeInteger(data)) throw new SpikefnArgumentError('foldIn', 'data', 'a safe integer', String(data));
  const lo = data % 0x100000000;
  const hi = Math.floor(data / 0x100000000);
  return make(hash3(k[0], k[1], lo, 0x243f6a88 ^ hi), hash3(k[1], k[0], lo, 0x85a308d3 ^ hi));
}

type KeyTuple<N extends number, Acc extends Key[] = []> = Acc['length'] extends N ? Acc : KeyTuple<N, [...Acc, Key]>;

/**
 * What `split(k, n)` returns: a tuple of `n` keys when `n` is a literal from 0 to 16 (`const [a, b, c] = split(k, 3)`
 * gives three `Key`s, also under `noUncheckedIndexedAccess`), otherwise an array of keys. @category randomness
 */
export type Keys<N extends number> = N extends 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16
  ? KeyTuple<N>
  : Key[];

/** `n` independent keys: `split(k, n)[i] = foldIn(k, i)` (JAX's `random.split`). @category randomness */
export function split<N extends number>(k: Key, n: N): Keys<N> {
  checkKey('split', k);
  if (!Number.isInteger(n) || n < 0) throw new SpikefnArgumentError('split', 'n', 'an integer >= 0', String(n));
  return Array.from({ length: n }, (_, i) => foldIn(k, i)) as Keys<N>;
}

/** `split(k, 2)` as a pair, for the common case. @category randomness */
export function split2(k: Key): readonly [Key, Key] {
  return [foldIn(k, 0), foldIn(k, 1)];
}
