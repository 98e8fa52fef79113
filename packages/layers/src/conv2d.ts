/**
 * `conv2d`: PyTorch's `nn.Conv2d` (zero padding), NCHW in and out, weights `[out, in/groups, kh, kw]`.
 *
 *   y[n, o, i, j] = b[o] + Σ_{c ∈ group(o)} Σ_{u, v} W[o, c, u, v] · x[n, c, i·sh + u·dh - ph, j·sw + v·dw - pw]
 *
 *   OH = ⌊(H + 2·ph - dh·(kh - 1) - 1) / sh⌋ + 1   (likewise OW)
 *
 * tfjs convolves NHWC, so the input goes through one transpose each way (NCHW → NHWC as a rank-3 transpose, which
 * tfjs-backend-wasm runs as one 2-D block per image). The gradient is tfjs's own (its
 * `Conv2DBackpropInput` and `Conv2DBackpropFilter` kernels), which `@spikefn/kernels` makes fast and complete on `cpu`
 * and `wasm` (stock tfjs's filter gradient is a naive loop on cpu and missing on wasm): the layer makes sure they are
 * registered (`ensureRegistered`) and never asks which kernels are there. tfjs's Conv2D gradient refuses dilation > 1,
 * so a dilated convolution's gradient is written out ({@link conv2dInputGrad}, {@link conv2dWeightGrad}) as ordinary
 * forward convolutions:
 *
 *   ∂L/∂x = conv(upsample_s(∂L/∂y), flip(W)ᵀ, dilation d)   (a "full" correlation with the flipped kernel)
 *   ∂L/∂W = conv(xᵀ, (∂L/∂y)ᵀ, stride d, dilation s)         (batch and channels swapped: one convolution)
 *
 * On wasm, where `@spikefn/kernels` says its in-place kernels run (`conv2dNchwInPlace()`: a shared heap, SIMD on),
 * one-group stride-1 convolutions run its NCHW kernel instead (no transposes of the layer's own; event-driven for sparse
 * x such as spikes; see {@link conv2dNchw}).
 *
 * Init as PyTorch: `W, b ~ U(-1/√fan_in, 1/√fan_in)`, `fan_in = in/groups · kh · kw`.
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  fanInUniform,
  kaimingUniform,
  split2,
  stateless,
  type Layer,
  checkDim as dim,
  checkNonNegativeInt as nonNegativeInt,
  checkPositiveInt as positiveInt,
  checkRank as rank,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';
import type { EmptyTree as Empty } from '@spikefn/core';
import {
  CONV2D_FILTER_GRAD_NCHW,
  CONV2D_NCHW,
  conv2dNchwInPlace,
  ensureRegistered,
  filterGradNchwInPlace,
  kernelTuning,
} from '@spikefn/kernels';

/** One number for both spatial axes, or `[height, width]`. @category layers */
export type Pair = number | readonly [number, number];

/** Hyper-parameters of {@link conv2d}. Defaults: stride 1, padding 0, dilation 1, groups 1, bias true. @category layers */
export type Conv2dConfig = {
  /** C, the input channels (axis 1 of `x: [N, C, H, W]`); divisible by `groups`. */
  readonly inChannels: number;
  /** The output channels; divisible by `groups`. */
  readonly outChannels: number;
  /** `[kh, kw]`, or one number for both. */
  readonly kernelSize: Pair;
  /** `[sh, sw]`, integers ≥ 1. Default 1. */
  readonly stride?: Pair;
  /** `[ph, pw]` zeros added on each side, integers ≥ 0. Default 0. */
  readonly padding?: Pair;
  /** `[dh, dw]`, the spacing of kernel taps, integers ≥ 1. Default 1. */
  readonly dilation?: Pair;
  /** Channel groups: output channel o sees only the input channels of its group. Default 1. */
  readonly groups?: number;
  /** Whether the layer has a bias `b: [out]`. Default true. */
  readonly bias?: boolean;
};

/** `weight: [out, in/groups, kh, kw]`, `bias: [out]` (absent when `bias: false`). @category layers */
export type Conv2dParams = {
  /** `W: [out, in/groups, kh, kw]`, initially `U(-1/√fan_in, 1/√fan_in)`, `fan_in = in/groups·kh·kw`. */
  readonly weight: tf.Tensor;
  /** `b: [out]`, initially `U(-1/√fan_in, 1/√fan_in)`; absent when `bias: false`. */
  readonly bias?: tf.Tensor;
};

