import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@spikefn/core/tf';
import { treeDispose as dispose } from '@spikefn/core';
import { assertTreesClose } from '@spikefn/testing';
import { crc32, decodeCheckpoint, encodeCheckpoint, SPIKEFN_VERSION } from '../src/checkpoint-format.js';

describe('checkpoint format', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it("SPIKEFN_VERSION is the packages' version", () => {
    expect(SPIKEFN_VERSION).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });
  it('round trip of random trees (law: decode ∘ encode = id)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 4 }),
        (arrays) => {
          const tree = { a: arrays.map((v) => tf.tensor1d(v)), n: tf.tensor1d([arrays.length], 'int32') };
          const r = decodeCheckpoint(encodeCheckpoint({ meta: { x: 1 }, trees: { tree } }));
          expect(E.isRight(r)).toBe(true);
          if (E.isRight(r)) {
            assertTreesClose(r.right.trees['tree']!, tree);
            dispose(r.right.trees['tree']!);
          }
          dispose(tree);
        },
      ),
      { numRuns: 20 },
    );
  });
  it('a corrupted buffer creates no tensors', () => {
    const t = { w: tf.ones([10]) };
    const bytes = encodeCheckpoint({ meta: null, trees: { t } });
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    const before = tf.memory().numTensors;
    expect(E.isLeft(decodeCheckpoint(bytes))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    dispose(t);
  });
});
