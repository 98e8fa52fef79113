/**
 * The spikefn checkpoint format: named trees of tensors (params, layer state such as BatchNorm running statistics,
 * optimiser state) plus JSON metadata (config, key, progress), in one byte buffer. It needs no file system (a browser
 * can decode a fetched checkpoint) and loading executes nothing: a JSON manifest and raw little-endian arrays.
 *
 * Layout (all integers unsigned 32-bit little-endian):
 *
 * | bytes | content |
 * |---|---|
 * | 0–7 | magic `SPIKEFN` + `\0` |
 * | 8–11 | format version (1) |
 * | 12–15 | manifest length `M` in bytes |
 * | 16–19 | CRC-32 (IEEE 802.3, as zlib) of the manifest bytes |
 * | 20–23 | CRC-32 of the payload bytes |
 * | 24 … 24+M | manifest: UTF-8 JSON (below) |
 * | padding | zeros up to a multiple of 8 |
 * | payload | every tensor's values back to back, each starting at a multiple of 8 |
 *
 * Manifest: `{ format: 'spikefn-checkpoint', version: 1, spikefnVersion, meta, payloadBytes, trees }` with
 * `trees[name] = { structure, tensors }`: `structure` is the tree with each leaf replaced by its index in `tensors`
 * (so empty records of stateless layers survive), `tensors[i] = { name, shape, dtype, offset, byteLength }`,
 * `offset` relative to the payload, dtype `float32` or `int32`.
 *
 * Decoding checks the magic, version, lengths, both checksums and every field of the manifest, and returns
 * `Either<CheckpointError, Checkpoint>` for any input (it never throws; fuzzed with random bytes, mutations of valid
 * files and checksum-valid hostile manifests); {@link restoreLike} checks a loaded tree against the model's own
 * (names, shapes, dtypes) and says what differs. Encoding refuses non-finite values (unless allowed) and aliased tensors.
 *
 * @category checkpoints
 */
import * as tf from '@spikefn/core/tf';
import {
  firstNonFinite,
  SpikefnArgumentError,
  treeFlattenWithPaths as flattenWithPaths,
  treeLeaves as leaves,
  treeUnflatten as unflatten,
  type Tree,
} from '@spikefn/core';
import * as E from 'fp-ts/lib/Either.js';

/** The spikefn version written into checkpoints (kept equal to the packages' version by a test). @category checkpoints */
export const SPIKEFN_VERSION = '0.1.0';
/** The format version this code writes and reads. @category checkpoints */
export const FORMAT_VERSION = 1;
const MAGIC = [0x53, 0x50, 0x49, 0x4b, 0x45, 0x46, 0x4e, 0x00]; // "SPIKEFN\0"
const HEADER = 24;

/** JSON values for metadata. @category checkpoints */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/** A checkpoint: named trees and metadata. @category checkpoints */
export type Checkpoint = {
  /** The spikefn version that wrote it ({@link SPIKEFN_VERSION} unless given to {@link encodeCheckpoint}). */
  readonly spikefnVersion: string;
  /** Free JSON metadata: config, key, progress. */
  readonly meta: Json;
  /** Trees of float32/int32 tensors by name, e.g. `{ params, state, opt }`. */
  readonly trees: Readonly<Record<string, Tree>>;
};

/**
 * Why a checkpoint could not be written, read or used: file access, not a checkpoint (magic), another format version,
 * too short, corrupted (checksum), a malformed manifest, a tree that does not match the model, non-finite values
 * (refused unless allowed), or one tensor under two names (aliased). @category checkpoints
 */
export type CheckpointErrorReason =
  | 'io'
  | 'magic'
  | 'version'
  | 'truncated'
  | 'checksum'
  | 'manifest'
  | 'mismatch'
  | 'non-finite'
  | 'aliased';

/** Where a {@link CheckpointError} happened and what caused it. @category checkpoints */
export type CheckpointErrorOptions = {
  /** The file concerned, when there is one. */
  readonly path?: string;
  /** The underlying error (e.g. Node's `fs` error), for its code and stack. */
  readonly cause?: unknown;
};

