/**
 * The WebAssembly SIMD module of spikefn's kernels (compiled from assembly/*.ts by scripts/build-wasm.mjs, embedded
 * deflate-raw compressed, base64, in ./generated): feature detection, instantiation, and the linear memory the kernels
 * copy their arrays into. Inflated with Node's zlib (synchronously) or a `DecompressionStream` (asynchronously: the
 * kernels run their JavaScript loops until it is ready).
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
 * Two variants of the module: `plain` has its own memory (the compiled module with its memory import's shared flag
 * cleared, instantiated over a memory made here), and the kernels copy their arrays into it and back (one thread:
 * {@link simdModule}); `shared` is the compiled module itself, and {@link simdOver} instantiates it over tfjs's wasm
 * heap where that is shared (its threaded build in Node), so that kernels run on the tensors in place. There,
 * {@link simdPool} gives the worker threads (./pool.ts, {@link setKernelThreads}: by default every core in Node) that
 * run parts of a call over the same heap. (Threads over the plain variant's copies were measured: the worker's parts
 * ran about twice slower than the caller's, their data being copied in on the caller's core, so copies stay on one
 * thread.)
 *
 * @module
 */
import { KERNELS_WASM_DEFLATE_BASE64 } from './generated/kernels-wasm.js';
import { type KernelPool, poolSupported, startPool } from './pool.js';

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
    rowStride: number,
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
    rowStride: number,
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
    kc: number,
  ): number;
  /** Writes the surrogates' constants at byte `kc` (12 words; assembly/surrogate.ts). */
  writeConstants(kc: number): void;
  /** STREAM copy over f32x4 (assembly/bandwidth.ts). */
  copy(dst: number, src: number, n: number): void;
  /** STREAM triad a = b + s·c over f32x4 (assembly/bandwidth.ts). */
  triad(a: number, b: number, c: number, s: number, n: number): void;
  /** BatchNorm statistics: per-channel shifted sums in double (assembly/batch-norm.ts). */
  batchNormStats(x: number, rows: number, c0: number, C: number, S: number, shift: number, sum: number, sumSq: number): void;
  /** BatchNorm output y = (x − μ)·a + β (assembly/batch-norm.ts). */
  batchNormNormalise(x: number, y: number, rows: number, c0: number, C: number, S: number, mean: number, a: number, beta: number): void;
  /** BatchNorm backward sums Σ dy, Σ dy·(x − μ) in double (assembly/batch-norm.ts). */
  batchNormBackwardSums(
    dy: number,
    x: number,
    rows: number,
    c0: number,
    C: number,
    S: number,
    mean: number,
    sumDy: number,
    sumDyX: number,
  ): void;
  /** BatchNorm input gradient dx = dy·a + (x − μ)·bx + k (assembly/batch-norm.ts). */
  batchNormDx(
    dy: number,
    x: number,
    dx: number,
    rows: number,
    c0: number,
    C: number,
    S: number,
    mean: number,
    a: number,
    bx: number,
    k: number,
  ): void;
  /** {@link SimdExports.batchNormStats} for S = 1, over `nb` whole images of C values. */
  batchNormStats1(x: number, nb: number, C: number, shift: number, sum: number, sumSq: number): void;
  /** {@link SimdExports.batchNormNormalise} for S = 1. */
  batchNormNormalise1(x: number, y: number, nb: number, C: number, mean: number, a: number, beta: number): void;
  /** {@link SimdExports.batchNormBackwardSums} for S = 1. */
  batchNormBackwardSums1(dy: number, x: number, nb: number, C: number, mean: number, sumDy: number, sumDyX: number): void;
  /** {@link SimdExports.batchNormDx} for S = 1. */
  batchNormDx1(dy: number, x: number, dx: number, nb: number, C: number, mean: number, a: number, bx: number, k: number): void;
  /** `nb` float32 matrices [R, C] at byte `src` transposed into [C, R] at byte `dst`, output rows c0 ≤ c < c1 (assembly/transpose.ts). */
  transposeBatched(src: number, dst: number, nb: number, R: number, C: number, c0: number, c1: number): void;
  /** One-channel 2×2 / stride 2 VALID max pool of `nb` images H×W: y [nb, H/2, W/2] from x (assembly/pool.ts). */
  maxPool2x2(x: number, y: number, nb: number, H: number, W: number): void;
  /** Its gradient: dx [nb, H, W] (every element written) from x and dy [nb, H/2, W/2] (assembly/pool.ts). */
  maxPoolGrad2x2(x: number, dy: number, dx: number, nb: number, H: number, W: number): void;
  /** Adds the stride-1 conv filter gradient of `nb` NCHW images to the f64 [O, C, kh, kw] at byte `dw` (assembly/conv-filter.ts). */
  convFilterGrad(
    x: number,
    dy: number,
    dw: number,
    xp: number,
    dyp: number,
    nb: number,
    C: number,
    H: number,
    W: number,
    O: number,
    OH: number,
    OW: number,
    kh: number,
    kw: number,
    ph: number,
    pw: number,
    S: number,
    L: number,
    CS: number,
  ): void;
  /** The stride-1 conv forward of `nb` NCHW images into NCHW y at byte `y` (assembly/conv-forward.ts). */
  convForward(
    x: number,
    w: number,
    y: number,
    xp: number,
    nb: number,
    C: number,
    H: number,
    W: number,
    O: number,
    kh: number,
    kw: number,
    ph: number,
    pw: number,
  ): void;
  /** The event-driven conv forward of `nb` NCHW images from packed weights [C, kh, kw, Op] (assembly/conv-sparse.ts). */
  convForwardSparse(
    x: number,
    wp: number,
    y: number,
    xt: number,
    starts: number,
    list: number,
    row: number,
    taps: number,
    nb: number,
    C: number,
    H: number,
    W: number,
    O: number,
    Op: number,
    kh: number,
    kw: number,
    ph: number,
    pw: number,
  ): void;
  /** Adds the event-driven conv filter gradient of `nb` NCHW images to the f64 [C, kh, kw, Op] at byte `dw` (assembly/conv-sparse.ts). */
  convFilterGradSparse(
    x: number,
    dy: number,
    dw: number,
    dyp: number,
    dwr: number,
    list: number,
    taps: number,
    nb: number,
    C: number,
    H: number,
    W: number,
    O: number,
    Op: number,
    kh: number,
    kw: number,
    ph: number,
    pw: number,
  ): void;
  /** The nonzeros (NaN included) among `n` floats at byte `p` (assembly/conv-sparse.ts). */
  countNonzero(p: number, n: number): number;
  /** 1 where the `n` floats at byte `p` are all finite, else 0 (assembly/conv-sparse.ts). */
  allFinite(p: number, n: number): number;
  /** `nb` float32 products C = op(A)·op(B), rows i0 ≤ i < i1 and columns j0 ≤ j < j1 of each C [M, N] (assembly/matmul.ts). */
  batchMatMul(
    transposeA: number,
    transposeB: number,
    a: number,
    b: number,
    c: number,
    nb: number,
    strideA: number,
    strideB: number,
    M: number,
    N: number,
    K: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
  ): void;
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

