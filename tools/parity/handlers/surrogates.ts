/**
 * Parity of the surrogates of `@spikefn/neurons` with every surrogate class of SpikingJelly 0.0.0.0.8's
 * `surrogate.py` beyond Sigmoid / ATan (`surrogate_more.json`): PiecewiseQuadratic, PiecewiseExp, SoftSign,
 * NonzeroSignLogAbs, Erf, PiecewiseLeakyReLU, SquarewaveFourierSeries. For every case:
 *
 * - `spike` (Heaviside forward) exactly; `primitive` (`spiking=False`) at value tolerance;
 * - `grads.x`, the gradient of `sum(spike · g)` through the surrogate backward, at gradient tolerance;
 * - `grads.x_primitive`, autodiff of `sum(primitive · g)`, at gradient tolerance (spikefn's primitive is
 *   differentiated by tfjs's autodiff the same way);
 * - `derivativeScalar` (what the fused neuron kernels call) against `derivative`;
 * - where a case says every argument is the library default, spikefn's defaults give the same hyper-parameters.
 *
 * SpikingJelly's surprises, and how spikefn meets them:
 *
 * - PiecewiseQuadratic's spiking backward raises in 0.0.0.0.8 (`save_for_backward` of a float); its `grads.x` is the
 *   docstring formula, which is what spikefn's backward computes (it works).
 * - PiecewiseLeakyReLU's backward (1/w inside the window) is twice its primitive's slope: spikefn's default
 *   (`windowSlope: '1/w'`) matches `grads.x`; the other convention (`'1/(2w)'`, current SpikingJelly) is checked
 *   against `grads.x_primitive` away from the kinks abs(x) = w, where the backward gives c (strict <).
 * - SquarewaveFourierSeries(n) sums n − 1 harmonics; spikefn's `squarewaveFourierSeries(n)` does too (n = 1: zero
 *   gradient, primitive 1/2).
 */
import * as tf from '@spikefn/core/tf';
import {
  erf,
  nonzeroSignLogAbs,
  piecewiseExp,
  piecewiseLeakyRelu,
  piecewiseQuadratic,
  softSign,
  squarewaveFourierSeries,
  type Surrogate,
} from '@spikefn/neurons';
import type { FixtureCase, Nested } from '../fixtures.js';
import { register, UnknownCaseError } from '../registry.js';
import { check, close, field, num, onlyKeys, rec, ten } from './seed-helpers.js';

const ONE_ALPHA: Readonly<Record<string, (alpha?: number) => Surrogate>> = {
  PiecewiseQuadratic: piecewiseQuadratic,
  PiecewiseExp: piecewiseExp,
  SoftSign: softSign,
  NonzeroSignLogAbs: nonzeroSignLogAbs,
  Erf: erf,
};

/** The surrogate a case names, from its full parameters, and the one spikefn's defaults give. */
function surrogateOf(c: FixtureCase, spec: Record<string, Nested>): { s: Surrogate; defaults: Surrogate } {
  const name = field(spec, 'name', c.id);
  if (spec['spiking'] !== true) throw new UnknownCaseError(`${c.id}: surrogate with spiking=${String(spec['spiking'])}`);
  const common = ['name', 'spiking', 'constructor_args', 'all_args_are_library_default'];
  if (typeof name === 'string' && name in ONE_ALPHA) {
    onlyKeys(spec, [...common, 'alpha'], `${c.id}.config.surrogate`);
    const make = ONE_ALPHA[name] as (alpha?: number) => Surrogate;
    return { s: make(num(spec, 'alpha', c.id)), defaults: make() };
  }
  if (name === 'PiecewiseLeakyReLU') {
    onlyKeys(spec, [...common, 'w', 'c'], `${c.id}.config.surrogate`);
    return { s: piecewiseLeakyRelu(num(spec, 'w', c.id), num(spec, 'c', c.id)), defaults: piecewiseLeakyRelu() };
  }
  if (name === 'SquarewaveFourierSeries') {
    onlyKeys(spec, [...common, 'n', 'T_period'], `${c.id}.config.surrogate`);
    return { s: squarewaveFourierSeries(num(spec, 'n', c.id), num(spec, 'T_period', c.id)), defaults: squarewaveFourierSeries() };
  }
  throw new UnknownCaseError(`${c.id}: surrogate '${String(name)}'`);
}

