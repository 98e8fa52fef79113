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
 * Decoding checks the magic, version, lengths and both checksums, and returns `Either<CheckpointError, Checkpoint>`;
 * {@link restoreLike} checks a loaded tree against the model's own (names, shapes, dtypes) and says what differs.
 *
 * @category checkpoints
 */
import * as tf from '@spikefn/core/tf';
import { treeFlattenWithPaths as flattenWithPaths, treeLeaves as leaves, treeUnflatten as unflatten, type Tree } from '@spikefn/core';
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

/** Why a checkpoint could not be read or used. @category checkpoints */
export type CheckpointErrorReason = 'io' | 'magic' | 'version' | 'truncated' | 'checksum' | 'manifest' | 'mismatch';

/** The error for a corrupted, foreign or mismatched checkpoint. @category checkpoints */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`. */
  override readonly name = 'CheckpointError';
  constructor(
    /** What went wrong: file access, magic, version, length, checksum, manifest, or a tree that does not match the model. */
    readonly reason: CheckpointErrorReason,
    message: string,
  ) {
    super(`checkpoint ${reason} error: ${message}`);
  }
}

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

const pad8 = (n: number): number => (n + 7) & ~7;

const structureOf = (tree: Tree, counter: { i: number }): Structure => {
  if (tree instanceof tf.Tensor) return counter.i++;
  if (Array.isArray(tree)) return tree.map((c) => structureOf(c, counter));
  return Object.fromEntries(Object.entries(tree).map(([k, c]) => [k, structureOf(c as Tree, counter)]));
};

/** Encodes a checkpoint to bytes (reads every tensor with `dataSync`). @category checkpoints */
export function encodeCheckpoint(ckpt: Omit<Checkpoint, 'spikefnVersion'> & { readonly spikefnVersion?: string }): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const trees: Record<string, { structure: Structure; tensors: TensorEntry[] }> = {};
  for (const [treeName, tree] of Object.entries(ckpt.trees)) {
    const tensors: TensorEntry[] = [];
    for (const [path, t] of flattenWithPaths(tree)) {
      if (t.dtype !== 'float32' && t.dtype !== 'int32')
        throw new CheckpointError('manifest', `cannot store ${treeName}.${path.join('.')}: dtype ${t.dtype} (float32 or int32 only)`);
      const values = t.dataSync() as Float32Array | Int32Array;
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
    meta: ckpt.meta,
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

const rebuild = (s: Structure, ts: readonly tf.Tensor[]): Tree => {
  if (typeof s === 'number') {
    const t = ts[s];
    if (t === undefined) throw new CheckpointError('manifest', `structure refers to tensor ${s}, which is missing`);
    return t;
  }
  if (Array.isArray(s)) return s.map((c) => rebuild(c, ts));
  return Object.fromEntries(Object.entries(s).map(([k, c]) => [k, rebuild(c as Structure, ts)]));
};

/**
 * Decodes bytes written by {@link encodeCheckpoint}. Returns `Left(CheckpointError)` for a file that is not a spikefn
 * checkpoint, of another format version, truncated, or whose checksums do not match (corruption); no tensor is
 * created then.
 *
 * @category checkpoints
 */
export function decodeCheckpoint(bytes: Uint8Array): E.Either<CheckpointError, Checkpoint> {
  const fail = (reason: CheckpointErrorReason, msg: string): E.Either<CheckpointError, Checkpoint> =>
    E.left(new CheckpointError(reason, msg));
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b))
    return fail('magic', 'not a spikefn checkpoint (the file does not start with "SPIKEFN")');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) return fail('version', `format version ${version}; this spikefn reads version ${FORMAT_VERSION}`);
  const m = view.getUint32(12, true);
  const payloadStart = pad8(HEADER + m);
  if (payloadStart > bytes.length) return fail('truncated', `the manifest needs ${HEADER + m} bytes, the file has ${bytes.length}`);
  const manifestBytes = bytes.subarray(HEADER, HEADER + m);
  if (crc32(manifestBytes) !== view.getUint32(16, true))
    return fail('checksum', 'the manifest checksum does not match: the file is corrupted');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
  } catch (e) {
    return fail('manifest', `the manifest is not JSON: ${String(e)}`);
  }
  if (manifest.format !== 'spikefn-checkpoint')
    return fail('manifest', `format '${String(manifest.format)}', expected 'spikefn-checkpoint'`);
  const payload = bytes.subarray(payloadStart);
  if (payload.length !== manifest.payloadBytes)
    return fail('truncated', `the payload has ${payload.length} bytes, the manifest says ${manifest.payloadBytes}`);
  if (crc32(payload) !== view.getUint32(20, true)) return fail('checksum', 'the payload checksum does not match: the file is corrupted');
  const created: tf.Tensor[] = [];
  try {
    const trees: Record<string, Tree> = {};
    for (const [name, { structure, tensors }] of Object.entries(manifest.trees)) {
      const ts = tensors.map((e) => {
        const n = e.shape.reduce((a, b) => a * b, 1);
        if (e.byteLength !== 4 * n || e.offset + e.byteLength > payload.length || e.offset % 4 !== 0)
          throw new CheckpointError(
            'manifest',
            `tensor ${name}.${e.name}: ${e.byteLength} bytes at ${e.offset} do not fit shape [${e.shape.join(', ')}]`,
          );
        const raw = payload.slice(e.offset, e.offset + e.byteLength);
        const values = e.dtype === 'int32' ? new Int32Array(raw.buffer) : e.dtype === 'float32' ? new Float32Array(raw.buffer) : undefined;
        if (values === undefined) throw new CheckpointError('manifest', `tensor ${name}.${e.name}: unknown dtype ${String(e.dtype)}`);
        const t = tf.tensor(values, [...e.shape], e.dtype);
        created.push(t);
        return t;
      });
      trees[name] = rebuild(structure, ts);
    }
    return E.right({ spikefnVersion: manifest.spikefnVersion, meta: manifest.meta, trees });
  } catch (e) {
    tf.dispose(created);
    return e instanceof CheckpointError ? E.left(e) : fail('manifest', String(e));
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
