/**
 * fast-check arbitraries for spiking networks. They produce plain data (shapes, number arrays, seeds), never
 * tensors, so that shrinking allocates nothing; turn data into tensors inside the property with {@link toTensor}.
 *
 * Time-major shapes are `[T, B, ...]` with **T ≠ B** always, so that a time/batch mix-up cannot pass unnoticed
 * (Spyx's warning: "silently wrong when Time == Batch").
 *
 * @category testing
 */
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { key, type Key } from '@spikefn/core';

/** A shape with its data, row-major. @category testing */
export type TensorData = {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Its values in row-major order (as many as the shape's size). */
  readonly data: readonly number[];
};

/** Bounds of generated sizes. @category testing */
export const MAX_T = 12;
/** @category testing */
export const MAX_BATCH = 5;
/** @category testing */
export const MAX_FEATURES = 6;

/** Keys from 32-bit seeds. @category testing */
export const keyArb = (): fc.Arbitrary<Key> => fc.integer({ min: 0, max: 0x7fffffff }).map((s) => key(s));

/** A shape of `minRank..maxRank` dimensions, each `1..maxDim`. @category testing */
export const shapeArb = (minRank = 1, maxRank = 3, maxDim = MAX_FEATURES): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

/** `[T, B, ...features]` with `T ≠ B`, `features` given or generated (`featureRank` dims). @category testing */
export const timeBatchShapeArb = (
  options: {
    readonly features?: readonly number[];
    readonly featureRank?: number;
    readonly maxT?: number;
    readonly maxBatch?: number;
  } = {},
): fc.Arbitrary<number[]> => {
  const feats =
    options.features !== undefined ? fc.constant([...options.features]) : shapeArb(options.featureRank ?? 1, options.featureRank ?? 1);
  return fc
    .tuple(fc.integer({ min: 1, max: options.maxT ?? MAX_T }), fc.integer({ min: 1, max: options.maxBatch ?? MAX_BATCH }), feats)
    .filter(([T, B]) => T !== B)
    .map(([T, B, f]) => [T, B, ...f]);
};

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Float32 values in `[min, max]` (no NaN, no infinities) for a given shape. @category testing */
export const floatData = (shape: readonly number[], min = -1, max = 1): fc.Arbitrary<TensorData> =>
  fc
    .array(fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true }), {
      minLength: count(shape),
      maxLength: count(shape),
    })
    .map((data) => ({ shape, data }));

/** Spike trains: 0/1 values for a given shape, each 1 with probability about `rate`. @category testing */
export const spikeData = (shape: readonly number[], rate = 0.3): fc.Arbitrary<TensorData> =>
  fc
    .array(fc.integer({ min: 0, max: 999 }), { minLength: count(shape), maxLength: count(shape) })
    .map((us) => ({ shape, data: us.map((u) => (u < rate * 1000 ? 1 : 0)) }));

/** A shape drawn by `shapes`, then data for it by `values`. @category testing */
export const withShape = (
  shapes: fc.Arbitrary<number[]>,
  values: (shape: readonly number[]) => fc.Arbitrary<TensorData>,
): fc.Arbitrary<TensorData> => shapes.chain((s) => values(s));

/** The tensor of some generated data (float32). @category testing */
export const toTensor = (d: TensorData): tf.Tensor => tf.tensor([...d.data], [...d.shape], 'float32');
