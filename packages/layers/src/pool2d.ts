/**
 * The shared engine of {@link maxPool2d} and {@link avgPool2d} (PyTorch's `nn.MaxPool2d` / `nn.AvgPool2d`), NCHW:
 *
 *   max: y[n, c, i, j] = max_{u < kh, v < kw} x̃[n, c, i·sh + u, j·sw + v]   (x̃: x padded with -∞)
 *   avg: y[n, c, i, j] = (1 / (kh·kw)) Σ_{u, v} x̃[n, c, i·sh + u, j·sw + v]   (x̃: x padded with 0; count_include_pad)
 *   OH = ⌊(H + 2·ph - kh) / sh⌋ + 1   (floor mode; likewise OW)
 *
 * Channels are folded into the batch (`[N·C, H, W, 1]`, a reshape, no transpose), so tfjs pools one channel at a time.
 * The max pool's gradient is tfjs's MaxPoolGrad, on `@spikefn/kernels`' kernel for cpu and wasm (wasm's stock one is
 * wrong for many shapes).
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  stateless,
  type Layer,
  emptyTree as empty,
  type EmptyTree as Empty,
  checkRank as rank,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';
import { ensureRegistered } from '@spikefn/kernels';
import { pair, type Pair } from './conv2d.js';

/** Hyper-parameters of a 2-d pool. `stride` defaults to `kernelSize`, `padding` to 0 (at most half the kernel). @category layers */
export type Pool2dConfig = {
  /** `[kh, kw]`, or one number for both. */
  readonly kernelSize: Pair;
  /** `[sh, sw]`. Default `kernelSize`. */
  readonly stride?: Pair;
  /** `[ph, pw]` added on each side (−∞ for max, 0 for avg), at most half the kernel. Default 0. */
  readonly padding?: Pair;
};

/** `'max'` or `'avg'`. @category layers */
export type PoolMode = 'max' | 'avg';

/** Resolved pool geometry. @category layers */
export type Pool2dGeometry = {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
};

/** Checks a {@link Pool2dConfig}. @category layers */
export function pool2dGeometry(fn: string, config: Pool2dConfig): Pool2dGeometry {
  const kernel = pair(fn, 'kernelSize', config.kernelSize);
  const stride = pair(fn, 'stride', config.stride ?? kernel);
  const padding = pair(fn, 'padding', config.padding ?? 0, 0);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new SpikefnArgumentError(fn, 'padding', `at most half the kernel size [${kernel.join(', ')}]`, `[${padding.join(', ')}]`);
  }
  return { kernel, stride, padding };
}

const outSize = (size: number, k: number, s: number, p: number): number => Math.floor((size + 2 * p - k) / s) + 1;

/**
 * `tf.maxPool` ('valid') with tfjs's gradient (`MaxPoolGrad`). tfjs-backend-wasm 4.22's own MaxPoolGrad routes
 * gradients wrongly for many shapes (one channel, k×1 windows, -∞ padding); `@spikefn/kernels` replaces it on wasm
 * (PyTorch's first-maximum rule, tested against the cpu kernel), and the layer makes sure it is registered.
 */
function maxPoolValid(x: tf.Tensor4D, k: [number, number], s: [number, number]): tf.Tensor4D {
  ensureRegistered();
  return tf.maxPool(x, k, s, 'valid');
}

/**
 * Pools `x: [B, H, W, C]` with the geometry (padding with -∞ for max, 0 for avg). Checks nothing.
 *
 * @category layers
 */
export function poolNhw1(mode: PoolMode, x: tf.Tensor4D, g: Pool2dGeometry): tf.Tensor4D {
  const [ph, pw] = g.padding;
  const padded =
    ph === 0 && pw === 0
      ? x
      : tf.pad(
          x,
          [
            [0, 0],
            [ph, ph],
            [pw, pw],
            [0, 0],
          ],
          mode === 'max' ? -Infinity : 0,
        );
  const k: [number, number] = [g.kernel[0], g.kernel[1]];
  const s: [number, number] = [g.stride[0], g.stride[1]];
  return mode === 'max' ? maxPoolValid(padded, k, s) : tf.avgPool(padded, k, s, 'valid');
}

/** The output shape `[N, C, OH, OW]` of a pool over `[N, C, H, W]`, checked. @category layers */
export function pool2dOutputShape(fn: string, name: string, shape: Shape, g: Pool2dGeometry): number[] {
  rank(fn, name, shape, 4, '[N, C, H, W]');
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = outSize(h, g.kernel[0], g.stride[0], g.padding[0]);
  const ow = outSize(w, g.kernel[1], g.stride[1], g.padding[1]);
  if (oh < 1 || ow < 1)
    throw new SpikefnArgumentError(
      fn,
      name,
      `a height and width of at least the kernel [${g.kernel.join(', ')}] minus padding`,
      `shape [${shape.join(', ')}]`,
    );
  return [n, c, oh, ow];
}

/** A 2-d pooling layer over NCHW input. @category layers */
export function pool2d(kind: string, mode: PoolMode, config: Pool2dConfig): Layer<Empty, Empty> {
  const g = pool2dGeometry(kind, config);
  return stateless({
    kind,
    init: () => empty,
    outputShape: (_, inputShape) => pool2dOutputShape(kind, 'inputShape', inputShape, g),
    apply: (_, x) => {
      const out = pool2dOutputShape(kind, 'x', x.shape, g);
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const y = poolNhw1(mode, tf.reshape(x, [n * c, h, w, 1]) as tf.Tensor4D, g);
      return tf.reshape(y, out);
    },
  });
}
