/**
 * Surrogate spike functions (Neftci, Mostafa & Zenke, "Surrogate Gradient Learning in Spiking Neural Networks",
 * IEEE Signal Processing Magazine 36(6), 2019; definitions and defaults from SpikingJelly's `clock_driven/surrogate.py`).
 *
 * A surrogate `g` is used two ways, as in SpikingJelly:
 *
 * - `spike(x)` (SpikingJelly's `spiking=True`): forward `heaviside(x)` with **heaviside(0) = 1**; backward
 *   `dy · g'(x)`, the smooth derivative below (built with `tf.customGrad`).
 * - `primitive(x)` (`spiking=False`): the smooth function `g(x)` itself, differentiable by ordinary autodiff.
 *
 * | function | primitive g(x) | derivative g'(x) | default |
 * |---|---|---|---|
 * | `sigmoid(α)` | σ(αx) | α·σ(αx)·(1 − σ(αx)) | α = 4 (SpikingJelly 0.0.0.0.8: 1) |
 * | `atan(α)` | atan(π/2·αx)/π + 1/2 | (α/2) / (1 + (π/2·αx)²) | α = 2 |
 * | `piecewiseQuadratic(α)` | 0 (x < −1/α); −α²/2·x·abs(x) + αx + 1/2 (abs(x) ≤ 1/α); 1 (x > 1/α) | max(0, α − α²·abs(x)) | α = 1 |
 * | `piecewiseExp(α)` | e^{αx}/2 (x < 0); 1 − e^{−αx}/2 (x ≥ 0) | (α/2)·e^{−α·abs(x)} | α = 1 |
 * | `softSign(α)` | (αx / (1 + abs(αx)) + 1)/2 | α / (2(1 + abs(αx))²) | α = 2 |
 * | `erf(α)` | (1 + erf(αx))/2 = erfc(−αx)/2 | (α/√π)·e^{−α²x²} | α = 2 |
 * | `piecewiseLeakyRelu(w, c)` | cx + cw (x < −w); x/(2w) + 1/2 (abs(x) ≤ w); cx − cw + 1 (x > w) | 1/w (abs(x) < w; with `windowSlope: '1/(2w)'`: 1/(2w)); c otherwise | w = 1, c = 0.01, 1/w |
 * | `nonzeroSignLogAbs(α)` (surrogate-extra.ts) | sign0(x)·log(1 + α·abs(x)), sign0(x) = 1 (x ≥ 0), −1 (x < 0) | 1/(1/α + abs(x)) | α = 1 |
 * | `squarewaveFourierSeries(n, T)` (surrogate-extra.ts) | 1/2 + (2/π)·Σ_{i=1}^{n−1} sin((2i − 1)ωx)/(2i − 1), ω = 2π/T | (4/T)·Σ_{i=1}^{n−1} cos((2i − 1)ωx) | n = 2, T = 8 |
 *
 * `derivative` is the derivative of `primitive` (a tested law, checked by finite differences), with one exception
 * kept from SpikingJelly 0.0.0.0.8: `piecewiseLeakyRelu`'s backward is 1/w inside the window, twice its primitive's
 * slope there (1/(2w)). That stays the default, so a network trains as under 0.0.0.0.8; the option
 * `{ windowSlope: '1/(2w)' }` gives current SpikingJelly's backward, which equals the primitive's slope (see
 * docs/neurons.md).
 *
 * `derivativeScalar` is the same derivative on one JavaScript number, for the fused neuron kernels.
 *
 * @category surrogates
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError, checkPositive as positive } from '@spikefn/core';
import { expNonPositive, type SurrogateHint } from '@spikefn/kernels';

/**
 * A surrogate spike function: a record of pure functions of a tensor `x = v − v_threshold`.
 *
 * @category surrogates
 */
export type Surrogate = {
  /** SpikingJelly's class name: `'Sigmoid'`, `'ATan'`, `'PiecewiseQuadratic'`, ... */
  readonly name: string;
  /** The sharpness α (for `piecewiseLeakyRelu`: the half-width w). */
  readonly alpha: number;
  /** Every hyper-parameter by name (`{ alpha: 4 }`, `{ w: 1, c: 0.01 }`), for printing and records. */
  readonly options: Readonly<Record<string, number>>;
  /** Heaviside forward (heaviside(0) = 1, float32 0/1), surrogate gradient `dy · derivative(x)` backward. */
  spike(x: tf.Tensor): tf.Tensor;
  /** The smooth primitive g(x) (SpikingJelly's `spiking=False` forward). */
  primitive(x: tf.Tensor): tf.Tensor;
  /** g'(x), element-wise. */
  derivative(x: tf.Tensor): tf.Tensor;
  /** g'(x) on one number (used inside the fused kernels). */
  derivativeScalar(x: number): number;
};

