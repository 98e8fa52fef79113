/**
 * The IDX file format of MNIST, Fashion-MNIST, KMNIST and EMNIST (LeCun et al., "The MNIST database",
 * yann.lecun.com/exdb/mnist; the same reader as SpikingJelly's `datasets` through torchvision's `read_sn3_pascalvincent_tensor`):
 *
 *   bytes 0–1   0x00 0x00                          magic
 *   byte  2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte  3     n, the number of dimensions (≥ 1)
 *   then        n dimension sizes, uint32 big-endian
 *   then        d₁·d₂·…·dₙ values, big-endian, row-major (the last dimension varies fastest)
 *
 * A file may be gzip-compressed as distributed (`train-images-idx3-ubyte.gz`): {@link decodeIdx} recognises gzip by
 * its own magic (0x1f 0x8b), so `.gz` and raw files are read the same way. Every check that fails throws an
 * {@link IdxFormatError} naming the file and what is wrong: a truncated file, trailing bytes, an unknown type code,
 * a foreign file (wrong magic), a corrupt gzip stream. Nothing else is thrown for any byte string.
 *
 * @category data
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The element types of IDX files. @category data */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array of each {@link IdxDtype}. @category data */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX array: `data[i₁·d₂·…·dₙ + … + iₙ]` is the element at index `(i₁, …, iₙ)`. @category data */
export type IdxArray = {
  /** The element type (from the type code of byte 2). */
  readonly dtype: IdxDtype;
  /** The dimension sizes `[d₁, …, dₙ]`, n ≥ 1. */
  readonly shape: readonly number[];
  /** The `d₁·…·dₙ` values, row-major, in the platform's byte order. */
  readonly data: IdxData;
};

/** A file (or byte string) that is not a valid IDX array, with the file and the reason. @category data */
export class IdxFormatError extends Error {
  /** Always `'IdxFormatError'`. */
  override readonly name = 'IdxFormatError';
  constructor(
    /** The file (or the name given to {@link decodeIdx}). */
    readonly file: string,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Options of {@link decodeIdx} and {@link readIdx}. @category data */
export type IdxReadOptions = {
  /** The most bytes a gzip stream may inflate to (a guard against decompression bombs). Default 1 GiB. */
  readonly maxBytes?: number;
};

const CODES: Readonly<Record<number, readonly [IdxDtype, number]>> = {
  8: ['uint8', 1],
  9: ['int8', 1],
  11: ['int16', 2],
  12: ['int32', 4],
  13: ['float32', 4],
  14: ['float64', 8],
};
const CODE_OF: Readonly<Record<IdxDtype, number>> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
const DEFAULT_MAX_BYTES = 2 ** 30;

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function inflate(bytes: Uint8Array, file: string, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new IdxFormatError(
      file,
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `the gzip stream inflates to more than ${maxBytes} bytes (options.maxBytes)`
        : `a corrupt or truncated gzip stream (${String((e as Error).message)}); download or reinstall the file`,
    );
  }
}

/**
 * Decodes an IDX array from bytes (raw or gzip-compressed). `file` names the source in error messages.
 * Throws {@link IdxFormatError} (and nothing else) when the bytes are not exactly one IDX array.
 *
 * @category data
 */
export function decodeIdx(bytes: Uint8Array, file = 'IDX data', options: IdxReadOptions = {}): IdxArray {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const b = isGzip(bytes) ? inflate(bytes, file, maxBytes) : bytes;
  if (b.length < 4)
    throw new IdxFormatError(file, `truncated: ${b.length} bytes, an IDX file starts with a 4-byte header (00 00 type rank)`);
  if (b[0] !== 0 || b[1] !== 0)
    throw new IdxFormatError(
      file,
      `not an IDX file: it starts with bytes ${hex(b[0])} ${hex(b[1])}, an IDX file with 00 00 (or a gzip file with 1f 8b)`,
    );
  const code = CODES[b[2] as number];
  if (code === undefined)
    throw new IdxFormatError(
      file,
      `unknown IDX type code ${hex(b[2])} (expected 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32 or 0e float64)`,
    );
  const [dtype, size] = code;
  const rank = b[3] as number;
  if (rank === 0) throw new IdxFormatError(file, 'an IDX array of 0 dimensions (byte 3 must be at least 1)');
  const header = 4 + 4 * rank;
  if (b.length < header)
    throw new IdxFormatError(file, `truncated header: ${rank} dimensions need ${header} header bytes, the file has ${b.length}`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = shape.reduce((n, d) => n * BigInt(d), BigInt(size));
  const found = BigInt(b.length - header);
  if (found !== expected) {
    const what = `shape [${shape.join(', ')}] of ${dtype} needs ${expected} data bytes, the file has ${found}`;
    throw new IdxFormatError(
      file,
      found < expected ? `truncated: ${what}; download or reinstall the file` : `${found - expected} bytes after the data: ${what}`,
    );
  }
  const n = Number(expected) / size;
  const data = decodeValues(view, header, n, dtype);
  return { dtype, shape, data };
}

function decodeValues(view: DataView, at: number, n: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

const hex = (v: number | undefined): string => (v ?? 0).toString(16).padStart(2, '0');

/**
 * Reads an IDX file (raw or `.gz`). A file that cannot be read or is not a valid IDX array throws an
 * {@link IdxFormatError} naming the file.
 *
 * @category data
 */
export function readIdx(path: string, options: IdxReadOptions = {}): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new IdxFormatError(
      path,
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : `cannot read it (${String((e as Error).message)})`,
    );
  }
  return decodeIdx(bytes, path, options);
}

/**
 * Encodes an array as IDX bytes (big-endian), gzip-compressed with `gzip: true`; the inverse of
 * {@link decodeIdx}. Throws {@link IdxFormatError} (file `'encodeIdx'`) when `data` does not have
 * `d₁·…·dₙ` values of the type or a dimension does not fit in uint32.
 *
 * @category data
 */
export function encodeIdx(a: IdxArray, options: { readonly gzip?: boolean } = {}): Uint8Array {
  const size = (CODES[CODE_OF[a.dtype]] as readonly [IdxDtype, number])[1];
  if (a.shape.length < 1 || a.shape.length > 255)
    throw new IdxFormatError('encodeIdx', `an IDX array has 1 to 255 dimensions, got ${a.shape.length}`);
  if (a.shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0xffffffff))
    throw new IdxFormatError('encodeIdx', `dimensions are integers in [0, 2^32), got [${a.shape.join(', ')}]`);
  const n = a.shape.reduce((p, d) => p * d, 1);
  if (a.data.length !== n) throw new IdxFormatError('encodeIdx', `shape [${a.shape.join(', ')}] needs ${n} values, got ${a.data.length}`);
  const header = 4 + 4 * a.shape.length;
  const out = new Uint8Array(header + n * size);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[a.dtype];
  out[3] = a.shape.length;
  a.shape.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  for (let i = 0; i < n; i++) {
    const v = a.data[i] as number;
    const at = header + i * size;
    if (a.dtype === 'uint8') view.setUint8(at, v);
    else if (a.dtype === 'int8') view.setInt8(at, v);
    else if (a.dtype === 'int16') view.setInt16(at, v, false);
    else if (a.dtype === 'int32') view.setInt32(at, v, false);
    else if (a.dtype === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return options.gzip ? new Uint8Array(gzipSync(out)) : out;
}