/** The geometry of a convolution, every pair resolved to `[height, width]`. @category layers */
export type Conv2dGeometry = {
  /** `[sh, sw]`. */
  readonly stride: readonly [number, number];
  /** `[ph, pw]`, zeros on each side. */
  readonly padding: readonly [number, number];
  /** `[dh, dw]`. */
  readonly dilation: readonly [number, number];
  /** The number of channel groups. */
  readonly groups: number;
};

/** Resolves a {@link Pair} (checked: integers ≥ `min`). @category layers */
export function pair(fn: string, name: string, v: Pair, min = 1): readonly [number, number] {
  const p: unknown = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2)
    throw new SpikefnArgumentError(fn, name, 'a number or [height, width]', JSON.stringify(v) ?? String(v));
  const check = min === 0 ? nonNegativeInt : positiveInt;
  check(fn, name, p[0] as number);
  check(fn, name, p[1] as number);
  return [p[0] as number, p[1] as number];
}

/** The geometry of a {@link Conv2dConfig}, checked. @category layers */
export function conv2dGeometry(fn: string, config: Omit<Conv2dConfig, 'inChannels' | 'outChannels' | 'kernelSize'>): Conv2dGeometry {
  return {
    stride: pair(fn, 'stride', config.stride ?? 1),
    padding: pair(fn, 'padding', config.padding ?? 0, 0),
    dilation: pair(fn, 'dilation', config.dilation ?? 1),
    groups: positiveInt(fn, 'groups', config.groups ?? 1),
  };
}

/** Output size of one spatial axis. @category layers */
export const convOutSize = (size: number, kernel: number, stride: number, padding: number, dilation: number): number =>
  Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;

/** `[N, C, H, W]` → output `[N, out, OH, OW]` for weight shape `[out, in/groups, kh, kw]`. @category layers */
export function conv2dOutputShape(inputShape: Shape, weightShape: Shape, g: Conv2dGeometry): number[] {
  const [n, , h, w] = inputShape as [number, number, number, number];
  const [out, , kh, kw] = weightShape as [number, number, number, number];
  return [
    n,
    out,
    convOutSize(h, kh, g.stride[0], g.padding[0], g.dilation[0]),
    convOutSize(w, kw, g.stride[1], g.padding[1], g.dilation[1]),
  ];
}

/**
 * Spreads a filter `[kh, kw, i, o]` (or any `[a, b, ...]` on its first two axes) by inserting `d - 1` zeros between
 * taps: `[(kh-1)·dh + 1, (kw-1)·dw + 1, ...]`. Used where a backend forbids stride > 1 and dilation > 1 together.
 */
function spread(f: tf.Tensor, dh: number, dw: number): tf.Tensor {
  if (dh === 1 && dw === 1) return f;
  const [a, b, ...rest] = f.shape as number[];
  // Two rank-3 pads (tfjs WebGL's packed pad cannot compile tensors of rank > 4).
  const r = rest.reduce((x, y) => x * y, 1);
  const cols = tf.pad(tf.reshape(f, [(a as number) * (b as number), 1, r]), [
    [0, 0],
    [0, dw - 1],
    [0, 0],
  ]);
  const padded = tf.pad(tf.reshape(cols, [a as number, 1, (b as number) * dw * r]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [(a as number) * dh, (b as number) * dw, ...rest]);
  return tf.slice(flat, [0, 0, ...rest.map(() => 0)], [((a as number) - 1) * dh + 1, ((b as number) - 1) * dw + 1, ...rest]);
}

/** tfjs `conv2d` (NHWC) with explicit padding `[top, bottom, left, right]` (negative values crop), any stride and dilation. */
function convNhwc(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  stride: readonly [number, number],
  pads: readonly [number, number, number, number],
  dilation: readonly [number, number],
): tf.Tensor4D {
  let input = x;
  const [t, b, l, r] = pads;
  if (t < 0 || b < 0 || l < 0 || r < 0) {
    const [n, h, w, c] = x.shape;
    const top = Math.max(0, -t);
    const left = Math.max(0, -l);
    input = tf.slice(x, [0, top, left, 0], [n, h - top - Math.max(0, -b), w - left - Math.max(0, -r), c]);
  }
  let filter = f;
  let dil = dilation;
  if ((stride[0] > 1 || stride[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    filter = spread(f, dilation[0], dilation[1]) as tf.Tensor4D;
    dil = [1, 1];
  }
  const pad = [
    [0, 0],
    [Math.max(0, t), Math.max(0, b)],
    [Math.max(0, l), Math.max(0, r)],
    [0, 0],
  ] as tf.backend_util.ExplicitPadding;
  const allZero = pad.every(([p, q]) => p === 0 && q === 0);
  return tf.conv2d(input, filter, [stride[0], stride[1]], allZero ? 'valid' : pad, 'NHWC', [dil[0], dil[1]]);
}

/**
 * NCHW → NHWC as the rank-3 transpose `[N, C, H·W] → [N, H·W, C]`: tfjs-backend-wasm then transposes each image as
 * one 2-D block, about 3× faster than its rank-4 loop for `[256, 32, 14, 14]` (CPU time, interleaved). The other
 * direction stays rank-4 there (the 2-D block `[H·W, C]` writes with a stride of H·W and measured slower at 28 × 28).
 */
function nchwToNhwc(x: tf.Tensor): tf.Tensor4D {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [n, c, h * w]), [0, 2, 1]), [n, h, w, c]) as tf.Tensor4D;
}

