import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, type IdxArray, type IdxDtype, IdxFormatError, readIdx } from '../src/idx.js';

const dir = mkdtempSync(join(tmpdir(), 'idx-'));
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** Runs `f`; passes if it returns, or throws an IdxFormatError (and nothing else). */
const onlyIdxErrors = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof IdxFormatError) return true;
    throw e;
  }
};

describe('decodeIdx', () => {
  it('decodes hand-written files of every type (big-endian values, row-major shape)', () => {
    // 00 00 08 01 | 3 | 1 2 255
    expect(decodeIdx(bytes(0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 255))).toEqual({ dtype: 'uint8', shape: [3], data: bytes(1, 2, 255) });
    // int8 0xff = −1
    expect(Array.from(decodeIdx(bytes(0, 0, 9, 1, 0, 0, 0, 2, 0xff, 0x7f)).data)).toEqual([-1, 127]);
    // int16 0x0102 = 258, 0xfffe = −2; shape [1, 2]
    const i16 = decodeIdx(bytes(0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe));
    expect([i16.dtype, i16.shape, Array.from(i16.data)]).toEqual(['int16', [1, 2], [258, -2]]);
    // int32 0x01000000 = 16777216
    expect(Array.from(decodeIdx(bytes(0, 0, 0x0c, 1, 0, 0, 0, 1, 1, 0, 0, 0)).data)).toEqual([16777216]);
    // float32 0x3f800000 = 1, 0xc0000000 = −2
    expect(Array.from(decodeIdx(bytes(0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0)).data)).toEqual([1, -2]);
    // float64 0x3ff0000000000000 = 1
    expect(Array.from(decodeIdx(bytes(0, 0, 0x0e, 1, 0, 0, 0, 1, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0)).data)).toEqual([1]);
    // a [2, 0] array is empty
    expect(decodeIdx(bytes(0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 0)).data.length).toBe(0);
  });
  it('reads gzip-compressed files the same as raw ones, by the gzip magic', () => {
    const raw = bytes(0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4);
    expect(decodeIdx(gzipSync(raw))).toEqual(decodeIdx(raw));
    writeFileSync(join(dir, 'a-idx2-ubyte.gz'), gzipSync(raw));
    writeFileSync(join(dir, 'a-idx2-ubyte'), raw);
    expect(readIdx(join(dir, 'a-idx2-ubyte.gz'))).toEqual(readIdx(join(dir, 'a-idx2-ubyte')));
  });
  it('round-trips any array through encodeIdx, raw and gzip', () => {
    const arrays: Record<IdxDtype, fc.Arbitrary<number>> = {
      uint8: fc.integer({ min: 0, max: 255 }),
      int8: fc.integer({ min: -128, max: 127 }),
      int16: fc.integer({ min: -32768, max: 32767 }),
      int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      float32: fc.float({ noNaN: true }).map(Math.fround),
      float64: fc.double({ noNaN: true }),
    };
    const ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array };
    const array = fc.constantFrom(...(Object.keys(arrays) as IdxDtype[])).chain((dtype) =>
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) => {
        const n = shape.reduce((a, d) => a * d, 1);
        return fc
          .array(arrays[dtype], { minLength: n, maxLength: n })
          .map((values): IdxArray => ({ dtype, shape, data: ctor[dtype].from(values) }));
      }),
    );
    fc.assert(
      fc.property(array, fc.boolean(), (a, gzip) => {
        const back = decodeIdx(encodeIdx(a, { gzip }));
        expect(back.dtype).toBe(a.dtype);
        expect(back.shape).toEqual(a.shape);
        expect(Array.from(back.data)).toEqual(Array.from(a.data));
      }),
      { numRuns: 60 },
    );
  });
  it('refuses truncated, padded, foreign and unknown files with an IdxFormatError naming the file and the problem', () => {
    const good = bytes(0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3);
    const err = (b: Uint8Array): IdxFormatError => {
      try {
        decodeIdx(b, 'x.idx');
      } catch (e) {
        expect(e).toBeInstanceOf(IdxFormatError);
        expect((e as IdxFormatError).file).toBe('x.idx');
        return e as IdxFormatError;
      }
      throw new Error('expected an IdxFormatError');
    };
    expect(err(good.subarray(0, 10)).message).toMatch(/^x\.idx: truncated: shape \[3\] of uint8 needs 3 data bytes, the file has 2/);
    expect(err(Uint8Array.from([...good, 9])).message).toMatch(/1 bytes after the data/);
    expect(err(bytes(0x89, 0x50, 0x4e, 0x47, 13, 10)).message).toMatch(/not an IDX file: it starts with bytes 89 50/);
    expect(err(new TextEncoder().encode('{"data": []}')).message).toMatch(/not an IDX file/);
    expect(err(bytes(0, 0, 0x0a, 1, 0, 0, 0, 0)).message).toMatch(/unknown IDX type code 0a/);
    expect(err(bytes(0, 0, 8, 0)).message).toMatch(/0 dimensions/);
    expect(err(bytes(0, 0, 8, 3, 0, 0, 0, 1)).message).toMatch(/truncated header: 3 dimensions need 16 header bytes, the file has 8/);
    expect(err(bytes(0, 0)).message).toMatch(/truncated: 2 bytes/);
    expect(err(gzipSync(good).subarray(0, 15)).message).toMatch(/corrupt or truncated gzip stream/);
    // a header that claims 2^96 bytes of data, over 3 bytes: refused without allocating anything
    expect(err(bytes(0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 2, 3)).message).toMatch(
      /truncated: shape \[4294967295, 4294967295, 4294967295\] of uint8 needs 79228162458924105385300197375 data bytes/,
    );
    // a gzip bomb over the limit
    expect(decodeIdx.bind(null, gzipSync(new Uint8Array(5000)), 'bomb.gz', { maxBytes: 1000 })).toThrow(/inflates to more than 1000 bytes/);
  });
  it('fuzz: random bytes, gzip-looking bytes and mutations of valid files never throw anything but IdxFormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyIdxErrors(() => decodeIdx(b))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyIdxErrors(() => decodeIdx(Uint8Array.from([0x1f, 0x8b, ...b])))),
      { numRuns: 500 },
    );
    const valid = encodeIdx({ dtype: 'int16', shape: [2, 3], data: Int16Array.from([1, -2, 3, 4, 5, 6]) });
    const mutate = fc.record({
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.nat({ max: valid.length }),
      extra: fc.uint8Array({ maxLength: 4 }),
      gzip: fc.boolean(),
    });
    fc.assert(
      fc.property(mutate, ({ edits, cut, extra, gzip }) => {
        const b = Uint8Array.from([...valid.subarray(0, cut), ...extra]);
        for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
        const g = gzip ? gzipSync(b) : b;
        if (gzip) for (const [at, v] of edits) g[(at % (g.length - 2)) + 2] = v; // corrupt the stream too (past its magic)
        return onlyIdxErrors(() => decodeIdx(b)) && onlyIdxErrors(() => decodeIdx(g));
      }),
      { numRuns: 2000 },
    );
  });
  it('readIdx names a missing file or a folder', () => {
    expect(() => readIdx(join(dir, 'nope'))).toThrow(/nope: no such file/);
    expect(() => readIdx(dir)).toThrow(IdxFormatError);
  });
  it('encodeIdx refuses values that do not match the shape', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) })).toThrow(/shape \[2, 2\] needs 4 values, got 3/);
    expect(() => encodeIdx({ dtype: 'uint8', shape: [], data: new Uint8Array(1) })).toThrow(/1 to 255 dimensions/);
  });
});
