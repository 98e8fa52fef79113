/**
 * `maxPool2d`: PyTorch's `nn.MaxPool2d` (floor mode, dilation 1), NCHW:
 *
 *   y[n, c, i, j] = max_{u < kh, v < kw} x[n, c, i·sh + u - ph, j·sw + v - pw]   (out-of-range taps are -∞)
 *
 * `stride` defaults to `kernelSize`. Stateless. See `pool2d.ts` for the shared engine.
 *
 * @category layers
 */
import type { Layer, EmptyTree as Empty } from '@spikefn/core';
import { pool2d, type Pool2dConfig } from './pool2d.js';

/** A max-pooling layer `[N, C, H, W] → [N, C, OH, OW]`. @category layers */
export const maxPool2d = (config: Pool2dConfig): Layer<Empty, Empty> => pool2d('maxPool2d', 'max', config);
