/**
 * Book-keeping for overriding tfjs kernels: which configs are spikefn's, and
 * the stock config each one replaced (so it can be restored, and so a fast
 * kernel can fall back to it for inputs it does not handle, e.g. strings).
 *
 * tfjs keeps its kernel registry on the global object; this state lives there
 * too (under `Symbol.for` keys), so two copies of this module in one process
 * (bundles, test isolation) agree on what is ours and what was stock.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, KernelSetupFunc, TensorInfo } from '@tensorflow/tfjs-core';

const FAST = Symbol.for('@spikefn/kernels#fast');
const STOCK = Symbol.for('@spikefn/kernels#stock');

type StockMap = Map<string, KernelConfig | null>;

function stockMap(): StockMap {
  const g = globalThis as unknown as Record<symbol, StockMap | undefined>;
  let m = g[STOCK];
  if (m === undefined) {
    m = new Map();
    g[STOCK] = m;
  }
  return m;
}

const key = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

/** Tags a kernel config as spikefn's own. */
export function markFast(config: KernelConfig): KernelConfig {
  Object.defineProperty(config, FAST, { value: true, enumerable: false });
  return config;
}

export function isFast(config: KernelConfig | undefined): boolean {
  return config !== undefined && (config as unknown as Record<symbol, unknown>)[FAST] === true;
}

/** The stock kernel for (name, backend): the one ours replaced, or the registered one if it is not ours. */
export function stockKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  const current = tf.getKernel(kernelName, backendName);
  if (!isFast(current)) return current;
  return stockMap().get(key(kernelName, backendName)) ?? undefined;
}

/** Runs the stock kernel for (name, backend) on `args`: the calls a fast kernel of ours leaves to it. */
export function runStock(kernelName: string, backendName: string, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
  const stock = stockKernel(kernelName, backendName);
  if (stock === undefined) throw new Error(`${kernelName}: no stock ${backendName} kernel to fall back to`);
  return stock.kernelFunc(args);
}

/**
 * A setup that runs the stock kernel's: where our kernel is registered before the backend starts, tfjs sets up only the
 * registered kernel, and the stock one (which other stock kernels may call directly) must still work.
 */
export const stockSetup =
  (kernelName: string, backendName: string): KernelSetupFunc =>
  (backend) => {
    stockKernel(kernelName, backendName)?.setupFunc?.(backend);
  };

/** Registers `config` in place of whatever is registered, remembering the stock one. Idempotent. */
export function override(config: KernelConfig): void {
  const { kernelName, backendName } = config;
  const current = tf.getKernel(kernelName, backendName);
  if (current === config) return;
  const stock = stockMap();
  if (!isFast(current)) stock.set(key(kernelName, backendName), current ?? null);
  if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
}

/** Puts the stock kernel back if ours is registered; returns whether anything changed. */
export function restore(kernelName: string, backendName: string): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (!isFast(current)) return false;
  tf.unregisterKernel(kernelName, backendName);
  const k = key(kernelName, backendName);
  const stock = stockMap().get(k);
  if (stock) tf.registerKernel(stock);
  stockMap().delete(k);
  return true;
}
