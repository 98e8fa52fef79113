/**
 * Kernel threads: worker threads that run the SIMD kernels' exports over the same shared memory as the calling
 * thread, so that one kernel call runs on several cores. Each worker instantiates the `shared` variant of the kernels
 * module (see ./module.ts) over the caller's `WebAssembly.Memory`.
 *
 * A call is a pipeline of parts (column blocks of neurons, row blocks of BatchNorm) through a ring of slots
 * ({@link runParts}): the caller prepares part k (its arguments, and any per-slot scratch of slot k mod R) and
 * publishes it; any thread (a worker, or the caller when it has nothing else to do) claims the next published part with
 * an atomic compare-and-exchange and runs it; the caller finishes the parts in order (sums, copies), which frees their
 * slots. The caller never waits for a worker that has not started (it runs unclaimed parts itself), and a part's
 * results do not depend on which thread ran it.
 *
 * The control block (a `SharedArrayBuffer`, Int32 words): 0 the job number (workers wait on it), 1 the claim word
 * (the job's 11-bit tag << 20 | the next part: a worker still looking at an earlier job cannot claim a part of this
 * one), 2 parts published, 3 parts in the job, 4 the export's id, 5 its argument count, 6 slots, 7 parts run by
 * workers, 8 failed, 9 exit, then per slot the number of the part finished in it (k + 1); Float64 per slot: the
 * arguments, then the result.
 *
 * Where: Node (`worker_threads`, reached with `process.getBuiltinModule`, so bundles for browsers never import it).
 * In a browser the caller would be the page's main thread, where `Atomics.wait` is not allowed: there the kernels run
 * on one thread ({@link poolSupported} is false).
 *
 * @module
 */
import type { SimdExports } from './module.js';
import { kernelTuning } from '../tuning.js';

/** The exports a worker can run; an export's id is its index here. */
const POOL_EXPORTS = [
  'forward',
  'backward',
  'batchNormStats',
  'batchNormNormalise',
  'batchNormBackwardSums',
  'batchNormDx',
  'batchNormStats1',
  'batchNormNormalise1',
  'batchNormBackwardSums1',
  'batchNormDx1',
  'transposeBatched',
  'maxPool2x2',
  'maxPoolGrad2x2',
  'convFilterGrad',
  'convForward',
  'convForwardSparse',
  'convFilterGradSparse',
  'batchMatMul',
] as const;

/** An export a worker can run. */
export type PoolExport = (typeof POOL_EXPORTS)[number];

/** Float64 argument slots per part (the neuron backward takes 28), plus one for the result. */
const MAX_ARGS = 30;
/** The most slots in a ring. */
export const MAX_SLOTS = 16;
/** The most parts in one call (the claim word keeps 20 bits for the part). */
export const MAX_PARTS = 1 << 19;

const W = { job: 0, claim: 1, published: 2, parts: 3, fn: 4, nargs: 5, slots: 6, byWorkers: 7, failed: 8, exit: 9, done: 16 } as const;
const CONTROL_INTS = W.done + MAX_SLOTS;
const F64_AT = CONTROL_INTS * 4;
const CONTROL_BYTES = F64_AT + 8 * MAX_SLOTS * (MAX_ARGS + 1);
const TAG_BITS = 20;
const TAG_MASK = 0x7ff;
const PART_MASK = (1 << TAG_BITS) - 1;

/**
 * The worker's program (CommonJS, evaluated by `worker_threads`): instantiate the module over the shared memory; for
 * every job, claim parts until none is left, wait until each is published, run it, report it finished.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const table = ${JSON.stringify(POOL_EXPORTS)}.map((name) => ex[name]);
const ctl = new Int32Array(control, 0, ${CONTROL_INTS});
const f64 = new Float64Array(control, ${F64_AT}, ${MAX_SLOTS * (MAX_ARGS + 1)});
let seen = 0;
while (Atomics.load(ctl, ${W.exit}) === 0) {
  Atomics.wait(ctl, ${W.job}, seen);
  const job = Atomics.load(ctl, ${W.job});
  if (job === seen) continue;
  seen = job;
  const tag = job & ${TAG_MASK};
  for (;;) {
    const c = Atomics.load(ctl, ${W.claim});
    if (c >>> ${TAG_BITS} !== tag) break;
    const k = c & ${PART_MASK};
    if (k >= Atomics.load(ctl, ${W.parts})) break;
    if (Atomics.compareExchange(ctl, ${W.claim}, c, c + 1) !== c) continue;
    for (let p = Atomics.load(ctl, ${W.published}); p <= k; p = Atomics.load(ctl, ${W.published})) Atomics.wait(ctl, ${W.published}, p);
    const s = k % ctl[${W.slots}];
    const at = s * ${MAX_ARGS + 1};
    try {
      f64[at + ${MAX_ARGS}] = table[ctl[${W.fn}]](...f64.subarray(at, at + ctl[${W.nargs}])) ?? 0;
    } catch {
      Atomics.store(ctl, ${W.failed}, 1);
    }
    Atomics.add(ctl, ${W.byWorkers}, 1);
    Atomics.store(ctl, ${W.done} + s, k + 1);
    Atomics.notify(ctl, ${W.done} + s);
  }
}
`;

/** The parts of Node's `worker_threads` used here (typed locally: the package's build has no Node types). */
type NodeWorker = { unref(): void; terminate(): Promise<number> };
type NodeWorkerThreads = { Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker };
type NodeProcess = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };

const nodeProcess = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

/** Whether kernel threads can run here: Node with `process.getBuiltinModule` and shared memory. */
export function poolSupported(): boolean {
  const p = nodeProcess();
  return typeof p?.versions?.node === 'string' && typeof p.getBuiltinModule === 'function' && typeof SharedArrayBuffer === 'function';
}

