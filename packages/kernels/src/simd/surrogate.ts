/**
 * Which surrogate derivatives the SIMD backward computes itself (assembly/surrogate.ts), and with which parameters:
 * every built-in surrogate of `@spikefn/neurons`, identified by its hint. A surrogate without one (a user's own)
 * makes the kernel run its JavaScript loop, which calls the surrogate's `derivativeScalar`.
 *
 * @module
 */

/**
 * What a built-in surrogate tells the kernels about itself: its kind and hyper-parameters (`alpha` is α; for
 * `piecewiseLeakyRelu` the half-width w, with `c` and the window `slope`; for `squarewaveFourierSeries` n, with
 * `tPeriod`).
 */
export type SimdSurrogateHint = {
  readonly kind: string;
  readonly alpha: number;
  readonly c?: number | undefined;
  readonly slope?: number | undefined;
  readonly tPeriod?: number | undefined;
};

/** A surrogate as the SIMD backward takes it: its id in assembly/surrogate.ts and four float32 parameters. */
export type SimdSurrogate = { readonly id: number; readonly p: readonly [number, number, number, number] };

const ALPHA_ONLY: Readonly<Record<string, number>> = {
  sigmoid: 1,
  atan: 2,
  piecewiseQuadratic: 3,
  piecewiseExp: 4,
  softSign: 5,
  erf: 6,
  nonzeroSignLogAbs: 8,
};

/** The SIMD form of a hinted surrogate, or `null` (no hint, or one the module does not know): run JavaScript. */
export function simdSurrogate(hint: SimdSurrogateHint | undefined): SimdSurrogate | null {
  if (hint === undefined) return null;
  const id = ALPHA_ONLY[hint.kind];
  if (id !== undefined) return { id, p: [hint.alpha, 0, 0, 0] };
  if (hint.kind === 'piecewiseLeakyRelu' && hint.c !== undefined && hint.slope !== undefined)
    return { id: 7, p: [hint.alpha, hint.c, hint.slope, 0] };
  if (hint.kind === 'squarewaveFourierSeries' && hint.tPeriod !== undefined) return { id: 9, p: [hint.alpha - 1, hint.tPeriod, 0, 0] };
  return null;
}
