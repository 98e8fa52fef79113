// decodeCheckpoint never throws: random bytes, random mutations of valid files and checksum-valid hostile manifests
// all give Right or a typed Left (a CheckpointError with a known reason and a plain message), and create no tensor
// unless they succeed. Encoding refuses non-finite values (unless allowed) and aliased tensors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError, treeDispose as dispose, type Tree } from '@spikefn/core';
import { CheckpointError, type CheckpointErrorReason, crc32, decodeCheckpoint, encodeCheckpoint } from '../src/checkpoint-format.js';

const REASONS: readonly CheckpointErrorReason[] = ['magic', 'version', 'truncated', 'checksum', 'manifest', 'non-finite'];
const MAGIC = [0x53, 0x50, 0x49, 0x4b, 0x45, 0x46, 0x4e, 0x00];

/** Decodes and checks the contract: no throw, a typed error or a checkpoint, no tensor left behind on failure. */
function decodeSafely(bytes: unknown): E.Either<CheckpointError, { trees: Record<string, Tree> }> {
  const before = tf.memory().numTensors;
  let r: ReturnType<typeof decodeCheckpoint>;
  try {
    r = decodeCheckpoint(bytes as Uint8Array);
  } catch (e) {
    throw new Error(`decodeCheckpoint threw ${String(e)}`);
  }
  if (E.isLeft(r)) {
    expect(r.left).toBeInstanceOf(CheckpointError);
    expect(REASONS).toContain(r.left.reason);
    expect(r.left.message).toMatch(/^checkpoint [\w-]+ error: /);
    // Clear messages: no leaked internals of the JavaScript engine.
    expect(r.left.message).not.toMatch(
      /TypeError|RangeError|unexpected error|Maximum call stack|Cannot read|is not a function|is not iterable/,
    );
    expect(tf.memory().numTensors).toBe(before);
  } else {
    for (const t of Object.values(r.right.trees)) dispose(t);
    expect(tf.memory().numTensors).toBe(before);
  }
  return r;
}

/** A file with the given manifest (any JSON text) and payload, and correct lengths and checksums. */
function forge(manifestText: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const m = new TextEncoder().encode(manifestText);
  const start = Math.ceil((24 + m.length) / 8) * 8;
  const out = new Uint8Array(start + payload.length);
  out.set(MAGIC, 0);
  out.set(m, 24);
  out.set(payload, start);
  const view = new DataView(out.buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, m.length, true);
  view.setUint32(16, crc32(m), true);
  view.setUint32(20, crc32(payload), true);
  return out;
}

const manifestOf = (trees: unknown, payloadBytes: unknown = 8, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ format: 'spikefn-checkpoint', version: 1, spikefnVersion: '0.1.0', meta: null, payloadBytes, trees, ...extra });

const oneTensor = (entry: Record<string, unknown>, structure: unknown = { w: 0 }): string =>
  manifestOf({ t: { structure, tensors: [{ name: 'w', shape: [2], dtype: 'float32', offset: 0, byteLength: 8, ...entry }] } });

const valid = (): Uint8Array => {
  const trees = { params: { w: tf.tensor1d([1, 2, 3]), nested: [tf.scalar(4, 'int32'), {}] } };
  const bytes = encodeCheckpoint({ meta: { epoch: 1 }, trees });
  dispose(trees.params);
  return bytes;
};

