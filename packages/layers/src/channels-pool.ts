/**
 * `channelsPool`: SpikingJelly's `layer.ChannelsPool`, a 1-d max or average pool along the **channel** axis:
 * for every sample n and spatial position z the channel vector `x[n, :, z]` is pooled,
 *
 *   max: y[n, c, z] = max_{u < k} x̃[n, c·s + u, z]        (x̃: channels padded with -∞)
 *   avg: y[n, c, z] = (1/k) Σ_{u < k} x̃[n, c·s + u, z]     (x̃: channels padded with 0, count_include_pad)
 *   C_out = ⌊(C + 2·padding - k) / s⌋ + 1
 *
 * Input `[N, C, *spatial]` (rank ≥ 3) → `[N, C_out, *spatial]`. The seed wraps a `torch.nn.MaxPool1d`/`AvgPool1d`;
 * here the pool is described by `{ mode, kernelSize, stride = kernelSize, padding = 0 }` (padding at most half the
 * kernel, as PyTorch requires). Implemented as a 2-d pool with a k×1 window on `[N, C, S, 1]` (no transpose).
 * Stateless. (SpikingJelly's English docstring names the module `cmp` and then calls `cp`: documentation only.)
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  stateless,
  type Layer,
  emptyTree as empty,
  type EmptyTree as Empty,
  checkMinRank as minRank,
  checkOneOf as oneOf,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';
import { poolNhw1, pool2dGeometry, type PoolMode } from './pool2d.js';

/** Hyper-parameters of {@link channelsPool}. @category layers */
export type ChannelsPoolConfig = {
  /** `'max'` (padding counts as −∞) or `'avg'` (padding counts as 0 and is included in the count). */
  readonly mode: PoolMode;
  /** k, the window length along the channels. */
  readonly kernelSize: number;
  /** s, the step between windows along the channels. Default `kernelSize`. */
  readonly stride?: number;
  /** Channels added on each side (at most half the kernel). Default 0. */
  readonly padding?: number;
};

/** The channel-pooling layer. @category layers */
export function channelsPool(config: ChannelsPoolConfig): Layer<Empty, Empty> {
  const fn = 'channelsPool';
  const mode = oneOf(fn, 'mode', config.mode, ['max', 'avg'] as const);
  for (const name of ['kernelSize', 'stride', 'padding'] as const) {
    const v = config[name];
    if (v !== undefined && typeof v !== 'number')
      throw new SpikefnArgumentError(fn, name, 'a number (a 1-d pool along the channels)', JSON.stringify(v));
  }
  const g1 = pool2dGeometry(fn, {
    kernelSize: config.kernelSize,
    stride: config.stride ?? config.kernelSize,
    padding: config.padding ?? 0,
  });
  // as a 2-d pool over [N, C, S, 1]: window k×1 along the channel axis.
  const g = { kernel: [g1.kernel[0], 1], stride: [g1.stride[0], 1], padding: [g1.padding[0], 0] } as const;
  const shapeOut = (name: string, shape: Shape): number[] => {
    minRank(fn, name, shape, 3, '[N, C, *spatial]');
    const c = shape[1] as number;
    const cOut = Math.floor((c + 2 * g.padding[0] - g.kernel[0]) / g.stride[0]) + 1;
    if (cOut < 1)
      throw new SpikefnArgumentError(
        fn,
        name,
        `at least ${g.kernel[0] - 2 * g.padding[0]} channels (kernelSize minus padding)`,
        `shape [${shape.join(', ')}]`,
      );
    return [shape[0] as number, cOut, ...shape.slice(2)];
  };
  return stateless({
    kind: fn,
    init: () => empty,
    outputShape: (_, inputShape) => shapeOut('inputShape', inputShape),
    apply: (_, x) => {
      const out = shapeOut('x', x.shape);
      const [n, c] = x.shape as [number, number];
      const s = x.size / (n * c);
      return tf.reshape(poolNhw1(mode, tf.reshape(x, [n, c, s, 1]) as tf.Tensor4D, g), out);
    },
  });
}
