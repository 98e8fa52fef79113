/**
 * The WebAssembly SIMD module of spikefn's kernels (compiled from assembly/*.ts by scripts/build-wasm.mjs, embedded
 * as base64 in ./generated): feature detection, instantiation, and the linear memory the kernels copy their arrays
 * into.
 *
 * Detection: `WebAssembly.validate` of a 29-byte module whose one function uses `i32x4.splat`; where it fails (an
 * engine without 128-bit SIMD) or WebAssembly is missing, {@link simdModule} answers `null` and the kernels run their
 * JavaScript loops. Instantiation is synchronous (the module is 6 KiB; engines that refuse synchronous compilation
 * on a browser's main thread get the asynchronous one started, and JavaScript until it is ready).
 *
 * Memory: everything from the module's `heapBase()` up belongs to the loader; {@link simdHeap} grows the memory to
 * the size a call needs and returns a fresh `Float32Array` view (growing detaches earlier views, so no view is kept
 * across calls).
 *
 * @module
 */
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

/** The exports of the kernels module (pointers are byte offsets into `memory`). */
export type SimdExports = {
  /** The module's linear memory. */
  readonly memory: WebAssembly.Memory;
  /** First byte free for the loader. */
  heapBase(): number;
  /** The fused neuron's forward (assembly/neuron.ts). */
  forward(
    form: number,
    mode: number,
    T: number,
    n4: number,
    k: number,
    vReset: number,
    vThreshold: number,
    hard: number,
    x: number,
    v: number,
    s: number,
    h: number,
    vs: number,
  ): void;
  /** The fused neuron's backward (assembly/neuron.ts); returns dL/dk. */
  backward(
    form: number,
    k: number,
    vReset: number,
    vThreshold: number,
    hard: number,
    detachReset: number,
    surrogate: number,
    p0: number,
    p1: number,
    p2: number,
    p3: number,
    T: number,
    n4: number,
    h: number,
    x: number,
    v0: number,
    ds: number,
    dh: number,
    dvs: number,
    wantDk: number,
    dx: number,
    gv: number,
    scratch: number,
    hs: number,
    vb: number,
    J: number,
  ): number;
  /** STREAM copy over f32x4 (assembly/bandwidth.ts). */
  copy(dst: number, src: number, n: number): void;
  /** STREAM triad a = b + s·c over f32x4 (assembly/bandwidth.ts). */
  triad(a: number, b: number, c: number, s: number, n: number): void;
};

// (module (func (result v128) i32.const 0 i32x4.splat)): valid only where the engine has 128-bit SIMD.
const SIMD_PROBE: Uint8Array<ArrayBuffer> = Uint8Array.from(
  // magic, version | type section: () -> v128 | function section | code section: i32.const 0, i32x4.splat, end
  ('0061736d01000000' + '0105016000017b' + '03020100' + '0a080106004100fd110b').match(/../g) ?? [],
  (h) => Number.parseInt(h, 16),
);

/**
 * Whether this engine runs WebAssembly 128-bit SIMD. `validate` is injectable for tests (default
 * `WebAssembly.validate`).
 */
export function simdSupported(validate?: (bytes: Uint8Array<ArrayBuffer>) => boolean): boolean {
  if (typeof WebAssembly !== 'object') return false;
  try {
    return (validate ?? ((b: Uint8Array<ArrayBuffer>) => WebAssembly.validate(b)))(SIMD_PROBE);
  } catch {
    return false;
  }
}

const decode = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

let instance: SimdExports | null | undefined;
let pending = false;
let enabled = true;

const exportsOf = (inst: WebAssembly.Instance): SimdExports => inst.exports as unknown as SimdExports;

/** Instantiates the module once; `null` where SIMD is missing. */
function load(): SimdExports | null {
  if (instance !== undefined) return instance;
  if (!simdSupported()) {
    instance = null;
    return null;
  }
  const bytes = decode(KERNELS_WASM_BASE64);
  try {
    instance = exportsOf(new WebAssembly.Instance(new WebAssembly.Module(bytes)));
  } catch {
    // A browser's main thread may refuse synchronous compilation: compile asynchronously, JavaScript meanwhile.
    if (!pending) {
      pending = true;
      WebAssembly.instantiate(bytes).then(
        (r) => {
          instance = exportsOf(r.instance);
        },
        () => {
          instance = null;
        },
      );
    }
    return null;
  }
  return instance;
}

/**
 * The kernels module, or `null` where it cannot run (no SIMD, not compiled yet) or where {@link setSimdEnabled}
 * turned it off: callers then run their JavaScript loops.
 */
export function simdModule(): SimdExports | null {
  return enabled ? load() : null;
}

/**
 * Turns the SIMD kernels on (default) or off for this process: off, every kernel runs its JavaScript loop (the
 * reference). For tests and for benchmarks that compare the two. Returns the previous setting.
 */
export function setSimdEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Whether the SIMD kernels run here: supported, compiled and enabled. */
export function simdActive(): boolean {
  return simdModule() !== null;
}

/**
 * A `Float32Array` view of the module's memory with room for `floats` floats from {@link simdBase} on (the memory
 * grows as needed; a `RangeError` where it cannot). Valid until the next call that may grow the memory.
 */
export function simdHeap(m: SimdExports, floats: number): Float32Array {
  const need = (simdBase(m) + floats) * 4;
  if (need > SIMD_MAX_BYTES)
    throw new RangeError(`spikefn SIMD kernels: a call needs ${need} bytes, more than the ${SIMD_MAX_BYTES} of 32-bit WebAssembly`);
  const have = m.memory.buffer.byteLength;
  if (need > have) m.memory.grow(Math.ceil((need - have) / 65536));
  return new Float32Array(m.memory.buffer);
}

/** The most memory a 32-bit WebAssembly module can have (65536 pages of 64 KiB). */
export const SIMD_MAX_BYTES = 2 ** 32;

/**
 * The first float index (byte offset / 4) the loader lays arrays out from: heapBase rounded up to 64 bytes, and
 * never 0 (a pointer of 0 means "absent" to the kernels).
 */
export function simdBase(m: SimdExports): number {
  return Math.max(64, (m.heapBase() + 63) & ~63) >>> 2;
}
