/**
 * `avgPool2d`: PyTorch's `nn.AvgPool2d` (floor mode, `count_include_pad = true`), NCHW:
 *
 *   y[n, c, i, j] = (1 / (kh·kw)) Σ_{u < kh, v < kw} x[n, c, i·sh + u - ph, j·sw + v - pw]   (out-of-range taps are 0)
 *
 * `stride` defaults to `kernelSize`. Stateless. See `pool2d.ts` for the shared engine.
 *
 * @category layers
 */
import type { Layer, EmptyTree as Empty } from '@spikefn/core';
import { pool2d, type Pool2dConfig } from './pool2d.js';

/** An average-pooling layer `[N, C, H, W] → [N, C, OH, OW]`. @category layers */
export const avgPool2d = (config: Pool2dConfig): Layer<Empty, Empty> => pool2d('avgPool2d', 'avg', config);