/** Node's `inflateRawSync`, where this runs in Node. */
const nodeInflate = (): ((b: Uint8Array) => Uint8Array) | undefined =>
  (
    (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:zlib') as
      | { inflateRawSync(b: Uint8Array): Uint8Array }
      | undefined
  )?.inflateRawSync;

/** The module's bytes, inflated synchronously (Node), or `undefined` where only {@link moduleBytesAsync} can. */
function moduleBytes(): Uint8Array<ArrayBuffer> | undefined {
  const inflate = nodeInflate();
  return inflate === undefined ? undefined : new Uint8Array(inflate(decode(KERNELS_WASM_DEFLATE_BASE64)));
}

/** The module's bytes, inflated by a `DecompressionStream` (browsers). */
async function moduleBytesAsync(): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([decode(KERNELS_WASM_DEFLATE_BASE64)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The module with its memory import's shared flag cleared (limits flags 3, shared with a maximum, become 1): the same
 * code over a memory that is not shared. The module's one import is its memory (scripts/compile-wasm.mjs).
 */
export function unsharedModuleBytes(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const b = bytes.slice();
  let i = 8;
  const leb = (): number => {
    let r = 0;
    for (let shift = 0, x = 128; x & 128; shift += 7) {
      x = b[i++] as number;
      r |= (x & 127) << shift;
    }
    return r >>> 0;
  };
  while (i < b.length) {
    const id = b[i++] as number;
    const size = leb();
    if (id === 2) {
      leb(); // one import
      const moduleName = leb();
      i += moduleName;
      const fieldName = leb();
      i += fieldName;
      if (b[i] === 2 && b[i + 1] === 3) {
        b[i + 1] = 1;
        return b;
      }
      break;
    }
    i += size;
  }
  throw new Error('spikefn SIMD kernels: the module does not import a shared memory');
}

/** Instantiates the plain variant over a memory of its own (not shared, growable to 4 GiB). */
const instantiatePlain = (module: WebAssembly.Module): WebAssembly.Instance =>
  new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536 }) } });