type LayoutGrad = (x: tf.Tensor, save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor) => tf.Tensor };

/** NCHW → NHWC ({@link nchwToNhwc}); its gradient is the rank-4 transpose back. */
const toNhwc = tf.customGrad(((x: tf.Tensor) => ({
  value: nchwToNhwc(x),
  gradFunc: (dy: tf.Tensor) => tf.transpose(dy, [0, 3, 1, 2]),
})) as LayoutGrad as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor4D;

/** NHWC → NCHW (rank-4 transpose); its gradient, NCHW → NHWC, is {@link nchwToNhwc}. */
const toNchw = tf.customGrad(((yh: tf.Tensor) => ({
  value: tf.transpose(yh, [0, 3, 1, 2]),
  gradFunc: (dy: tf.Tensor) => nchwToNhwc(dy),
})) as LayoutGrad as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** Splits `t` into `groups` equal parts on `axis` (or returns `[t]`). */
const groupsOf = (t: tf.Tensor, groups: number, axis: number): tf.Tensor[] => (groups === 1 ? [t] : tf.split(t, groups, axis));

function forwardNhwc(xh: tf.Tensor4D, weight: tf.Tensor, g: Conv2dGeometry): tf.Tensor4D {
  const wh = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, in/g, out]
  const [ph, pw] = g.padding;
  const xs = groupsOf(xh, g.groups, 3);
  const ws = groupsOf(wh, g.groups, 3);
  const ys = xs.map((xg, i) => convNhwc(xg as tf.Tensor4D, ws[i] as tf.Tensor4D, g.stride, [ph, ph, pw, pw], g.dilation));
  return (ys.length === 1 ? ys[0] : tf.concat(ys, 3)) as tf.Tensor4D;
}

/**
 * `∂L/∂x` of a convolution, NCHW: `dy: [N, out, OH, OW]`, `weight: [out, in/groups, kh, kw]`, `inputShape = [N, in, H, W]`.
 * A full correlation of the stride-upsampled `dy` with the spatially flipped, in/out-swapped kernel.
 *
 * @category layers
 */
export function conv2dInputGrad(dy: tf.Tensor, weight: tf.Tensor, inputShape: Shape, g: Conv2dGeometry): tf.Tensor {
  return tf.tidy(() => {
    const [, , H, W] = inputShape as [number, number, number, number];
    const [, , kh, kw] = weight.shape as [number, number, number, number];
    const [N, , OH, OW] = dy.shape as [number, number, number, number];
    const [sh, sw] = g.stride;
    const [ph, pw] = g.padding;
    const [dh, dw] = g.dilation;
    let dyh = tf.transpose(dy, [0, 2, 3, 1]) as tf.Tensor4D; // [N, OH, OW, out]
    const out = dyh.shape[3];
    if (sh > 1 || sw > 1) {
      // Zeros between dy's columns, then its rows: rank-4 pads (tfjs WebGL's packed pad cannot compile rank > 4).
      const cols = tf.pad(tf.reshape(dyh, [N * OH, OW, 1, out]), [
        [0, 0],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      const rows = tf.pad(tf.reshape(cols, [N, OH, 1, OW * sw * out]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
      ]);
      dyh = tf.reshape(rows, [N, OH * sh, OW * sw, out]) as tf.Tensor4D;
    }
    const top = (kh - 1) * dh - ph;
    const left = (kw - 1) * dw - pw;
    const bottom = H + ph - OH * sh;
    const right = W + pw - OW * sw;
    // [out, in/g, kh, kw] → flipped → [kh, kw, out, in/g]
    const wt = tf.transpose(tf.reverse(weight, [2, 3]), [2, 3, 0, 1]);
    const dys = groupsOf(dyh, g.groups, 3);
    const wts = groupsOf(wt, g.groups, 2);
    const dxs = dys.map((d, i) => convNhwc(d as tf.Tensor4D, wts[i] as tf.Tensor4D, [1, 1], [top, bottom, left, right], g.dilation));
    const dxh = dxs.length === 1 ? (dxs[0] as tf.Tensor) : tf.concat(dxs, 3);
    return tf.transpose(dxh, [0, 3, 1, 2]);
  });
}

/**
 * `∂L/∂W` of a convolution, `[out, in/groups, kh, kw]`, from the input `x: [N, in, H, W]` and `dy: [N, out, OH, OW]`:
 * `Σ_{n,i,j} dy[n, o, i, j] · x[n, c, i·sh + u·dh - ph, j·sw + v·dw - pw]`, computed as one forward convolution of
 * `x` (channels as batch, batch as channels) with `dy` as the filter (stride `d`, dilation `s`). This is also the
 * pair-correlation that trace-based STDP on convolution weights needs.
 *
 * @category layers
 */
export function conv2dWeightGrad(x: tf.Tensor, dy: tf.Tensor, kernel: readonly [number, number], g: Conv2dGeometry): tf.Tensor {
  return tf.tidy(() => weightGradCore(x, tf.transpose(dy, [2, 3, 0, 1]) as tf.Tensor4D, kernel, g)); // dy → [OH, OW, N, out]
}

/**
 * {@link conv2dWeightGrad} from NCHW `x` and `dyᵀ: [OH, OW, N, out]`. `x` goes to `[in, H, W, N]` as one rank-3
 * transpose of `[N, in, H·W]` (batch innermost, the convolution's channels).
 */
function weightGradCore(x: tf.Tensor, ft: tf.Tensor4D, kernel: readonly [number, number], g: Conv2dGeometry): tf.Tensor {
  const [kh, kw] = kernel;
  const [ph, pw] = g.padding;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const xt = tf.reshape(tf.transpose(tf.reshape(x, [n, c, h * w]), [1, 2, 0]), [c, h, w, n]) as tf.Tensor4D; // [in, H, W, N]
  const xs = groupsOf(xt, g.groups, 0);
  const fs = groupsOf(ft, g.groups, 3);
  const parts = xs.map((xg, i) => {
    // stride ↔ dilation swap: the filter (dy) taps are `s` apart, the outputs (kernel taps) `d` apart.
    const full = convNhwc(xg as tf.Tensor4D, fs[i] as tf.Tensor4D, g.dilation, [ph, ph, pw, pw], g.stride); // [in/g, ≥kh, ≥kw, out/g]
    const cut = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [full.shape[0], kh, kw, full.shape[3]]);
    return tf.transpose(cut, [3, 0, 1, 2]);
  });
  return parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 0);
}

/**
 * `∂L/∂W` from NCHW `x` and the NHWC `dy: [N, OH, OW, out]` that tfjs's gradient of the layer's output transpose
 * hands back: `dy → [OH, OW, N, out]` keeps runs of `out` contiguous (a rank-3 transpose of `[N, OH·OW, out]`), and
 * x is transposed from NCHW, where the kernel's NHWC x → `[in, H, W, N]` moves single floats (measured about 2.5×
 * slower on wasm for `[256, 14, 14, 32]`).
 */
function weightGradFromNhwcDy(x: tf.Tensor, dyh: tf.Tensor, kernel: readonly [number, number], g: Conv2dGeometry): tf.Tensor {
  return tf.tidy(() => {
    const [n, oh, ow, o] = dyh.shape as [number, number, number, number];
    const ft = tf.reshape(tf.transpose(tf.reshape(dyh, [n, oh * ow, o]), [1, 0, 2]), [oh, ow, n, o]) as tf.Tensor4D;
    return weightGradCore(x, ft, kernel, g);
  });
}

/**
 * `∂L/∂W` of a stride-1, one-group convolution straight from NCHW x and dy by `@spikefn/kernels`'
 * `SpikefnConv2dFilterGradNchw`, in place on the kernel threads (no patches, no transposes); only where
 * `filterGradNchwInPlace()`.
 */
function nchwFilterGrad(x: tf.Tensor, dy: tf.Tensor, kernel: readonly [number, number], g: Conv2dGeometry): tf.Tensor {
  const attrs = { kh: kernel[0], kw: kernel[1], padding: [g.padding[0], g.padding[1]] };
  return tf.engine().runKernel(CONV2D_FILTER_GRAD_NCHW, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Patch size `in·kh·kw` up to which {@link conv2dNchw} takes the NCHW filter gradient on wasm (the 1 → 32 conv: 9). */
const SMALL_PATCH = 16;

/**
 * `∂L/∂W` from NCHW `dy`, for small patches (`K = in·kh·kw ≤ 16`, groups 1, dilation 1):
 *
 *   ∂L/∂W[o, k] = Σ_m dyᵀ[o, m] · P[m, k],   m = (n, i, j),  k = (c, u, v)
 *
 * `P: [N·OH·OW, K]` is x's patches, gathered exactly by a forward convolution with a one-hot filter `[kh, kw, in, K]`;
 * `dyᵀ: [out, N·OH·OW]` is dy with batch and channel axes swapped. On wasm this [out, M] · [M, K] product is ~10 ms for
 * the 1 → 32 conv at batch 256 where the kernel's `[K, M] · [M, out]` packs dy as XNNPACK weights (~75 ms), and it needs
 * no NHWC copy of dy. With stride 1 where `@spikefn/kernels`' `SpikefnConv2dFilterGradNchw` runs in place
 * (`filterGradNchwInPlace()`: wasm with a shared heap, SIMD on) that kernel computes the sum directly from NCHW x and dy
 * instead (no patches, no transposes).
 */
function smallPatchWeightGrad(x: tf.Tensor, dy: tf.Tensor, kernel: readonly [number, number], g: Conv2dGeometry): tf.Tensor {
  const [kh, kw] = kernel;
  // the 1 → 32 conv's filter gradient ~41 → ~10 ms of kernel time per CNN step there (docs/performance.md)
  if (g.stride[0] === 1 && g.stride[1] === 1 && filterGradNchwInPlace()) return nchwFilterGrad(x, dy, kernel, g);
  return tf.tidy(() => {
    const [, c] = x.shape as [number, number];
    const [, o] = dy.shape as [number, number];
    const k = c * kh * kw;
    const [ph, pw] = g.padding;
    const onehot = tf.transpose(tf.reshape(tf.eye(k), [c, kh, kw, k]), [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, in, K]
    const patches = convNhwc(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, onehot, g.stride, [ph, ph, pw, pw], [1, 1]);
    const dyT = tf.reshape(tf.transpose(dy, [1, 0, 2, 3]), [o, -1]);
    return tf.reshape(tf.matMul(dyT, tf.reshape(patches, [-1, k])), [o, c, kh, kw]);
  });
}

/**
 * `forward(W')` on a detached copy W' of the weight, with W's gradient attached: tfjs's Conv2D then keeps `∂L/∂x` as
 * its lazy gradient (computed only when x needs one) and never asks for the filter's, and an identity on the output
 * gives W the gradient `weightGrad(x, dy)`. The copy (the weight is small) is left to the caller's tidy, like the
 * other intermediates here (the transposes): the tape may still need it.
 */
function withWeightGrad(
  x: tf.Tensor,
  weight: tf.Tensor,
  forward: (detached: tf.Tensor) => tf.Tensor,
  weightGrad: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const y = forward(tf.tensor(weight.dataSync(), weight.shape, 'float32'));
  const attach = (
    yIn: tf.Tensor,
    _weight: tf.Tensor,
    save: tf.GradSaveFunc,
  ): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } => {
    save([x]);
    return {
      value: tf.clone(yIn),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.clone(dy), weightGrad(saved[0] as tf.Tensor, dy)],
    };
  };
  return tf.customGrad(attach as unknown as Parameters<typeof tf.customGrad>[0])(y, weight);
}

/**
 * A one-group, stride-1 convolution where `@spikefn/kernels`' `SpikefnConv2dNchw` runs in place (`conv2dNchwInPlace()`:
 * wasm with a shared heap, SIMD on): that kernel, NCHW in and out, with its registered gradient (W's by
 * `SpikefnConv2dFilterGradNchw`, x's only where x needs one). The kernel picks its form from x: event-driven where x
 * is sparse (spikes), else dense (see `SpikefnConv2dNchw`).
 */
function conv2dNchwKernel(x: tf.Tensor, weight: tf.Tensor, g: Conv2dGeometry): tf.Tensor {
  const attrs = { padding: [g.padding[0], g.padding[1]] };
  return tf.engine().runKernel(CONV2D_NCHW, { x, weight }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * tfjs's NHWC Conv2D between layout transposes, with W's gradient `weightGrad` from NCHW x and the NCHW output's dy
 * ({@link withWeightGrad}: x's gradient stays tfjs's, computed only where x needs one).
 */
function nhwcWithNchwWeightGrad(
  x: tf.Tensor,
  weight: tf.Tensor,
  g: Conv2dGeometry,
  weightGrad: (x: tf.Tensor, dy: tf.Tensor, kernel: readonly [number, number], g: Conv2dGeometry) => tf.Tensor,
): tf.Tensor {
  const kernel = weight.shape.slice(2) as [number, number];
  return withWeightGrad(
    x,
    weight,
    (w) => toNchw(forwardNhwc(toNhwc(x), w, g)),
    (xs, dy) => weightGrad(xs, dy, kernel, g),
  );
}

/**
 * The wasm convolution with more than {@link SMALL_PATCH} patch entries: W's gradient from NCHW x and the NHWC
 * output's dy ({@link weightGradFromNhwcDy}) instead of tfjs's `Conv2DBackpropFilter`, which gets x in NHWC only;
 * `∂L/∂x` on spikefn's `Conv2DBackpropInput`.
 */
function conv2dNchwXWeightGrad(x: tf.Tensor, weight: tf.Tensor, g: Conv2dGeometry): tf.Tensor {
  const kernel = weight.shape.slice(2) as [number, number];
  return toNchw(
    withWeightGrad(
      x,
      weight,
      (w) => forwardNhwc(toNhwc(x), w, g),
      (xs, dyh) => weightGradFromNhwcDy(xs, dyh, kernel, g),
    ),
  );
}

/**
 * The convolution itself, NCHW, without bias: `x: [N, in, H, W]`, `weight: [out, in/groups, kh, kw]`. Differentiable
 * in both arguments: through tfjs's Conv2D gradient (on `@spikefn/kernels`' backprop kernels for cpu and wasm) for
 * dilation 1, through {@link conv2dInputGrad} and {@link conv2dWeightGrad} for dilated convolutions. On wasm (dilation
 * 1) a one-group, stride-1 convolution runs as `SpikefnConv2dNchw` where it runs in place ({@link conv2dNchwKernel}:
 * the kernel picks an event-driven form for sparse x, the spiking CNN's 32 → 32 layer, a dense one for patches
 * `in·kh·kw` of at most 16, the 1 → 32 input layer, and XNNPACK otherwise); other one-group convolutions with small
 * patches take W's gradient from NCHW x and dy ({@link smallPatchWeightGrad}), the rest from the NCHW x and tfjs's NHWC
 * dy (`kernelTuning.layerFilterGradFromNchw`). Checks nothing.
 *
 * @category layers
 */
export function conv2dNchw(x: tf.Tensor, weight: tf.Tensor, g: Conv2dGeometry): tf.Tensor {
  // tfjs's own gradient, on spikefn's backprop kernels where the backend is cpu or wasm (faster than the written-out
  // gradient: measured ~1.7× on cpu, ~1.1× on wasm for 3×3 convs at batch 256). tfjs's Conv2D gradient refuses
  // dilation > 1, so dilated convolutions take the written-out gradient.
  if (g.dilation[0] === 1 && g.dilation[1] === 1) {
    ensureRegistered();
    const [, c, kh, kw] = weight.shape as [number, number, number, number];
    if (tf.getBackend() === 'wasm') {
      if (g.groups === 1 && g.stride[0] === 1 && g.stride[1] === 1 && conv2dNchwInPlace()) return conv2dNchwKernel(x, weight, g);
      if (g.groups === 1 && c * kh * kw <= SMALL_PATCH) return nhwcWithNchwWeightGrad(x, weight, g, smallPatchWeightGrad);
      if (kernelTuning.layerFilterGradFromNchw) return conv2dNchwXWeightGrad(x, weight, g);
    }
    return toNchw(forwardNhwc(toNhwc(x), weight, g));
  }
  const [kh, kw] = weight.shape.slice(2) as [number, number];
  const f = (
    xIn: tf.Tensor,
    wIn: tf.Tensor,
    save: tf.GradSaveFunc,
  ): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } => {
    save([xIn, wIn]);
    const yh = forwardNhwc(nchwToNhwc(xIn), wIn, g);
    return {
      value: tf.transpose(yh, [0, 3, 1, 2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor, tf.Tensor];
        return [conv2dInputGrad(dy, ws, xs.shape, g), conv2dWeightGrad(xs, dy, [kh, kw], g)];
      },
    };
  };
  // tfjs types the custom function as variadic over `Tensor | GradSaveFunc`; ours takes (x, w, save).
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0])(x, weight);
}

/** The convolution with an optional bias `[out]`, NCHW. Checks nothing. @category layers */
export function conv2dApply(params: Conv2dParams, x: tf.Tensor, g: Conv2dGeometry): tf.Tensor {
  const y = conv2dNchw(x, params.weight, g);
  return params.bias === undefined ? y : tf.add(y, tf.reshape(params.bias, [1, -1, 1, 1]));
}

/** Checks an NCHW input against a convolution's channels and kernel extent. @category layers */
export function checkConvInput(
  fn: string,
  name: string,
  x: tf.Tensor | Shape,
  inChannels: number,
  kernel: readonly [number, number],
  g: Conv2dGeometry,
): void {
  rank(fn, name, x, 4, '[N, C, H, W]');
  dim(fn, name, x, 1, inChannels, 'inChannels');
  const shape = 'shape' in x ? x.shape : x;
  for (const axis of [0, 1] as const) {
    const size = shape[2 + axis] as number;
    if (convOutSize(size, kernel[axis], g.stride[axis], g.padding[axis], g.dilation[axis]) < 1) {
      throw new SpikefnArgumentError(
        fn,
        name,
        `a ${axis === 0 ? 'height' : 'width'} of at least ${(kernel[axis] - 1) * g.dilation[axis] + 1 - 2 * g.padding[axis]} (the dilated kernel minus padding)`,
        `shape [${shape.join(', ')}]`,
      );
    }
  }
}

/** A convolution's checked sizes: channels, kernel extent and geometry. @category layers */
export type Conv2dSizes = {
  readonly inC: number;
  readonly outC: number;
  readonly kernel: readonly [number, number];
  readonly g: Conv2dGeometry;
};

/** Checks a convolution's channels, kernel and geometry (groups must divide both channel counts). @category layers */
export function conv2dSizes(fn: string, config: Omit<Conv2dConfig, 'bias'>): Conv2dSizes {
  const inC = positiveInt(fn, 'inChannels', config.inChannels);
  const outC = positiveInt(fn, 'outChannels', config.outChannels);
  const kernel = pair(fn, 'kernelSize', config.kernelSize);
  const g = conv2dGeometry(fn, config);
  if (inC % g.groups !== 0) throw new SpikefnArgumentError(fn, 'groups', `a divisor of inChannels (${inC})`, String(g.groups));
  if (outC % g.groups !== 0) throw new SpikefnArgumentError(fn, 'groups', `a divisor of outChannels (${outC})`, String(g.groups));
  return { inC, outC, kernel, g };
}

/** A 2-d convolution layer, NCHW. @category layers */
export function conv2d(config: Conv2dConfig): Layer<Conv2dParams, Empty> {
  const fn = 'conv2d';
  const { inC, outC, kernel, g } = conv2dSizes(fn, config);
  const bias = config.bias ?? true;
  const fanIn = (inC / g.groups) * kernel[0] * kernel[1];
  return stateless({
    kind: fn,
    init: (key) => {
      const [kw, kb] = split2(key);
      const weight = kaimingUniform(kw, [outC, inC / g.groups, kernel[0], kernel[1]], fanIn);
      return bias ? { weight, bias: fanInUniform(kb, [outC], fanIn) } : { weight };
    },
    outputShape: (params, inputShape) => {
      checkConvInput(fn, 'inputShape', inputShape, inC, kernel, g);
      return conv2dOutputShape(inputShape, params.weight.shape, g);
    },
    apply: (params, x) => {
      checkConvInput(fn, 'x', x, inC, kernel, g);
      return conv2dApply(params, x, g);
    },
  });
}
