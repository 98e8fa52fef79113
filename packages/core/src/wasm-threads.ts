/**
 * Threads for the wasm backend. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK over a pthread pool of Web
 * Workers), but in Node tfjs never uses it: its `WASM_HAS_MULTITHREAD_SUPPORT` flag is false there, and its loader
 * starts Emscripten's pthread workers from `blob:` URLs, which Node's `worker_threads` refuses (`ERR_WORKER_PATH`).
 *
 * In Node, {@link prepareWasmThreads} registers a `'wasm'` backend factory of its own that starts the same threaded
 * build from the package's unbundled Emscripten output (`wasm-out/tfjs-backend-wasm-threaded-simd.js`, `.wasm` and the
 * pthread worker's source), through options that Emscripten's module factory documents: `locateFile` gives the
 * workers a `data:` URL module that loads the worker source, `mainScriptUrlOrBlob` a file path, and
 * `instantiateWasm` reports `2 × threads` logical cores (tfjs's C++ caps the pool at half the logical cores,
 * assuming two hyperthreads per core), and `wasmMemory` is the shared heap tfjs would have made itself, made here so
 * that spikefn's SIMD kernels can run over it in place. The backend object is tfjs's own `BackendWasm`, so every tfjs kernel and
 * spikefn's wasm kernels run unchanged. Nothing in `node_modules` is patched: this works wherever the package is
 * installed.
 *
 * In a browser the stock loader already runs threaded when the page is cross-origin isolated (COOP/COEP headers);
 * there `threads` only sets tfjs's `setThreadsCount`.
 *
 * @category backend
 */
import * as tf from './tf.js';
import { SpikefnArgumentError } from './validate.js';

/** The most threads the wasm backend can use: the threaded build's worker pool and XNNPACK's cap. @category backend */
export const maxWasmThreads = 8;

/** What spikefn uses of `@tensorflow/tfjs-backend-wasm`'s exports. */
type WasmPackage = {
  readonly BackendWasm: new (module: unknown) => tf.KernelBackend;
  readonly setThreadsCount: (threads: number) => void;
};

/** The parts of Emscripten's module object used here. */
type EmscriptenModule = {
  cwrap(name: string, returns: string | null, args: readonly string[]): (...args: number[]) => number;
  tfjs?: Record<string, (...args: number[]) => number>;
  PThread?: { runningWorkers: readonly { unref(): void }[] };
};

/** Emscripten's module factory (`WasmBackendModuleThreadedSimd`). */
type EmscriptenFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

// The few Node APIs used here, typed locally: the package's build has no Node types (it runs in browsers too).
type NodeOs = { availableParallelism?: () => number; cpus: () => readonly unknown[] };
type NodeRequire = ((id: string) => unknown) & { resolve(id: string): string };
type NodeModule = { createRequire(from: string): NodeRequire };
type NodeFs = { readFile(path: string): Promise<Uint8Array<ArrayBuffer>> };

const wasmPackage = '@tensorflow/tfjs-backend-wasm';
const glueFile = 'wasm-out/tfjs-backend-wasm-threaded-simd.js';
const workerSourceFile = 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';

// A variable specifier: bundlers leave Node's modules alone (this path only runs in Node).
const load = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

/** True in Node (not in a browser, nor in a browser's worker). */
const inNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';

/** The factory tfjs-backend-wasm registered itself, kept so that `threads: 1` can put it back. */
let stockFactory: BackendFactory | undefined;
/** The thread count of the `'wasm'` factory spikefn registered last; undefined while tfjs's own is registered. */
let registeredThreads: number | undefined;

/**
 * Checks a `threads` option: an integer from 1 to {@link maxWasmThreads}.
 *
 * @category backend
 */
export function checkWasmThreads(fn: string, argName: string, threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > maxWasmThreads) {
    throw new SpikefnArgumentError(
      fn,
      argName,
      `an integer from 1 to ${maxWasmThreads}`,
      typeof threads === 'number' ? String(threads) : typeof threads,
    );
  }
  return threads;
}

/** The thread count a wasm backend object computes with, or undefined for another backend. */
const threadsOf = (backend: tf.KernelBackend | undefined): number | undefined => {
  const wasm = (backend as { wasm?: EmscriptenModule } | undefined)?.wasm;
  const count = wasm?.tfjs?.getThreadsCount?.();
  return typeof count === 'number' && count > 0 ? count : undefined;
};

/**
 * The number of threads the initialised wasm backend computes with (1 for tfjs's single-threaded builds), or
 * undefined when the wasm backend has not been initialised.
 *
 * @category backend
 */