/** `heaviside(x)`: 1 where `x >= 0` (so heaviside(0) = 1), else 0, as float32. Its gradient is zero. @category surrogates */
export function heaviside(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greaterEqual(x, 0), 'float32'));
}

/**
 * What {@link surrogate} builds a {@link Surrogate} from: everything but `spike`. `derivative` must be the derivative
 * of `primitive`, and `derivativeScalar` the same derivative on one number.
 *
 * @category surrogates
 */
export type Definition = {
  /** A display name, e.g. SpikingJelly's class name `'Sigmoid'`. */
  readonly name: string;
  /** The sharpness α (or the parameter that plays its role). */
  readonly alpha: number;
  /** Every hyper-parameter by name, e.g. `{ alpha: 4 }`. */
  readonly options: Readonly<Record<string, number>>;
  /** The smooth primitive g(x), element-wise. */
  primitive(x: tf.Tensor): tf.Tensor;
  /** g'(x), element-wise: the gradient `spike` uses. */
  derivative(x: tf.Tensor): tf.Tensor;
  /** g'(x) on one number, for the fused kernels. */
  derivativeScalar(x: number): number;
};

/**
 * Builds a {@link Surrogate} from a primitive and its derivative. `spike` is Heaviside forward with
 * `derivative` as its gradient. Use it to define your own surrogate; the fused kernels accept any record made here.
 *
 * @category surrogates
 */
export function surrogate(def: Definition): Surrogate {
  const { derivative } = def;
  const spikeFn = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const t = x as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: heaviside(t),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0] as tf.Tensor)),
    };
  });
  return Object.freeze({
    name: def.name,
    alpha: def.alpha,
    options: Object.freeze({ ...def.options }),
    spike: (x: tf.Tensor) => spikeFn(x),
    primitive: (x: tf.Tensor) => tf.tidy(() => def.primitive(x)),
    derivative: (x: tf.Tensor) => tf.tidy(() => derivative(x)),
    derivativeScalar: def.derivativeScalar,
  });
}

/** Checks that `s` is a surrogate record (used by the neurons' config checks). @category surrogates */
export function isSurrogate(s: unknown): s is Surrogate {
  const r = s as Partial<Surrogate> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.name === 'string' &&
    typeof r.alpha === 'number' &&
    typeof r.spike === 'function' &&
    typeof r.primitive === 'function' &&
    typeof r.derivative === 'function' &&
    typeof r.derivativeScalar === 'function'
  );
}

const hints = new WeakMap<Surrogate, SurrogateHint>();

/** The {@link SurrogateHint} of a built-in surrogate record, if it is one. @internal */
export const surrogateHint = (s: Surrogate): SurrogateHint | undefined => hints.get(s);

/** Marks a built-in surrogate record with its {@link SurrogateHint}. @internal */
export const hinted = (s: Surrogate, hint: SurrogateHint): Surrogate => {
  hints.set(s, Object.freeze(hint));
  return s;
};

/**
 * Sigmoid surrogate: g(x) = σ(αx), g'(x) = α·σ(αx)·(1 − σ(αx)). Default α = 4 (SpikingJelly from Dec 2021;
 * release 0.0.0.0.8 defaults to 1).
 *
 * @category surrogates
 */
export function sigmoid(alpha = 4): Surrogate {
  positive('sigmoid', 'alpha', alpha);
  return hinted(
    surrogate({
      name: 'Sigmoid',
      alpha,
      options: { alpha },
      primitive: (x) => tf.sigmoid(tf.mul(x, alpha)),
      derivative: (x) => {
        const s = tf.sigmoid(tf.mul(x, alpha));
        return tf.mul(tf.mul(s, tf.sub(1, s)), alpha);
      },
      derivativeScalar: (x) => {
        // α·e/(1 + e)² with e = exp(−α·abs(x)): equal to α·σ·(1 − σ), and never overflows.
        const e = expNonPositive(-Math.abs(alpha * x));
        const q = 1 + e;
        return (alpha * e) / (q * q);
      },
    }),
    { kind: 'sigmoid', alpha },
  );
}