/** The error for a corrupted, foreign, mismatched or unwritable checkpoint: a value, with a reason and a message. @category checkpoints */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`. */
  override readonly name = 'CheckpointError';
  /** The file concerned (`undefined` for bytes in memory). */
  readonly path: string | undefined;
  constructor(
    /** What went wrong (see {@link CheckpointErrorReason}). */
    readonly reason: CheckpointErrorReason,
    message: string,
    options: CheckpointErrorOptions = {},
  ) {
    super(`checkpoint ${reason} error: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = options.path;
  }
}

/** Options of {@link encodeCheckpoint} and {@link decodeCheckpoint}. @category checkpoints */
export type CheckpointOptions = {
  /** Store (encode) or accept (decode) float32 tensors holding NaN or ±Infinity. Default false: they are refused. */
  readonly allowNonFinite?: boolean;
};

type TensorEntry = {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly offset: number;
  readonly byteLength: number;
};
type Structure = number | readonly Structure[] | { readonly [k: string]: Structure };
type Manifest = {
  readonly format: 'spikefn-checkpoint';
  readonly version: number;
  readonly spikefnVersion: string;
  readonly meta: Json;
  readonly payloadBytes: number;
  readonly trees: Readonly<Record<string, { readonly structure: Structure; readonly tensors: readonly TensorEntry[] }>>;
};

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as zlib's `crc32`). @category checkpoints */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The next multiple of 8, in double precision: exact for every length up to 2⁵³ (a 32-bit `& ~7` wraps at 2³¹). */
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** How deep a tree structure or metadata may nest: far beyond any network, far below the stack. */
const MAX_DEPTH = 256;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const structureOf = (tree: Tree, counter: { i: number }): Structure => {
  if (tree instanceof tf.Tensor) return counter.i++;
  if (Array.isArray(tree)) return tree.map((c) => structureOf(c, counter));
  return Object.fromEntries(Object.entries(tree).map(([k, c]) => [k, structureOf(c as Tree, counter)]));
};

const showValue = (v: unknown): string => {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return v.constructor?.name === 'Object' ? 'an object' : `a ${v.constructor?.name ?? 'object'}`;
  return String(v);
};

/** Throws unless `v` is JSON that round-trips (finite numbers, plain records and arrays, no cycles). */
const checkJson = (v: unknown, path: string, depth: number): void => {
  if (depth > MAX_DEPTH)
    throw new SpikefnArgumentError('encodeCheckpoint', path, `JSON nested at most ${MAX_DEPTH} deep (a cycle?)`, 'deeper nesting');
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new SpikefnArgumentError('encodeCheckpoint', path, 'JSON: a finite number (JSON has no NaN or Infinity)', String(v));
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((c, i) => {
      checkJson(c, `${path}[${i}]`, depth + 1);
    });
    return;
  }
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, c] of Object.entries(v)) if (c !== undefined) checkJson(c, `${path}.${k}`, depth + 1);
    return;
  }
  throw new SpikefnArgumentError(
    'encodeCheckpoint',
    path,
    'JSON (null, a boolean, a finite number, a string, an array or a plain record)',
    showValue(v),
  );
};

/**
 * Encodes a checkpoint to bytes (reads every tensor with `dataSync`). Refused with a {@link CheckpointError}: a float32
 * tensor holding NaN or ±Infinity (reason `'non-finite'`, unless `options.allowNonFinite`: a diverged run should not
 * overwrite a good checkpoint), one tensor under two names (`'aliased'`: it would load as two independent tensors),
 * a dtype other than float32 or int32 (`'manifest'`). Metadata that is not JSON (NaN, a class instance, a cycle) and
 * disposed tensors are argument errors.
 *
 * @category checkpoints
 */