function checkCase(c: FixtureCase): void {
  const cfg = c.config;
  onlyKeys(cfg, ['surrogate', 'input_shape', 'loss_for_grads', 'grads_x_source'], `${c.id}.config`);
  if (cfg['loss_for_grads'] !== 'sum(spike * g)') throw new UnknownCaseError(`${c.id}: loss '${String(cfg['loss_for_grads'])}'`);
  onlyKeys(c.inputs, ['x', 'g'], `${c.id}.inputs`);
  onlyKeys(c.outputs, ['spike', 'primitive'], `${c.id}.outputs`);
  onlyKeys(c.grads, ['x', 'x_primitive'], `${c.id}.grads`);
  const spec = rec(cfg['surrogate'], `${c.id}.config.surrogate`);
  const { s, defaults } = surrogateOf(c, spec);
  if (spec['all_args_are_library_default'] === true) {
    // SpikingJelly's defaults for this class are spikefn's.
    for (const [k, v] of Object.entries(defaults.options)) {
      const sjKey = k === 'tPeriod' ? 'T_period' : k;
      if (k === 'windowSlope') check(v === 1 / (defaults.options['w'] as number), `${c.id}: default windowSlope ${v}`);
      else check(spec[sjKey] === v, `${c.id}: spikefn's default ${k} = ${v}, SpikingJelly's ${JSON.stringify(spec[sjKey])}`);
    }
  }
  const x = ten(c.inputs, 'x', c.id);
  const g = ten(c.inputs, 'g', c.id);
  close('spike', s.spike(x), field(c.outputs, 'spike', c.id), 'exact');
  close('primitive', s.primitive(x), field(c.outputs, 'primitive', c.id), 'value');
  close('grad x (surrogate backward)', tf.grad((t: tf.Tensor) => tf.sum(tf.mul(s.spike(t), g)))(x), field(c.grads, 'x', c.id), 'grad');
  close(
    'grad x (autodiff of the primitive)',
    tf.grad((t: tf.Tensor) => tf.sum(tf.mul(s.primitive(t), g)))(x),
    field(c.grads, 'x_primitive', c.id),
    'grad',
  );
  // The fused kernels' scalar derivative agrees with the tensor one, to float32 rounding of the largest term (a
  // Fourier sum near 0 is a cancellation of terms of size 4/T).
  const d = s.derivative(x).dataSync();
  const scale = 1 + Math.max(...Array.from(d, Math.abs), Math.abs(s.derivativeScalar(0)));
  x.dataSync().forEach((xi, i) => {
    const want = d[i] as number;
    const got = s.derivativeScalar(xi);
    check(Math.abs(got - want) <= 1e-6 * scale + 1e-5 * Math.abs(want), `derivativeScalar(${xi}) = ${got}, derivative = ${want}`);
  });
  if (s.name === 'PiecewiseLeakyReLU') {
    // Current SpikingJelly's convention: the backward is the primitive's slope, so it matches autodiff of the
    // primitive everywhere but at abs(x) = w (there the backward gives c, the primitive's middle piece 1/(2w)).
    const w = num(spec, 'w', c.id);
    const half = piecewiseLeakyRelu(w, num(spec, 'c', c.id), { windowSlope: '1/(2w)' });
    const got = tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(half.spike(t), g)))(x)
      .dataSync();
    const want = (field(c.grads, 'x_primitive', c.id) as unknown[]).flat(Infinity).map(Number);
    const xs = x.dataSync();
    want.forEach((wi, i) => {
      if (Math.abs(xs[i] as number) === Math.fround(w)) return;
      const gi = got[i] as number;
      check(
        Math.abs(gi - wi) <= 1e-4 + 1e-3 * Math.abs(wi),
        `windowSlope '1/(2w)': grad at x = ${xs[i]} is ${gi}, autodiff of the primitive ${wi}`,
      );
    });
  }
}

register('surrogate_more', checkCase);