/** ATan surrogate: g(x) = atan(π/2·αx)/π + 1/2, g'(x) = (α/2)/(1 + (π/2·αx)²). Default α = 2. @category surrogates */
export function atan(alpha = 2): Surrogate {
  positive('atan', 'alpha', alpha);
  const halfPiAlpha = (Math.PI / 2) * alpha;
  const halfAlpha = alpha / 2;
  return hinted(
    surrogate({
      name: 'ATan',
      alpha,
      options: { alpha },
      primitive: (x) => tf.add(tf.div(tf.atan(tf.mul(x, halfPiAlpha)), Math.PI), 0.5),
      derivative: (x) => tf.div(halfAlpha, tf.add(1, tf.square(tf.mul(x, halfPiAlpha)))),
      derivativeScalar: (x) => {
        const u = halfPiAlpha * x;
        return halfAlpha / (1 + u * u);
      },
    }),
    { kind: 'atan', alpha },
  );
}

/**
 * Piecewise quadratic (triangle-derivative) surrogate: g'(x) = max(0, α − α²·abs(x)); g(x) = 0 below −1/α, 1 above
 * 1/α, −α²/2·x·abs(x) + αx + 1/2 between. Default α = 1 (Esser et al. 2016; Bellec et al. 2018).
 *
 * @category surrogates
 */
export function piecewiseQuadratic(alpha = 1): Surrogate {
  positive('piecewiseQuadratic', 'alpha', alpha);
  return hinted(
    surrogate({
      name: 'PiecewiseQuadratic',
      alpha,
      options: { alpha },
      // With u = clip(αx, −1, 1): g = u − u·abs(u)/2 + 1/2, which is 0 at u = −1 and 1 at u = 1.
      primitive: (x) => {
        const u = tf.clipByValue(tf.mul(x, alpha), -1, 1);
        return tf.add(tf.sub(u, tf.div(tf.mul(u, tf.abs(u)), 2)), 0.5);
      },
      derivative: (x) => tf.relu(tf.sub(alpha, tf.mul(tf.abs(x), alpha * alpha))),
      derivativeScalar: (x) => Math.max(0, alpha - alpha * alpha * Math.abs(x)),
    }),
    { kind: 'piecewiseQuadratic', alpha },
  );
}

/** Piecewise exponential surrogate: g'(x) = (α/2)·e^{−α·abs(x)}. Default α = 1 (Shrestha & Orchard 2018, SLAYER). @category surrogates */
export function piecewiseExp(alpha = 1): Surrogate {
  positive('piecewiseExp', 'alpha', alpha);
  const halfAlpha = alpha / 2;
  return hinted(
    surrogate({
      name: 'PiecewiseExp',
      alpha,
      options: { alpha },
      // As SpikingJelly: with sign0(x) = 2·heaviside(x) − 1 (a constant to autodiff), e = exp(−α·sign0(x)·x)/2 =
      // exp(−α·abs(x))/2 in both branches, so the unused branch never overflows, and autodiff gives α/2 at x = 0 (tfjs
      // differentiates abs at 0 as −1, which would give −α/2 there). (Only GreaterEqual among the tfjs comparisons has
      // a registered gradient, so every condition on x here is written with it.)
      primitive: (x) => {
        const nonNegative = tf.greaterEqual(x, 0);
        const sign0 = tf.sub(tf.mul(tf.cast(nonNegative, 'float32'), 2), 1);
        const e = tf.mul(tf.exp(tf.mul(tf.mul(x, sign0), -alpha)), 0.5);
        return tf.where(nonNegative, tf.sub(1, e), e);
      },
      derivative: (x) => tf.mul(tf.exp(tf.mul(tf.abs(x), -alpha)), halfAlpha),
      derivativeScalar: (x) => halfAlpha * expNonPositive(-alpha * Math.abs(x)),
    }),
    { kind: 'piecewiseExp', alpha },
  );
}

/** Soft-sign surrogate: g(x) = (αx/(1 + abs(αx)) + 1)/2, g'(x) = α/(2(1 + abs(αx))²). Default α = 2 (Zenke & Ganguli 2018, SuperSpike). @category surrogates */
export function softSign(alpha = 2): Surrogate {
  positive('softSign', 'alpha', alpha);
  return hinted(
    surrogate({
      name: 'SoftSign',
      alpha,
      options: { alpha },
      primitive: (x) => {
        const ax = tf.mul(x, alpha);
        return tf.div(tf.add(tf.div(ax, tf.add(1, tf.abs(ax))), 1), 2);
      },
      derivative: (x) => tf.div(alpha / 2, tf.square(tf.add(1, tf.abs(tf.mul(x, alpha))))),
      derivativeScalar: (x) => {
        const q = 1 + Math.abs(alpha * x);
        return alpha / (2 * q * q);
      },
    }),
    { kind: 'softSign', alpha },
  );
}

