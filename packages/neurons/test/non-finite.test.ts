// Non-finite inputs (NaN, ±Infinity): the fused kernels and the composed ops record the same spikes, h and v on
// the cpu and wasm backends (the documented IEEE-754 semantics of neuron.ts), and those semantics by hand.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, setBackend } from '@spikefn/core';
import { timeBatchShapeArb, type TensorData } from '@spikefn/testing';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import { build, MAX_BATCH, MAX_STEPS, neuronSpecArb } from './helpers.js';

/** Inputs `[T, B, F]` mixing finite values with NaN, +Infinity and −Infinity (about one entry in four non-finite). */
const mixedInputs = (): fc.Arbitrary<TensorData> =>
  timeBatchShapeArb({ featureRank: 1, maxT: MAX_STEPS, maxBatch: MAX_BATCH }).chain((shape) =>
    fc
      .array(
        fc.oneof(
          { weight: 6, arbitrary: fc.float({ min: Math.fround(-1), max: Math.fround(2), noNaN: true, noDefaultInfinity: true }) },
          { weight: 1, arbitrary: fc.constant(Number.NaN) },
          { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
          { weight: 1, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) },
        ),
        { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) },
      )
      .map((data) => ({ shape, data })),
  );

/** Same value entry by entry: `Object.is` (NaN equals NaN, +0 differs from −0). */
function expectSame(what: string, got: tf.Tensor, want: tf.Tensor): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) if (!Object.is(g[i], w[i])) throw new Error(`${what}: differs at ${i}: ${g[i]} vs ${w[i]}`);
}

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`${backend}: fused == composed on NaN and ±Infinity`, () => {
    it('spikes, final v and the records agree (Object.is) on random neurons and inputs with non-finite entries', async () => {
      await setBackend(backend);
      fc.assert(
        fc.property(neuronSpecArb(), mixedInputs(), (spec, data) => {
          const { layer, params, name } = build(spec);
          tf.tidy(() => {
            const xs = tf.tensor([...data.data], [...data.shape], 'float32');
            const s0 = layer.initialState(params, xs.shape.slice(1), key(0));
            const [sf, yf] = layer.sequence(params, s0, xs);
            const [sc, yc] = layer.sequenceComposed(params, s0, xs);
            expectSame(`${name} spikes`, yf, yc);
            expectSame(`${name} final v`, sf.v, sc.v);
            const [, rf] = layer.record(params, s0, xs);
            const [, rc] = layer.recordComposed(params, s0, xs);
            expectSame(`${name} record.v`, rf.v, rc.v);
            expectSame(`${name} record.vBeforeReset`, rf.vBeforeReset, rc.vBeforeReset);
          });
        }),
        { numRuns: 80, seed: 11 },
      );
    });
  });
}

describe('the documented semantics of non-finite inputs (derived from the equations by hand)', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  const run = (layer: ReturnType<typeof ifNode>, xs: number[], fused: boolean) =>
    tf.tidy(() => {
      const x = tf.tensor(xs, [xs.length, 1]);
      const s0 = layer.initialState({}, [1], key(0));
      const [, rec] = fused ? layer.record({}, s0, x) : layer.recordComposed({}, s0, x);
      return { spikes: values(rec.spikes), v: values(rec.v), h: values(rec.vBeforeReset) };
    });

  for (const fused of [true, false]) {
    const path = fused ? 'fused' : 'composed';
    it(`${path}: a hard-reset IF neuron fed +Infinity fires once, then v = 0·∞ + 0 = NaN and it never fires again`, async () => {
      await setBackend('cpu');
      const r = run(ifNode(), [Number.POSITIVE_INFINITY, 2, 2], fused);
      expect(r.spikes).toEqual([1, 0, 0]);
      expect(r.h).toEqual([Number.POSITIVE_INFINITY, Number.NaN, Number.NaN]);
      expect(r.v).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    });

    it(`${path}: −Infinity never fires and stays in an IF membrane; a soft reset keeps +Infinity and fires every step`, () => {
      const r = run(ifNode(), [Number.NEGATIVE_INFINITY, 5], fused);
      expect(r.spikes).toEqual([0, 0]);
      expect(r.v).toEqual([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      const soft = run(ifNode({ vReset: null }), [Number.POSITIVE_INFINITY, -3], fused);
      expect(soft.spikes).toEqual([1, 1]);
      expect(soft.v).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    });

    it(`${path}: NaN never fires and propagates to h and v; the LIF charge turns a −Infinity membrane into −∞ + ∞·k = NaN`, () => {
      const r = run(ifNode(), [Number.NaN, 5], fused);
      expect(r.spikes).toEqual([0, 0]);
      expect(r.v).toEqual([Number.NaN, Number.NaN]);
      const lif = run(lifNode({ tau: 2 }) as unknown as ReturnType<typeof ifNode>, [Number.NEGATIVE_INFINITY, 1], fused);
      expect(lif.spikes).toEqual([0, 0]);
      // h₀ = 0 + (−∞ − 0)/2 = −∞; h₁ = −∞ + (1 − (−∞))/2 = −∞ + ∞ = NaN.
      expect(lif.h).toEqual([Number.NEGATIVE_INFINITY, Number.NaN]);
    });
  }
});
