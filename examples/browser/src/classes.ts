/**
 * The names of the network's ten output classes, for the prediction, the output raster and the rate bars: the digits
 * 0–9, or Fashion-MNIST's class names (Xiao, Rasul and Vollgraf 2017, from the dataset's README) when the
 * checkpoint was trained on it (`meta.config.dataset === 'fashion-mnist'`, written by examples/mnist).
 *
 * @category example
 */
import { FASHION_MNIST_CLASSES } from '@spikefn/learning';

/** MNIST's classes: the digits. */
export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Fashion-MNIST's classes, by label 0–9 (from `@spikefn/learning`). */
export { FASHION_MNIST_CLASSES };

/** The class names for a checkpoint's metadata (`meta.config.dataset`); digits unless it names Fashion-MNIST. */
export function classNamesFor(meta: Readonly<Record<string, unknown>>): readonly string[] {
  const config = meta['config'];
  const dataset = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['dataset'] : undefined;
  return dataset === 'fashion-mnist' ? FASHION_MNIST_CLASSES : DIGIT_CLASSES;
}
