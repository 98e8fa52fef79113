/**
 * The table of built-in surrogates by SpikingJelly class name (0.0.0.0.8's `clock_driven/surrogate.py`), each with
 * its default hyper-parameters.
 *
 * @category surrogates
 */
import { atan, erf, piecewiseExp, piecewiseLeakyRelu, piecewiseQuadratic, sigmoid, softSign, type Surrogate } from './surrogate.js';
import { nonzeroSignLogAbs, squarewaveFourierSeries } from './surrogate-extra.js';

/**
 * Every built-in surrogate by SpikingJelly class name, taking its first hyper-parameter (α; w for
 * `PiecewiseLeakyReLU`, n for `SquarewaveFourierSeries`) and the defaults for the rest.
 *
 * @category surrogates
 */
export const builtins: Readonly<Record<string, (alpha?: number) => Surrogate>> = Object.freeze({
  Sigmoid: sigmoid,
  ATan: atan,
  PiecewiseQuadratic: piecewiseQuadratic,
  PiecewiseExp: piecewiseExp,
  SoftSign: softSign,
  NonzeroSignLogAbs: nonzeroSignLogAbs,
  Erf: erf,
  PiecewiseLeakyReLU: (w?: number) => piecewiseLeakyRelu(w),
  SquarewaveFourierSeries: (n?: number) => squarewaveFourierSeries(n),
});
