/**
 * Adam (Kingma & Ba, ICLR 2015) and AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019),
 * as PyTorch computes them. With `t` the 1-based update count:
 *
 *   g ← g + λ · p                       (Adam only: L2 weight decay, coupled into the gradient)
 *   m ← β₁ · m + (1 − β₁) · g
 *   v ← β₂ · v + (1 − β₂) · g²
 *   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
 *   p ← p − lr(t−1) · (m̂ / (√v̂ + ε) + λ · p)   (the λ · p term: AdamW only, decoupled)
 *
 * Defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8; weight decay 0 for Adam, 0.01 for AdamW (PyTorch's). As chains of
 * gradient transformations (the `addDecayedWeights` only where λ ≠ 0), applied with `p ← p + u`:
 *
 *   adam  = chain(addDecayedWeights(λ), scaleByAdam({ β₁, β₂, ε }), scaleBySchedule(t ↦ −lr(t)))
 *   adamw = chain(scaleByAdam({ β₁, β₂, ε }), addDecayedWeights(λ), scaleBySchedule(t ↦ −lr(t)))
 *
 * State: `{ count, mu, nu }` (scaleByAdam's; `mu` and `nu` with the params' structure, zeros at init), the layout of
 * spikefn 0.1.0, so checkpoints written before the optimisers were chains load unchanged.
 *
 * @category optimisers
 */
import { emptyTree, type Tree, checkFinite as finite, SpikefnArgumentError } from '@spikefn/core';
import { checkConfigRecord, checkOptimizerConfig } from '../optim-config.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { chain } from './chain.js';
import { asOptimizer, type Optimizer } from './optimizer.js';
import { scaleByAdam, type ScaleByAdamState } from './scale-by-adam.js';
import { scaleBySchedule } from './scale.js';
import { lrAt, type LearningRate } from './schedule.js';
import { withStateLayout } from './state-layout.js';
import type { GradientTransformation } from './transform.js';

/** Options of {@link adam} and {@link adamw}. @category optimisers */
export type AdamConfig = {
  /** The learning rate: a number or a {@link Schedule} of the 0-based update count. */
  readonly lr: LearningRate;
  /** β₁ in [0, 1), the decay of the first-moment average m. Default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1), the decay of the second-moment average v. Default 0.999. */
  readonly beta2?: number;
  /** ε > 0, added to √v̂. Default 1e-8. */
  readonly eps?: number;
  /** λ: coupled L2 decay for Adam (default 0), decoupled decay for AdamW (default 0.01). */
  readonly weightDecay?: number;
};
/** State of {@link adam} and {@link adamw}: {@link scaleByAdam}'s, `{ count, mu, nu }`. @category optimisers */
export type AdamState = ScaleByAdamState;

function make(fn: 'adam' | 'adamw', options: AdamConfig, decoupled: boolean): Optimizer<AdamState> {
  checkConfigRecord(fn, options);
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = decoupled ? 0.01 : 0 } = options;
  checkOptimizerConfig(fn, { lr, beta1, beta2, eps, weightDecay });
  if (typeof lr === 'number') finite(fn, 'lr', lr);
  for (const [name, b] of [
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(b >= 0 && b < 1)) throw new SpikefnArgumentError(fn, name, 'a number in [0, 1)', String(b));
  }
  if (!(eps > 0)) throw new SpikefnArgumentError(fn, 'eps', 'a number > 0', String(eps));
  finite(fn, 'weightDecay', weightDecay);
  const decay = weightDecay === 0 ? [] : [addDecayedWeights(weightDecay)];
  // Coupled decay enters before the moments, decoupled after them; the learning rate, with the sign of descent, last.
  const parts = [
    ...(decoupled ? [] : decay),
    scaleByAdam({ beta1, beta2, eps }),
    ...(decoupled ? decay : []),
    scaleBySchedule((t) => -lrAt(lr, t)),
  ];
  const iAdam = decoupled ? 0 : decay.length;
  const tx = chain(...(parts as GradientTransformation<Tree>[]));
  // Stored as spikefn 0.1.0's `{ count, mu, nu }`: scaleByAdam's state; the schedule's count equals its count.
  const toInner = (s: AdamState): Tree[] =>
    parts.map((_, i) => (i === iAdam ? s : i === parts.length - 1 ? { count: s.count } : emptyTree));
  const toOuter = (s: readonly Tree[]): AdamState => s[iAdam] as AdamState;
  return asOptimizer(fn, withStateLayout(tx as unknown as GradientTransformation<Tree[]>, toInner, toOuter));
}

/** Adam; `weightDecay` is PyTorch's coupled L2 term. @category optimisers */
export const adam = (options: AdamConfig): Optimizer<AdamState> => make('adam', options, false);

/** AdamW: Adam with decoupled weight decay (default 0.01). @category optimisers */
export const adamw = (options: AdamConfig): Optimizer<AdamState> => make('adamw', options, true);