/** Gaussian-error surrogate: g(x) = (1 + erf(αx))/2 = erfc(−αx)/2, g'(x) = (α/√π)·e^{−α²x²}. Default α = 2 (Esser et al. 2015). @category surrogates */
export function erf(alpha = 2): Surrogate {
  positive('erf', 'alpha', alpha);
  const scale = alpha / Math.sqrt(Math.PI);
  return hinted(
    surrogate({
      name: 'Erf',
      alpha,
      options: { alpha },
      primitive: (x) => tf.div(tf.add(tf.erf(tf.mul(x, alpha)), 1), 2),
      derivative: (x) => tf.mul(tf.exp(tf.neg(tf.square(tf.mul(x, alpha)))), scale),
      derivativeScalar: (x) => {
        const u = alpha * x;
        return scale * expNonPositive(-u * u);
      },
    }),
    { kind: 'erf', alpha },
  );
}

/**
 * Options of {@link piecewiseLeakyRelu}.
 *
 * @category surrogates
 */
export type PiecewiseLeakyReluOptions = {
  /**
   * The backward's slope inside the window abs(x) < w:
   *
   * - `'1/w'` (default): SpikingJelly 0.0.0.0.8's `piecewise_leaky_relu.backward` (`masked_fill(abs(x) < w, 1 / w)`),
   *   twice the primitive's slope there. The seed's parity fixtures pin it.
   * - `'1/(2w)'`: current SpikingJelly's `piecewise_leaky_relu_backward` (`1 / (2*w)`), equal to the primitive's slope,
   *   so `derivative` is the primitive's derivative everywhere but at the kinks x = ±w.
   *
   * Pick the one of the release your model was trained with: the two give gradients 2x apart inside the window.
   */
  readonly windowSlope?: '1/w' | '1/(2w)';
};

/**
 * Piecewise leaky-ReLU surrogate (Wu et al. 2018, STBP), as SpikingJelly computes it. Backward: g'(x) = s for
 * abs(x) < w and c for abs(x) ≥ w, where the window slope s is 1/w (SpikingJelly 0.0.0.0.8, the default) or 1/(2w)
 * (current SpikingJelly; `options.windowSlope`). Primitive: g(x) = cx + cw (x < −w), x/(2w) + 1/2 (abs(x) ≤ w),
 * cx − cw + 1 (x > w). With the default, the backward is twice the primitive's slope inside the window, as in
 * SpikingJelly 0.0.0.0.8, so training matches it value for value. Defaults w = 1, c = 0.01. `alpha` is w; `options`
 * holds `{ w, c, windowSlope }` with the slope as a number (1/w or 1/(2w)).
 *
 * @category surrogates
 */
export function piecewiseLeakyRelu(w = 1, c = 0.01, options: PiecewiseLeakyReluOptions = {}): Surrogate {
  positive('piecewiseLeakyRelu', 'w', w);
  if (typeof c !== 'number' || !Number.isFinite(c) || c < 0)
    throw new SpikefnArgumentError('piecewiseLeakyRelu', 'c', 'a finite number >= 0', String(c));
  if (options === null || typeof options !== 'object')
    throw new SpikefnArgumentError(
      'piecewiseLeakyRelu',
      'options',
      "an options record ({ windowSlope?: '1/w' | '1/(2w)' })",
      String(options),
    );
  const convention = options.windowSlope ?? '1/w';
  if (convention !== '1/w' && convention !== '1/(2w)')
    throw new SpikefnArgumentError('piecewiseLeakyRelu', 'options.windowSlope', "'1/w' or '1/(2w)'", JSON.stringify(convention));
  const inner = 1 / (2 * w);
  const slope = convention === '1/w' ? 1 / w : inner;
  return hinted(
    surrogate({
      name: 'PiecewiseLeakyReLU',
      alpha: w,
      options: { w, c, windowSlope: slope },
      primitive: (x) =>
        tf.where(
          tf.greaterEqual(x, -w),
          tf.where(tf.greaterEqual(w, x), tf.add(tf.mul(x, inner), 0.5), tf.add(tf.mul(x, c), 1 - c * w)),
          tf.add(tf.mul(x, c), c * w),
        ),
      derivative: (x) => tf.where(tf.less(tf.abs(x), w), tf.fill(x.shape, slope), tf.fill(x.shape, c)),
      derivativeScalar: (x) => (Math.abs(x) < w ? slope : c),
    }),
    { kind: 'piecewiseLeakyRelu', alpha: w, c, slope },
  );
}