describe('decodeCheckpoint never throws', () => {
  it('on random byte strings, with and without the magic and version', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (raw, withMagic) => {
        const bytes = new Uint8Array(raw.length + (withMagic ? 12 : 0));
        if (withMagic) {
          bytes.set(MAGIC, 0);
          bytes[8] = 1;
        }
        bytes.set(raw, withMagic ? 12 : 0);
        expect(E.isLeft(decodeSafely(bytes))).toBe(true);
      }),
      { numRuns: 400, seed: 3 },
    );
  });

  it('on random mutations of a valid file (byte flips, truncations, insertions)', () => {
    const good = valid();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat({ max: good.length }),
        fc.constantFrom('flip', 'truncate', 'insert'),
        (edits, cut, how) => {
          let bytes = Uint8Array.from(good);
          if (how === 'flip') for (const [i, b] of edits) bytes[i] = b;
          else if (how === 'truncate') bytes = bytes.subarray(0, cut);
          else bytes = Uint8Array.from([...good.subarray(0, cut), ...edits.map(([, b]) => b), ...good.subarray(cut)]);
          decodeSafely(bytes);
        },
      ),
      { numRuns: 400, seed: 4 },
    );
  });

  it('on mutations of the manifest with the checksums recomputed (reaching the parser and every check)', () => {
    const good = valid();
    const m = new DataView(good.buffer).getUint32(12, true);
    const text = new TextDecoder().decode(good.subarray(24, 24 + m));
    const payload = good.subarray(Math.ceil((24 + m) / 8) * 8);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat({ max: text.length - 1 }), fc.constantFrom('0', '9', '-', '"', '[', ']', '{', '}', ',', ':', 'e', '.', 'x', '')),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (edits) => {
          const chars = [...text];
          for (const [i, c] of edits) chars[i] = c;
          decodeSafely(forge(chars.join(''), payload));
        },
      ),
      { numRuns: 400, seed: 5 },
    );
  });

  it('on checksum-valid random JSON manifests (any JSON value, and records with the right format fields)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.uint8Array({ maxLength: 64 }), (json, payload) => {
        decodeSafely(forge(JSON.stringify(json), payload));
        decodeSafely(forge(manifestOf(json, payload.length), payload));
        decodeSafely(forge(manifestOf({ t: { structure: json, tensors: [] } }, payload.length), payload));
        decodeSafely(forge(manifestOf({ t: { structure: 0, tensors: [json] } }, payload.length), payload));
      }),
      { numRuns: 300, seed: 6 },
    );
  });

  // Hostile manifests, each with the reason and the words the message must contain.
  const eight = new Uint8Array(8);
  const deep = (n: number): string => `${'['.repeat(n)}0${']'.repeat(n)}`;
  const cases: ReadonlyArray<readonly [string, Uint8Array, CheckpointErrorReason, RegExp]> = [
    ['a null manifest', forge('null'), 'manifest', /the manifest is null, not a record/],
    ['a number manifest', forge('42'), 'manifest', /the manifest is 42/],
    ['an array manifest', forge('[]'), 'manifest', /the manifest is an array/],
    ['invalid UTF-8', forgeBytes([0xff, 0xfe]), 'manifest', /not UTF-8 JSON/],
    ['another format', forge(JSON.stringify({ format: 'npz' })), 'manifest', /format "npz", expected 'spikefn-checkpoint'/],
    ['a string version', forge(manifestOf({}, 0, { version: '1' })), 'manifest', /manifest version "1"/],
    ['a numeric spikefnVersion', forge(manifestOf({}, 0, { spikefnVersion: 5 })), 'manifest', /spikefnVersion is 5/],
    ['negative payloadBytes', forge(manifestOf({}, -1)), 'manifest', /payloadBytes is -1/],
    ['payloadBytes 1e300', forge(manifestOf({}, 1e300)), 'manifest', /payloadBytes is 1e\+300/],
    ['trees null', forge(manifestOf(null, 0)), 'manifest', /trees is null/],
    ['a tree that is null', forge(manifestOf({ a: null }, 0)), 'manifest', /trees\.a is null/],
    ['tensors not an array', forge(manifestOf({ a: { structure: 0, tensors: 7 } }, 0)), 'manifest', /trees\.a\.tensors is 7/],
    ['a null tensor entry', forge(manifestOf({ a: { structure: 0, tensors: [null] } }, 8), eight), 'manifest', /tensors\[0\] is null/],
    ['a missing shape', forge(oneTensor({ shape: null }), eight), 'manifest', /shape is null, not an array/],
    ['a negative dimension', forge(oneTensor({ shape: [-1] }), eight), 'manifest', /not an integer >= 0/],
    ['a fractional dimension', forge(oneTensor({ shape: [1.5] }), eight), 'manifest', /not an integer >= 0/],
    [
      'a shape whose product overflows',
      forge(oneTensor({ shape: [2 ** 31, 2 ** 31, 2 ** 31] }), eight),
      'manifest',
      /more elements than the 8-byte payload holds/,
    ],
    [
      'a shape that does not match byteLength',
      forge(oneTensor({ shape: [1] }), eight),
      'manifest',
      /8 bytes do not fit shape \[1\] \(4 bytes\)/,
    ],
    ['an offset past the payload', forge(oneTensor({ offset: 8 }), eight), 'manifest', /at offset 8 do not lie/],
    ['a misaligned offset', forge(oneTensor({ offset: 2, shape: [1], byteLength: 4 }), eight), 'manifest', /at offset 2 do not lie/],
    ['an unknown dtype', forge(oneTensor({ dtype: 'float64' }), eight), 'manifest', /unknown dtype "float64"/],
    [
      'a structure naming a missing tensor',
      forge(oneTensor({}, { w: 3 }), eight),
      'manifest',
      /refers to tensor 3; the tree has 1 tensors/,
    ],
    ['a structure naming a tensor twice', forge(oneTensor({}, { w: 0, v: 0 }), eight), 'manifest', /a second time/],
    ['a structure leaving a tensor out', forge(oneTensor({}, {}), eight), 'manifest', /tensor 0 is not in the structure/],
    ['a structure with a string leaf', forge(oneTensor({}, { w: 'x' }), eight), 'manifest', /is "x", not a tensor index/],
    [
      'a structure nested 2000 deep',
      forge(manifestOf({ a: { structure: JSON.parse(deep(2000)), tensors: [] } }, 0)),
      'manifest',
      /nests deeper than 256/,
    ],
    ['a payload longer than declared', forge(manifestOf({}, 0), eight), 'manifest', /the payload has 8 bytes, the manifest says 0/],
  ];
  for (const [what, bytes, reason, message] of cases) {
    it(`refuses ${what} with reason '${reason}'`, () => {
      const r = decodeSafely(bytes);
      expect(E.isLeft(r) && r.left.reason).toBe(reason);
      expect(E.isLeft(r) && r.left.message).toMatch(message);
    });
  }

  it('JSON nested far too deep for a recursive walker is a typed error too', () => {
    decodeSafely(forge(deep(200_000)));
    const text = manifestOf({ a: { structure: [], tensors: [] } }, 0);
    decodeSafely(forge(`${text.slice(0, -1)},"deepMeta":${deep(200_000)}}`));
    decodeSafely(forge(text.replace('"structure":[]', `"structure":${deep(200_000)}`)));
  });

  it('a manifest length near 2^32 is reported as such (64-bit-safe arithmetic), not as a checksum error', () => {
    const bytes = valid();
    new DataView(bytes.buffer).setUint32(12, 0xfffffff8, true);
    const r = decodeSafely(bytes);
    expect(E.isLeft(r) && r.left.reason).toBe('truncated');
    expect(E.isLeft(r) && r.left.message).toMatch(
      /length field says 4294967288 bytes, so the payload would start at byte 4294967312; the file has \d+/,
    );
  });

  it('any non-Uint8Array argument is a typed error', () => {
    for (const v of [null, undefined, 'SPIKEFN', [0x53, 0x50], {}, 42]) expect(E.isLeft(decodeSafely(v))).toBe(true);
  });
});