/** Started worker threads over one shared memory, with their control block. */
export type KernelPool = {
  /** Worker threads (the caller is one more thread). */
  readonly workers: number;
  /** Parts the workers have run so far. */
  readonly byWorkers: () => number;
  /** The control block's Int32 and Float64 views. */
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
  /** Jobs started so far (the next job's number is one more). */
  jobs: number;
  /** Whether {@link KernelPool.close} ran (after a failed call too): start another pool. */
  readonly closed: () => boolean;
  /** Stops the workers (after their current part). */
  close(): void;
};

/**
 * Starts `workers` worker threads over `memory` (shared), each with its own instance of `module` (the `shared`
 * variant); `null` where threads cannot run here.
 */
export function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory, workers: number): KernelPool | null {
  if (!poolSupported() || workers < 1) return null;
  const wt = nodeProcess()?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  if (wt === undefined) return null;
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const ctl = new Int32Array(control, 0, CONTROL_INTS);
  const list: NodeWorker[] = [];
  for (let i = 0; i < workers; i++) {
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control } });
    // A waiting worker must not keep the process alive.
    worker.unref();
    list.push(worker);
  }
  return {
    workers,
    byWorkers: () => Atomics.load(ctl, W.byWorkers),
    ctl,
    f64: new Float64Array(control, F64_AT, MAX_SLOTS * (MAX_ARGS + 1)),
    jobs: 0,
    closed: () => Atomics.load(ctl, W.exit) !== 0,
    close: () => {
      Atomics.store(ctl, W.exit, 1);
      Atomics.add(ctl, W.job, 1);
      Atomics.notify(ctl, W.job);
      for (const w of list) void w.terminate();
    },
  };
}

/**
 * Runs `parts` calls of export `fn` of `m`: `put(k, slot)` prepares part k (its arguments, and any scratch of `slot`)
 * and returns the export's arguments; `take(k, slot, result)` finishes it (sums, copies), in part order. Without a pool, one slot, each part put,
 * run and taken in turn on this thread. With a pool, `slots` (at most {@link MAX_SLOTS}) parts are in flight and the
 * workers run them as described in the module comment. Where anything throws (a copy, a worker's call), the pool is
 * closed, since a worker may still wait for a part that will never be published, and the error rethrown.
 */
export function runParts(
  m: SimdExports,
  pool: KernelPool | null,
  fn: PoolExport,
  parts: number,
  slots: number,
  put: (k: number, slot: number) => number[],
  take: (k: number, slot: number, result: number) => void,
): void {
  const run = m[fn] as (...args: number[]) => number | undefined;
  if (pool === null) {
    for (let k = 0; k < parts; k++) take(k, 0, run(...put(k, 0)) ?? 0);
    return;
  }
  if (parts > MAX_PARTS || slots < 1 || slots > MAX_SLOTS) throw new RangeError(`kernel pool: ${parts} parts over ${slots} slots`);
  try {
    const { ctl, f64 } = pool;
    pool.jobs += 1;
    const tag = pool.jobs & TAG_MASK;
    ctl[W.parts] = parts;
    ctl[W.fn] = POOL_EXPORTS.indexOf(fn);
    ctl[W.slots] = slots;
    ctl[W.failed] = 0;
    for (let s = 0; s < slots; s++) Atomics.store(ctl, W.done + s, 0);
    Atomics.store(ctl, W.published, 0);
    Atomics.store(ctl, W.claim, tag << TAG_BITS);
    Atomics.store(ctl, W.job, pool.jobs);
    Atomics.notify(ctl, W.job);
    const finished = (k: number): boolean => Atomics.load(ctl, W.done + (k % slots)) === k + 1;
    /** Claims the next published part, or −1. */
    const claim = (): number => {
      for (;;) {
        const c = Atomics.load(ctl, W.claim);
        const k = c & PART_MASK;
        if (k >= Atomics.load(ctl, W.published)) return -1;
        if (Atomics.compareExchange(ctl, W.claim, c, c + 1) === c) return k;
      }
    };
    let nextPut = 0;
    let nextTake = 0;
    while (nextTake < parts) {
      if (nextPut < parts && nextPut - nextTake < slots) {
        // prepare the next part and publish it
        const s = nextPut % slots;
        const args = put(nextPut, s);
        if (nextPut === 0) ctl[W.nargs] = args.length;
        f64.set(args, s * (MAX_ARGS + 1));
        nextPut += 1;
        Atomics.store(ctl, W.published, nextPut);
        Atomics.notify(ctl, W.published);
      } else if (finished(nextTake)) {
        const s = nextTake % slots;
        take(nextTake, s, f64[s * (MAX_ARGS + 1) + MAX_ARGS] as number);
        nextTake += 1;
      } else {
        const k = kernelTuning.callerRunsParts ? claim() : -1;
        if (k >= 0) {
          const at = (k % slots) * (MAX_ARGS + 1);
          f64[at + MAX_ARGS] = run(...f64.subarray(at, at + (ctl[W.nargs] as number))) ?? 0;
          Atomics.store(ctl, W.done + (k % slots), k + 1);
        } else {
          // the next part to finish is a worker's and still running
          const word = W.done + (nextTake % slots);
          const seen = Atomics.load(ctl, word);
          if (seen !== nextTake + 1) Atomics.wait(ctl, word, seen);
        }
      }
    }
    if (ctl[W.failed] !== 0) throw new Error('spikefn kernel thread: a WebAssembly call failed');
  } catch (e) {
    pool.close();
    throw e;
  }
}