export const getWasmThreads = (): number | undefined => threadsOf(tf.findBackend('wasm') ?? undefined);

/** Node's default: one thread per core the process may use, at most {@link maxWasmThreads}. */
async function defaultNodeThreads(): Promise<number> {
  const os = (await load('node:os')) as NodeOs;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(maxWasmThreads, cores));
}

/** Starts tfjs's threaded SIMD build in Node with `threads` threads and wraps it in tfjs's `BackendWasm`. */
async function createThreadedBackend(pkg: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const { createRequire } = (await load('node:module')) as NodeModule;
  const { readFile } = (await load('node:fs/promises')) as NodeFs;
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve(`${wasmPackage}/${glueFile}`);
  const workerSourcePath = require.resolve(`${wasmPackage}/${workerSourceFile}`);
  const factory = require(gluePath) as EmscriptenFactory;
  const binary = await readFile(gluePath.replace(/\.js$/, '.wasm'));
  // The pthread worker: an ES module (Node runs `data:` URLs as such) that gives the worker source the CommonJS
  // `require` it expects and evaluates it in global scope. That source is a template-literal export in which "\n"
  // escapes became newlines; they are escaped back (tfjs's own loader does the same before making its blob).
  const workerModule = [
    "import { createRequire } from 'node:module';",
    `const require = createRequire(${JSON.stringify(gluePath)});`,
    `Object.assign(globalThis, { require, __filename: ${JSON.stringify(gluePath)} });`,
    `(0, eval)(require(${JSON.stringify(workerSourcePath)}).wasmWorkerContents.replace(/\\n/g, '\\\\n'));`,
  ].join('\n');
  const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(workerModule)}`);
  const module = await new Promise<EmscriptenModule>((resolve, reject) => {
    factory({
      // The heap tfjs would make itself (16 MiB to start, up to 4 GiB, shared), made here so that it is reachable as
      // the module's `wasmMemory`: spikefn's SIMD kernels run over it in place (`@spikefn/kernels`).
      wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true }),
      locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? workerUrl : prefix + path),
      mainScriptUrlOrBlob: gluePath,
      instantiateWasm: (
        imports: { env: Record<string, unknown> },
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        WebAssembly.instantiate(binary, imports as WebAssembly.Imports).then((r) => receive(r.instance, r.module), reject);
        return {};
      },
    }).then(resolve, reject);
  });
  // The same bridge tfjs's loader sets up.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module);
  // Emscripten keeps Node alive while a pthread runs; XNNPACK's pool threads run for good, so let Node exit.
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
  return backend;
}

/**
 * Makes the `'wasm'` backend factory compute with `threads` threads (undefined: spikefn's default, every core in
 * Node, tfjs's choice in a browser). Called by `setBackend('wasm')` before it initialises the backend; an
 * initialised wasm backend with another thread count is disposed and made again, which only an explicit `threads`
 * does, and only while the backend holds no tensors.
 */
export async function prepareWasmThreads(threads: number | undefined): Promise<void> {
  const node = inNode();
  // (Node ≥ 16.4 has WebAssembly SIMD and threads, which the threaded build needs; spikefn needs Node ≥ 20.19.)
  const want = threads ?? (node ? await defaultNodeThreads() : undefined);
  if (want === undefined) return;
  const existing = tf.findBackend('wasm') ?? undefined;
  if (existing !== undefined) {
    const have = threadsOf(existing);
    if (have === want || threads === undefined) return;
    const held = existing.numDataIds();
    if (held > 0) {
      throw new SpikefnArgumentError(
        'setBackend',
        'options.threads',
        `${have ?? 'the current thread count'} while the wasm backend holds tensors (it runs with ${have} threads and holds ${held}: dispose them to change its threads)`,
        String(want),
      );
    }
  } else if (registeredThreads === want) return;
  const pkg = (await load(wasmPackage).catch(() => undefined)) as WasmPackage | undefined;
  if (pkg?.setThreadsCount === undefined || pkg.BackendWasm === undefined) {
    throw new SpikefnArgumentError(
      'setBackend',
      'options.threads',
      `no threads option here (${wasmPackage} cannot be imported by name; call its setThreadsCount yourself before setBackend)`,
      String(want),
    );
  }
  stockFactory ??= (tf.findBackendFactory('wasm') as BackendFactory | null) ?? undefined;
  if (stockFactory === undefined) return;
  if (tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  const stock = stockFactory;
  if (node && want > 1) {
    tf.registerBackend('wasm', () => createThreadedBackend(pkg, want), 2);
  } else {
    pkg.setThreadsCount(want);
    tf.registerBackend('wasm', stock, 2);
  }
  registeredThreads = want;
}
