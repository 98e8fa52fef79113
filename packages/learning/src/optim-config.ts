/**
 * Checks of optimiser hyper-parameters, shared by the optimiser constructors (one call each), with PyTorch's rules
 * (`torch.optim.Adam`/`SGD` raise `ValueError` for the same values):
 *
 *   lr             a finite number ≥ 0, or a schedule (a function of the step count)
 *   weightDecay    a finite number ≥ 0
 *   momentum, β₁, β₂  numbers in [0, 1)
 *   eps            a finite number > 0
 *
 * A negative learning rate ascends the loss, a NaN one makes every parameter NaN at the first update: both are
 * refused with a `SpikefnArgumentError` naming the constructor and the option.
 *
 * @category optimisers
 */
import { SpikefnArgumentError } from '@spikefn/core';
import type { LearningRate } from './optim/schedule.js';

/** The options {@link checkOptimizerConfig} knows (absent ones are not checked). @category optimisers */
export type OptimizerConfigValues = {
  /** The learning rate or schedule. */
  readonly lr?: LearningRate | undefined;
  /** The weight decay λ. */
  readonly weightDecay?: number | undefined;
  /** SGD's momentum μ. */
  readonly momentum?: number | undefined;
  /** Adam's β₁. */
  readonly beta1?: number | undefined;
  /** Adam's β₂. */
  readonly beta2?: number | undefined;
  /** Adam's ε. */
  readonly eps?: number | undefined;
};

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

/**
 * Throws a `SpikefnArgumentError` naming `fn` and the option unless every given option is valid (see the module
 * header). Call it at the top of an optimiser constructor: `checkOptimizerConfig('adam', { lr, beta1, beta2, eps, weightDecay })`.
 *
 * @category optimisers
 */
export function checkOptimizerConfig(fn: string, config: OptimizerConfigValues): void {
  const { lr, weightDecay, momentum, beta1, beta2, eps } = config;
  if (lr === undefined)
    throw new SpikefnArgumentError(fn, 'lr', 'a learning rate (a number >= 0 or a schedule); it has no default', 'undefined');
  if (lr !== undefined && typeof lr !== 'function' && !(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0))
    throw new SpikefnArgumentError(fn, 'lr', 'a finite number >= 0 or a schedule (step) => number', show(lr));
  if (weightDecay !== undefined && !(typeof weightDecay === 'number' && Number.isFinite(weightDecay) && weightDecay >= 0))
    throw new SpikefnArgumentError(fn, 'weightDecay', 'a finite number >= 0', show(weightDecay));
  for (const [name, b] of [
    ['momentum', momentum],
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (b !== undefined && !(typeof b === 'number' && b >= 0 && b < 1))
      throw new SpikefnArgumentError(fn, name, 'a number in [0, 1)', show(b));
  }
  if (eps !== undefined && !(typeof eps === 'number' && Number.isFinite(eps) && eps > 0))
    throw new SpikefnArgumentError(fn, 'eps', 'a finite number > 0', show(eps));
}

/** Throws unless an optimiser constructor got a config record (`adam()` or `sgd(null)` name the argument). */
export function checkConfigRecord(fn: string, config: unknown): void {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new SpikefnArgumentError(fn, 'config', 'a config record such as { lr: 1e-3 }', show(config));
}