export function encodeCheckpoint(
  ckpt: Omit<Checkpoint, 'spikefnVersion'> & { readonly spikefnVersion?: string },
  options: CheckpointOptions = {},
): Uint8Array {
  if (!isRecord(ckpt)) throw new SpikefnArgumentError('encodeCheckpoint', 'ckpt', 'a record { meta, trees }', showValue(ckpt));
  if (!isRecord(ckpt.trees))
    throw new SpikefnArgumentError('encodeCheckpoint', 'ckpt.trees', 'a record of named trees', showValue(ckpt.trees));
  if (ckpt.spikefnVersion !== undefined && typeof ckpt.spikefnVersion !== 'string')
    throw new SpikefnArgumentError('encodeCheckpoint', 'ckpt.spikefnVersion', 'a string', showValue(ckpt.spikefnVersion));
  checkJson(ckpt.meta === undefined ? null : ckpt.meta, 'ckpt.meta', 0);
  const allowNonFinite = options.allowNonFinite === true;
  const chunks: Uint8Array[] = [];
  const seen = new Map<tf.Tensor, string>();
  let offset = 0;
  const trees: Record<string, { structure: Structure; tensors: TensorEntry[] }> = {};
  for (const [treeName, tree] of Object.entries(ckpt.trees)) {
    const tensors: TensorEntry[] = [];
    for (const [path, t] of flattenWithPaths(tree)) {
      const full = [treeName, ...path].join('.');
      if (t.isDisposed) throw new SpikefnArgumentError('encodeCheckpoint', `ckpt.trees.${full}`, 'a live tensor', 'a disposed tensor');
      const other = seen.get(t);
      if (other !== undefined)
        throw new CheckpointError(
          'aliased',
          `cannot store ${full}: it is the same tensor as ${other}, and would load as two independent tensors (store it once, or tf.clone one of them)`,
        );
      seen.set(t, full);
      if (t.dtype !== 'float32' && t.dtype !== 'int32')
        throw new CheckpointError('manifest', `cannot store ${full}: dtype ${t.dtype} (float32 or int32 only)`);
      const values = t.dataSync() as Float32Array | Int32Array;
      if (!allowNonFinite && t.dtype === 'float32') {
        const bad = firstNonFinite(t);
        if (bad !== undefined)
          throw new CheckpointError(
            'non-finite',
            `cannot store ${full}: it holds ${bad.value} (first at [${bad.index.join(', ')}], ${bad.count} non-finite value${bad.count === 1 ? '' : 's'}); pass { allowNonFinite: true } to store it anyway`,
          );
      }
      const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
      tensors.push({ name: path.join('.'), shape: [...t.shape], dtype: t.dtype, offset, byteLength: bytes.length });
      chunks.push(bytes);
      const padded = pad8(bytes.length);
      if (padded > bytes.length) chunks.push(new Uint8Array(padded - bytes.length));
      offset += padded;
    }
    trees[treeName] = { structure: structureOf(tree, { i: 0 }), tensors };
  }
  const manifest: Manifest = {
    format: 'spikefn-checkpoint',
    version: FORMAT_VERSION,
    spikefnVersion: ckpt.spikefnVersion ?? SPIKEFN_VERSION,
    meta: ckpt.meta === undefined ? null : ckpt.meta,
    payloadBytes: offset,
    trees,
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const payloadStart = pad8(HEADER + manifestBytes.length);
  const out = new Uint8Array(payloadStart + offset);
  out.set(MAGIC, 0);
  out.set(manifestBytes, HEADER);
  let at = payloadStart;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  const view = new DataView(out.buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, manifestBytes.length, true);
  view.setUint32(16, crc32(manifestBytes), true);
  view.setUint32(20, crc32(out.subarray(payloadStart)), true);
  return out;
}

/** A manifest problem, as a message (validation returns it instead of throwing). */
class Invalid {
  constructor(readonly message: string) {}
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks one tensor entry against the payload; returns its element count or a problem. */
const checkEntry = (tree: string, i: number, e: unknown, payloadLength: number): number | Invalid => {
  const at = `trees.${tree}.tensors[${i}]`;
  if (!isRecord(e)) return new Invalid(`${at} is ${showValue(e)}, not a tensor entry`);
  if (typeof e['name'] !== 'string') return new Invalid(`${at}.name is ${showValue(e['name'])}, not a string`);
  const what = `tensor ${tree}.${e['name'] as string}`;
  if (e['dtype'] !== 'float32' && e['dtype'] !== 'int32')
    return new Invalid(`${what}: unknown dtype ${showValue(e['dtype'])} (float32 or int32)`);
  const shape = e['shape'];
  if (!Array.isArray(shape)) return new Invalid(`${what}: shape is ${showValue(shape)}, not an array`);
  // The element count, bounded by what the payload can hold at every step (no overflow, no huge allocation).
  const capacity = Math.floor(payloadLength / 4);
  let n = 1;
  for (const d of shape) {
    if (!isCount(d)) return new Invalid(`${what}: shape [${shape.map(showValue).join(', ')}] has a dimension that is not an integer >= 0`);
    n *= d;
    if (n > capacity)
      return new Invalid(`${what}: shape [${shape.join(', ')}] has more elements than the ${payloadLength}-byte payload holds`);
  }
  const { offset, byteLength } = e as { offset?: unknown; byteLength?: unknown };
  if (!isCount(offset) || !isCount(byteLength))
    return new Invalid(`${what}: offset ${showValue(offset)} and byteLength ${showValue(byteLength)} must be integers >= 0`);
  if (byteLength !== 4 * n) return new Invalid(`${what}: ${byteLength} bytes do not fit shape [${shape.join(', ')}] (${4 * n} bytes)`);
  if (offset % 4 !== 0 || offset + byteLength > payloadLength)
    return new Invalid(`${what}: ${byteLength} bytes at offset ${offset} do not lie (4-byte aligned) in the ${payloadLength}-byte payload`);
  return n;
};

/** Checks a structure: numbers index `count` tensors, each exactly once; records and arrays nest at most MAX_DEPTH. */
const checkStructure = (tree: string, s: unknown, count: number): Invalid | undefined => {
  const used = new Uint8Array(count);
  const go = (node: unknown, path: string, depth: number): Invalid | undefined => {
    if (depth > MAX_DEPTH) return new Invalid(`trees.${tree}.structure nests deeper than ${MAX_DEPTH} at ${path}`);
    if (typeof node === 'number') {
      if (!(Number.isInteger(node) && node >= 0 && node < count))
        return new Invalid(`trees.${tree}.structure${path} refers to tensor ${node}; the tree has ${count} tensors`);
      if (used[node] === 1)
        return new Invalid(`trees.${tree}.structure${path} refers to tensor ${node} a second time (one tensor under two names)`);
      used[node] = 1;
      return undefined;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const r = go(node[i], `${path}[${i}]`, depth + 1);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    if (isRecord(node)) {
      for (const [k, c] of Object.entries(node)) {
        const r = go(c, `${path}.${k}`, depth + 1);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    return new Invalid(`trees.${tree}.structure${path} is ${showValue(node)}, not a tensor index, array or record`);
  };
  const r = go(s, '', 0);
  if (r !== undefined) return r;
  const missing = used.indexOf(0);
  if (missing >= 0) return new Invalid(`trees.${tree}: tensor ${missing} is not in the structure`);
  return undefined;
};

const rebuild = (s: Structure, ts: readonly tf.Tensor[]): Tree => {
  if (typeof s === 'number') return ts[s] as tf.Tensor;
  if (Array.isArray(s)) return s.map((c) => rebuild(c, ts));
  return Object.fromEntries(Object.entries(s).map(([k, c]) => [k, rebuild(c as Structure, ts)]));
};

/** Checks a parsed manifest against the payload length; returns it typed, or a problem. */
const checkManifest = (m: unknown, payloadLength: number): Manifest | Invalid => {
  if (!isRecord(m)) return new Invalid(`the manifest is ${showValue(m)}, not a record`);
  if (m['format'] !== 'spikefn-checkpoint') return new Invalid(`format ${showValue(m['format'])}, expected 'spikefn-checkpoint'`);
  if (m['version'] !== FORMAT_VERSION) return new Invalid(`manifest version ${showValue(m['version'])}, expected ${FORMAT_VERSION}`);
  if (typeof m['spikefnVersion'] !== 'string') return new Invalid(`spikefnVersion is ${showValue(m['spikefnVersion'])}, not a string`);
  if (!isCount(m['payloadBytes'])) return new Invalid(`payloadBytes is ${showValue(m['payloadBytes'])}, not an integer >= 0`);
  const trees = m['trees'];
  if (!isRecord(trees)) return new Invalid(`trees is ${showValue(trees)}, not a record of named trees`);
  for (const [name, t] of Object.entries(trees)) {
    if (!isRecord(t)) return new Invalid(`trees.${name} is ${showValue(t)}, not { structure, tensors }`);
    const tensors = t['tensors'];
    if (!Array.isArray(tensors)) return new Invalid(`trees.${name}.tensors is ${showValue(tensors)}, not an array`);
    for (let i = 0; i < tensors.length; i++) {
      const r = checkEntry(name, i, tensors[i], payloadLength);
      if (r instanceof Invalid) return r;
    }
    const r = checkStructure(name, t['structure'], tensors.length);
    if (r !== undefined) return r;
  }
  return { ...(m as unknown as Manifest), meta: (m['meta'] === undefined ? null : m['meta']) as Json };
};

/**
 * Decodes bytes written by {@link encodeCheckpoint}. Never throws: any byte string (and any other value) gives
 * `Right(checkpoint)` or `Left(CheckpointError)` with a reason and a message naming what is wrong: not a spikefn
 * checkpoint (`'magic'`), another format version, truncated, corrupted (`'checksum'`), a malformed manifest (wrong
 * types, shapes that do not fit the payload, a structure that names a tensor twice or not at all, nesting deeper
 * than 256), or float32 values that are NaN or ±Infinity (`'non-finite'`, unless `options.allowNonFinite`). Every
 * length is checked in double precision, so a manifest length near 2³² is reported as such. No tensor is created
 * unless the whole file is valid.
 *
 * @category checkpoints
 */
export function decodeCheckpoint(bytes: Uint8Array, options: CheckpointOptions = {}): E.Either<CheckpointError, Checkpoint> {
  const fail = (reason: CheckpointErrorReason, msg: string): E.Either<CheckpointError, Checkpoint> =>
    E.left(new CheckpointError(reason, msg));
  try {
    if (!(bytes instanceof Uint8Array))
      return fail('magic', `not a spikefn checkpoint: expected its bytes (a Uint8Array), got ${showValue(bytes)}`);
    if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b))
      return fail('magic', 'not a spikefn checkpoint (the file does not start with "SPIKEFN")');
    if (bytes.length < HEADER) return fail('truncated', `the header needs ${HEADER} bytes, the file has ${bytes.length}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = view.getUint32(8, true);
    if (version !== FORMAT_VERSION) return fail('version', `format version ${version}; this spikefn reads version ${FORMAT_VERSION}`);
    const m = view.getUint32(12, true);
    const payloadStart = pad8(HEADER + m);
    if (payloadStart > bytes.length)
      return fail(
        'truncated',
        `the manifest length field says ${m} bytes, so the payload would start at byte ${payloadStart}; the file has ${bytes.length}`,
      );
    const manifestBytes = bytes.subarray(HEADER, HEADER + m);
    if (crc32(manifestBytes) !== view.getUint32(16, true))
      return fail('checksum', 'the manifest checksum does not match: the file is corrupted');
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
    } catch (e) {
      return fail('manifest', `the manifest is not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const payload = bytes.subarray(payloadStart);
    if (isRecord(parsed) && isCount(parsed['payloadBytes']) && payload.length !== parsed['payloadBytes'])
      return fail(
        payload.length < parsed['payloadBytes'] ? 'truncated' : 'manifest',
        `the payload has ${payload.length} bytes, the manifest says ${parsed['payloadBytes']}`,
      );
    const manifest = checkManifest(parsed, payload.length);
    if (manifest instanceof Invalid) return fail('manifest', manifest.message);
    if (crc32(payload) !== view.getUint32(20, true)) return fail('checksum', 'the payload checksum does not match: the file is corrupted');
    // Every entry is valid: read the values, refuse non-finite ones, and only then make tensors.
    const arrays: Array<[string, Array<[TensorEntry, Float32Array | Int32Array]>]> = [];
    for (const [name, { tensors }] of Object.entries(manifest.trees)) {
      const list: Array<[TensorEntry, Float32Array | Int32Array]> = [];
      for (const e of tensors) {
        const raw = payload.slice(e.offset, e.offset + e.byteLength);
        const values = e.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
        if (e.dtype === 'float32' && options.allowNonFinite !== true) {
          let count = 0;
          let first = -1;
          for (let i = 0; i < values.length; i++) {
            const x = values[i] as number;
            if (x - x !== 0) {
              if (first < 0) first = i;
              count++;
            }
          }
          if (count > 0)
            return fail(
              'non-finite',
              `tensor ${name}.${e.name} holds ${values[first]} at flat index ${first} (${count} non-finite value${count === 1 ? '' : 's'}); load with { allowNonFinite: true } to accept it`,
            );
        }
        list.push([e, values]);
      }
      arrays.push([name, list]);
    }
    const created: tf.Tensor[] = [];
    try {
      const trees: Record<string, Tree> = {};
      for (const [name, list] of arrays) {
        const ts = list.map(([e, values]) => {
          const t = tf.tensor(values, [...e.shape], e.dtype);
          created.push(t);
          return t;
        });
        trees[name] = rebuild((manifest.trees[name] as Manifest['trees'][string]).structure, ts);
      }
      return E.right({ spikefnVersion: manifest.spikefnVersion, meta: manifest.meta, trees });
    } catch (e) {
      tf.dispose(created);
      return fail('manifest', `the tensors could not be created: ${e instanceof Error ? e.message : String(e)}`);
    }
  } catch (e) {
    // Unreachable by construction (every field is checked before use); kept so that the promise "never throws" holds.
    return fail('manifest', `unexpected error while decoding: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Checks that `loaded` has the structure, leaf names, shapes and dtypes of `template` (the model's freshly initialised
 * tree) and returns it in `template`'s structure. `Left` names the first difference (a checkpoint of another network).
 *
 * @category checkpoints
 */
export function restoreLike<T extends Tree>(what: string, template: T, loaded: Tree | undefined): E.Either<CheckpointError, T> {
  if (loaded === undefined) return E.left(new CheckpointError('mismatch', `the checkpoint has no '${what}' tree`));
  const a = flattenWithPaths(template);
  const b = flattenWithPaths(loaded);
  const names = (l: typeof a): string => l.map(([p]) => p.join('.')).join(', ');
  if (a.length !== b.length)
    return E.left(
      new CheckpointError('mismatch', `'${what}' has ${b.length} tensors (${names(b)}), the model has ${a.length} (${names(a)})`),
    );
  for (let i = 0; i < a.length; i++) {
    const [pa, ta] = a[i]!;
    const [pb, tb] = b[i]!;
    const na = pa.join('.');
    const nb = pb.join('.');
    if (na !== nb) return E.left(new CheckpointError('mismatch', `'${what}' tensor ${i} is '${nb}', the model's is '${na}'`));
    if (ta.dtype !== tb.dtype || ta.shape.length !== tb.shape.length || ta.shape.some((d, j) => d !== tb.shape[j])) {
      return E.left(
        new CheckpointError(
          'mismatch',
          `'${what}.${na}' is ${tb.dtype} [${tb.shape.join(', ')}], the model expects ${ta.dtype} [${ta.shape.join(', ')}]`,
        ),
      );
    }
  }
  return E.right(unflatten(template, leaves(loaded)));
}
