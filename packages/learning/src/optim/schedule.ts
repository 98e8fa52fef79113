/**
 * Learning-rate schedules: pure functions of the update count `step` (0 for the first update) to a learning rate.
 *
 *   constant(lr)(t)                        = lr
 *   stepDecay({lr, stepSize, gamma})(t)    = lr · γ^⌊t / stepSize⌋                        (PyTorch StepLR)
 *   cosineDecay({lr, decaySteps, alpha})(t) = lr · (α + (1 - α) · ½ (1 + cos(π · min(t, N) / N)))  (Loshchilov & Hutter, SGDR, 2017; optax.cosine_decay_schedule)
 *   warmup({steps, schedule})(t)            = schedule(0) · (t + 1) / steps for t < steps, then schedule(t - steps)
 *
 * @category optimisers
 */
import {
  checkFinite as finite,
  checkNonNegativeInt as nonNegativeInt,
  checkPositiveInt as positiveInt,
  SpikefnArgumentError,
} from '@spikefn/core';

/** A learning-rate schedule: update count → learning rate. @category optimisers */
export type Schedule = (step: number) => number;

/** A fixed learning rate or a schedule. @category optimisers */
export type LearningRate = number | Schedule;

/** Reads a learning rate at `step`. @category optimisers */
export const lrAt = (lr: LearningRate, step: number): number => (typeof lr === 'number' ? lr : lr(step));

/** A constant learning rate. @category optimisers */
export const constant = (lr: number): Schedule => {
  finite('constant', 'lr', lr);
  return () => lr;
};

/** `lr · gamma^⌊step / stepSize⌋` (PyTorch `StepLR`). @category optimisers */
export function stepDecay(options: { readonly lr: number; readonly stepSize: number; readonly gamma?: number }): Schedule {
  const { lr, stepSize, gamma = 0.1 } = options;
  finite('stepDecay', 'lr', lr);
  positiveInt('stepDecay', 'stepSize', stepSize);
  finite('stepDecay', 'gamma', gamma);
  return (t) => lr * gamma ** Math.floor(t / stepSize);
}

/** Cosine decay from `lr` to `alpha · lr` over `decaySteps` updates, then flat. @category optimisers */
export function cosineDecay(options: { readonly lr: number; readonly decaySteps: number; readonly alpha?: number }): Schedule {
  const { lr, decaySteps, alpha = 0 } = options;
  finite('cosineDecay', 'lr', lr);
  positiveInt('cosineDecay', 'decaySteps', decaySteps);
  if (!(alpha >= 0 && alpha <= 1)) throw new SpikefnArgumentError('cosineDecay', 'alpha', 'a number in [0, 1]', String(alpha));
  return (t) => lr * (alpha + (1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, decaySteps)) / decaySteps)));
}

/** Linear warm-up over `steps` updates to `schedule(0)`, then `schedule` shifted by `steps`. @category optimisers */
export function warmup(options: { readonly steps: number; readonly schedule: LearningRate }): Schedule {
  const { steps, schedule } = options;
  nonNegativeInt('warmup', 'steps', steps);
  return (t) => (t < steps ? (lrAt(schedule, 0) * (t + 1)) / steps : lrAt(schedule, t - steps));
}