let instance: SimdExports | null | undefined;
let pending = false;
let enabled = true;

/** The shared variant compiled once (for this thread's instances and the workers'); `null` where it cannot run. */
let sharedModule: WebAssembly.Module | null | undefined;
/**
 * The instance of the shared variant over tfjs's current heap, and its pools by thread count (kept when the count
 * changes: idle workers wait on an atomic and cost no time, and switching back costs no restart).
 */
const sharedInstances = new Map<SimdExports, Map<number, KernelPool>>();
/** Instances over other shared memories (tfjs's heap), by memory. */
const overMemory = new WeakMap<WebAssembly.Memory, SimdExports | null>();

/** The most kernel threads (the caller and its workers). */
export const MAX_KERNEL_THREADS = 8;

const nodeCores = (): number => {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as
    | { availableParallelism?: () => number; cpus: () => readonly unknown[] }
    | undefined;
  return os === undefined ? 1 : (os.availableParallelism?.() ?? os.cpus().length);
};

let threads = poolSupported() ? Math.max(1, Math.min(MAX_KERNEL_THREADS, nodeCores())) : 1;

/** `m`, with the surrogates' constants written at {@link simdConstants} of its own memory. */
const withConstants = (m: SimdExports): SimdExports => {
  // the module has no static data, so its memory may start empty
  if (m.memory.buffer.byteLength < simdBase(m) * 4) m.memory.grow(1);
  m.writeConstants(simdConstants(m));
  return m;
};

const exportsOf = (inst: WebAssembly.Instance): SimdExports => withConstants(inst.exports as unknown as SimdExports);