function forgeBytes(manifest: readonly number[]): Uint8Array {
  const m = Uint8Array.from(manifest);
  const out = new Uint8Array(Math.ceil((24 + m.length) / 8) * 8);
  out.set(MAGIC, 0);
  out.set(m, 24);
  const view = new DataView(out.buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, m.length, true);
  view.setUint32(16, crc32(m), true);
  view.setUint32(20, crc32(new Uint8Array(0)), true);
  return out;
}

describe('encodeCheckpoint refuses what would not load back as saved', () => {
  it('NaN or ±Infinity in a float32 tensor: a CheckpointError naming the tensor, unless allowNonFinite', () => {
    const params = { fc: { weight: tf.tensor1d([1, Number.NaN, Number.POSITIVE_INFINITY]) } };
    expect(() => encodeCheckpoint({ meta: null, trees: { params } })).toThrow(CheckpointError);
    expect(() => encodeCheckpoint({ meta: null, trees: { params } })).toThrow(
      /non-finite error: cannot store params\.fc\.weight: it holds NaN \(first at \[1\], 2 non-finite values\)/,
    );
    const bytes = encodeCheckpoint({ meta: null, trees: { params } }, { allowNonFinite: true });
    // Decoding refuses them too, unless allowed.
    const r = decodeCheckpoint(bytes);
    expect(E.isLeft(r) && r.left.reason).toBe('non-finite');
    expect(E.isLeft(r) && r.left.message).toMatch(/tensor params\.fc\.weight holds NaN at flat index 1 \(2 non-finite values\)/);
    const ok = decodeCheckpoint(bytes, { allowNonFinite: true });
    expect(E.isRight(ok)).toBe(true);
    if (E.isRight(ok)) {
      const w = (ok.right.trees['params'] as { fc: { weight: tf.Tensor } }).fc.weight;
      expect(Array.from(w.dataSync())).toEqual([1, Number.NaN, Number.POSITIVE_INFINITY]);
      dispose(ok.right.trees['params'] as Tree);
    }
    dispose(params);
  });

  it('one tensor under two names (tied weights) is refused: it would load as two tensors', () => {
    const w = tf.ones([2]);
    expect(() => encodeCheckpoint({ meta: null, trees: { params: { a: w, b: w } } })).toThrow(
      /aliased error: cannot store params\.b: it is the same tensor as params\.a/,
    );
    expect(() => encodeCheckpoint({ meta: null, trees: { params: { a: w }, ema: { a: w } } })).toThrow(
      /ema\.a: it is the same tensor as params\.a/,
    );
    w.dispose();
  });

  it('metadata that is not JSON, and disposed tensors, are argument errors naming the path', () => {
    const w = tf.ones([1]);
    expect(() => encodeCheckpoint({ meta: { history: [{ loss: Number.NaN }] }, trees: {} })).toThrow(SpikefnArgumentError);
    expect(() => encodeCheckpoint({ meta: { history: [{ loss: Number.NaN }] }, trees: {} })).toThrow(/'ckpt\.meta\.history\[0\]\.loss'/);
    expect(() => encodeCheckpoint({ meta: { when: new Date(0) } as never, trees: {} })).toThrow(/'ckpt\.meta\.when'.*a Date/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodeCheckpoint({ meta: cyclic as never, trees: {} })).toThrow(/a cycle/);
    w.dispose();
    expect(() => encodeCheckpoint({ meta: null, trees: { params: { w } } })).toThrow(/'ckpt\.trees\.params\.w' expected a live tensor/);
  });
});
