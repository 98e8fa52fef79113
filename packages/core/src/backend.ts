/**
 * Backend selection. `setBackend(name)` loads the backend's package, initialises it and makes it current:
 *
 * | name | package | where |
 * |---|---|---|
 * | `'cpu'` | `@tensorflow/tfjs-backend-cpu` | everywhere; the reference |
 * | `'wasm'` | `@tensorflow/tfjs-backend-wasm` | everywhere; XNNPACK + SIMD on every core in Node (`threads`), about 2.5x faster than cpu for training |
 * | `'webgl'` | `@tensorflow/tfjs-backend-webgl` | browsers with WebGL |
 * | `'tensorflow'` | `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` | Node; **optional peers that you install** (their install downloads libtensorflow) |
 *
 * Once the backend is ready, spikefn's kernels for it are registered (`register` of `@spikefn/kernels`: the fused
 * neuron kernels, and by default the fast conv, pooling and slicing kernels; see {@link SetBackendOptions}). With tfjs's
 * own `tf.setBackend` instead, the neurons and layers register the same kernels lazily on first use.
 *
 * A name outside this list, or a backend whose package is missing or cannot start, throws an error that says which
 * package to install. The start-up banners of tfjs are silenced (`PROD`).
 *
 * @category backend
 */
import * as tf from './tf.js';
import { register, setKernelThreads, unregister } from '@spikefn/kernels';
import { SpikefnArgumentError } from './validate.js';
import { checkWasmThreads, prepareWasmThreads } from './wasm-threads.js';

/** The backends spikefn knows. @category backend */
export const backendNames = ['cpu', 'wasm', 'webgl', 'tensorflow'] as const;
/** One of {@link backendNames}. @category backend */
export type BackendName = (typeof backendNames)[number];

/** The error for a backend that cannot be used here, naming the package to install. @category backend */
export class BackendUnavailableError extends Error {
  /** Always `'BackendUnavailableError'`. */
  override readonly name = 'BackendUnavailableError';
}

/** The package that registers each backend. */
const backendPackages: Readonly<Record<BackendName, readonly string[]>> = {
  cpu: ['@tensorflow/tfjs-backend-cpu'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  webgl: ['@tensorflow/tfjs-backend-webgl'],
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
};

// The specifier is a variable on purpose: bundlers leave it alone, so a browser bundle carries only the backend the
// application imports itself (`import '@tensorflow/tfjs-backend-webgl'`), never all of them.
const load = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

const isMissing = (e: unknown): boolean => {
  const code = (e as { code?: string } | null)?.code;
  const msg = String((e as Error | null)?.message ?? e);
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|Failed to resolve module|Could not resolve|Failed to fetch dynamically imported module|Importing a module script failed/.test(
      msg,
    )
  );
};

const installHint = (name: BackendName): string =>
  name === 'tensorflow'
    ? "setBackend('tensorflow') needs @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, which spikefn does not install " +
      'because their install step downloads libtensorflow. Install one yourself, e.g. `npm install @tensorflow/tfjs-node-gpu@4.22.0`, ' +
      "or use setBackend('wasm') / setBackend('cpu')."
    : `setBackend('${name}') needs ${backendPackages[name][0]}: install it (\`npm install ${backendPackages[name][0]}@4.22.0\`). ` +
      `In a browser bundle, also import it once in your application (\`import '${backendPackages[name][0]}';\`) before calling setBackend.`;

/** Imports the backend's package unless the application already registered that backend. */
async function importBackend(name: BackendName): Promise<void> {
  if (tf.findBackendFactory(name) !== null) return;
  const tried: string[] = [];
  for (const pkg of backendPackages[name]) {
    try {
      await load(pkg);
      return;
    } catch (e) {
      if (!isMissing(e))
        throw new BackendUnavailableError(
          `setBackend('${name}'): ${pkg} is installed but failed to load: ${String((e as Error).message ?? e)}`,
        );
      tried.push(pkg);
    }
  }
  throw new BackendUnavailableError(`${installHint(name)} Tried: ${tried.join(', ')}.`);
}

/** Options of {@link setBackend}. @category backend */
export type SetBackendOptions = {
  /**
   * Register spikefn's replacements of tfjs kernels for this backend (`@spikefn/kernels`' `'overrides'` set: conv and
   * max-pool gradients, wasm slicing and identity). Default true; `false` puts tfjs's stock kernels back. The fused
   * neuron kernels (`'neurons'`) are registered either way.
   */
  readonly fastKernels?: boolean;
  /**
   * wasm only: the number of threads XNNPACK computes with, an integer from 1 to `maxWasmThreads` (8). Default in
   * Node: one per core (`os.availableParallelism()`), through tfjs's threaded SIMD build, which spikefn starts itself
   * there (see `wasm-threads.ts`); `1` is tfjs's single-threaded SIMD build. In a browser the default is tfjs's
   * choice, threaded only on a cross-origin isolated page. An explicit count different from the running wasm
   * backend's makes the backend again, which needs it to hold no tensors. `getWasmThreads()` reports the count. An
   * explicit count also sets the threads of spikefn's own SIMD kernels, which run in place on the threaded build's
   * heap (`setKernelThreads` of `@spikefn/kernels`; default every core as well).
   */
  readonly threads?: number;
};

/**
 * Loads, initialises and selects a backend; resolves to its name. By default it also registers spikefn's fast
 * kernels for that backend (they are tested equal to tfjs's own); `{ fastKernels: false }` keeps the stock ones.
 *
 * @category backend
 */
export async function setBackend(name: string, options: SetBackendOptions = {}): Promise<BackendName> {
  if (!(backendNames as readonly string[]).includes(name)) {
    throw new SpikefnArgumentError('setBackend', 'name', `one of ${backendNames.map((b) => `'${b}'`).join(', ')}`, JSON.stringify(name));
  }
  const backend = name as BackendName;
  if (options.threads !== undefined) {
    if (backend !== 'wasm')
      throw new SpikefnArgumentError(
        'setBackend',
        'options.threads',
        "no threads option for a backend other than 'wasm'",
        String(options.threads),
      );
    checkWasmThreads('setBackend', 'options.threads', options.threads);
  }
  tf.env().set('PROD', true);
  await importBackend(backend);
  if (backend === 'wasm') await prepareWasmThreads(options.threads);
  if (options.threads !== undefined) setKernelThreads(options.threads);
  if (tf.findBackendFactory(backend) === null) {
    const hint =
      backend === 'webgl'
        ? 'WebGL is only available in a browser (or a page under headless Chromium); in Node use wasm or cpu'
        : `the package registered no '${backend}' backend`;
    throw new BackendUnavailableError(`setBackend('${backend}'): backend not available here: ${hint}.`);
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new BackendUnavailableError(`setBackend('${backend}'): the backend failed to initialise (see the warning above).`);
  await tf.ready();
  if (options.fastKernels ?? true) register(backend);
  else {
    unregister(backend, ['overrides']);
    register(backend, ['neurons']);
  }
  return backend;
}

/** The current backend's name. @category backend */
export const getBackend = (): string => tf.getBackend();