/** Instantiates the plain variant once; `null` where SIMD is missing (or while it is being inflated or compiled). */
function load(): SimdExports | null {
  if (instance !== undefined) return instance;
  if (!simdSupported()) {
    instance = null;
    return null;
  }
  const bytes = moduleBytes();
  try {
    if (bytes === undefined) throw new Error('no synchronous inflate here');
    instance = exportsOf(instantiatePlain(new WebAssembly.Module(unsharedModuleBytes(bytes))));
  } catch {
    // A browser: inflate (and compile, which a main thread may refuse to do synchronously) asynchronously, JavaScript meanwhile.
    if (!pending) {
      pending = true;
      (bytes === undefined ? moduleBytesAsync() : Promise.resolve(bytes))
        .then((b) => WebAssembly.compile(unsharedModuleBytes(b)))
        .then(
          (module) => {
            try {
              instance = exportsOf(instantiatePlain(module));
            } catch {
              instance = null;
            }
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

/** The shared variant's module, compiled once; `null` without SIMD, shared memory or a synchronous inflate (Node's). */
function compiledShared(): WebAssembly.Module | null {
  if (sharedModule !== undefined) return sharedModule;
  sharedModule = null;
  if (!simdSupported() || typeof SharedArrayBuffer !== 'function') return null;
  try {
    const bytes = moduleBytes();
    sharedModule = bytes === undefined ? null : new WebAssembly.Module(bytes);
  } catch {
    sharedModule = null;
  }
  return sharedModule;
}

/** An instance of the shared variant over `memory` (its exports; registered for {@link simdPool}), or `null`. */
function instantiateShared(memory: WebAssembly.Memory): SimdExports | null {
  const module = compiledShared();
  if (module === null) return null;
  try {
    const m = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdExports;
    // One heap at a time (a new wasm backend replaced the old one): the old heap's workers stop, so they do not keep it alive.
    for (const [old, pools] of sharedInstances) {
      for (const pool of pools.values()) pool.close();
      sharedInstances.delete(old);
    }
    sharedInstances.set(m, new Map());
    return m;
  } catch {
    return null;
  }
}

/**
 * The kernels over another shared memory (tfjs's wasm heap, where its threaded build runs), to run in place on its
 * tensors: no static data is written there, the caller passes the surrogates' constants in memory it allocated
 * (see `writeConstants`). `null` where SIMD is off or missing, or `memory` is not shared.
 */
export function simdOver(memory: WebAssembly.Memory): SimdExports | null {
  if (!enabled || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  let m = overMemory.get(memory);
  if (m === undefined) {
    m = instantiateShared(memory);
    overMemory.set(memory, m);
  }
  return m;
}

/**
 * The kernels module over its own memory, or `null` where it cannot run (no SIMD, not compiled yet) or where
 * {@link setSimdEnabled} turned it off: callers then run their JavaScript loops.
 */
export function simdModule(): SimdExports | null {
  return enabled ? load() : null;
}

/**
 * The worker threads for a call on `m` (an instance {@link simdOver} gave): `null` with one kernel thread or for the
 * plain module. Started on first use, `threads − 1` of them.
 */
export function simdPool(m: SimdExports): KernelPool | null {
  const entry = sharedInstances.get(m);
  if (threads < 2 || entry === undefined || sharedModule == null) return null;
  let pool = entry.get(threads);
  if (pool === undefined || pool.closed()) {
    pool = startPool(sharedModule, m.memory, threads - 1) ?? undefined;
    if (pool === undefined) return null;
    entry.set(threads, pool);
  }
  return pool;
}

/**
 * Sets how many threads one SIMD kernel call in place on tfjs's wasm heap may use (the caller and `threads − 1`
 * workers), an integer from 1 to {@link MAX_KERNEL_THREADS}; the default is every core in Node and 1 elsewhere (a
 * browser's main thread cannot wait for workers). Returns the previous setting. Results do not depend on it, bit for
 * bit: a call's parts do not depend on the thread count, each part runs the same instructions on whichever thread, and
 * sums over parts are added in part order.
 */
export function setKernelThreads(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_KERNEL_THREADS)
    throw new RangeError(`setKernelThreads: threads must be an integer from 1 to ${MAX_KERNEL_THREADS}, got ${String(n)}`);
  const previous = threads;
  threads = n;
  return previous;
}

/** The number of threads a SIMD kernel call may use ({@link setKernelThreads}); 1 where threads cannot run. */
export function getKernelThreads(): number {
  return poolSupported() ? threads : 1;
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
 * The byte address of the surrogates' constants in the module's own memory (written when it is instantiated): heapBase
 * rounded up to 64 bytes, and never 0 (a pointer of 0 means "absent" to the kernels).
 */
export function simdConstants(m: SimdExports): number {
  return Math.max(64, (m.heapBase() + 63) & ~63);
}

/** The first float index (byte offset / 4) the loader lays arrays out from: the 64 bytes after the constants. */
export function simdBase(m: SimdExports): number {
  return (simdConstants(m) + 64) >>> 2;
}
