/**
 * When the demo names a class and when it says "not sure". The network's answer is the output neuron that fires
 * most over the T steps (rate_c = spikes_c / T); the page names it only when that answer is clear:
 *
 *   silent   : every rate is 0 (no output neuron fired)                    → not sure
 *   tie      : the top rate is shared by two or more classes               → not sure
 *   low rate : the single top class fires on fewer than MIN_TOP_RATE of the steps (rate_top < MIN_TOP_RATE)
 *                                                                          → not sure
 *   otherwise: the top class                                               → named
 *
 * Silence and ties are `decide`'s `'abstain'` rule (`@spikefn/learning`, metrics); the rate threshold is the demo's.
 *
 * @category example
 */
import { SpikefnArgumentError } from '@spikefn/core';
import { ABSTAIN, decide } from '@spikefn/learning';

/**
 * The smallest top firing rate the page names a class for: the winning output neuron must fire on at least half of
 * the T steps. The shipped network fires at 0.75–1 on every held-out digit of `samples.json`, and at 0.5 or less on
 * most overlays of two different digits (an ambiguous drawing).
 */
export const MIN_TOP_RATE = 0.5;

/** Why the page is not sure: no output spike, a tie for the top rate, or a top rate below the threshold. */
export type UnsureReason = 'silent' | 'tie' | 'low-rate';

/** The page's reading of the output firing rates (see the module header). */
export type Verdict =
  | {
      readonly sure: true;
      /** The class named. */
      readonly predicted: number;
      /** Its rate, rate_top. */
      readonly top: number;
      /** The highest rate among the other classes. */
      readonly runnerUp: number;
    }
  | {
      readonly sure: false;
      readonly reason: UnsureReason;
      /** The classes sharing the top rate, lowest first (all classes when silent). */
      readonly candidates: readonly number[];
      readonly top: number;
      readonly runnerUp: number;
    };

/** Options of {@link verdict}. */
export type VerdictOptions = {
  /** The top rate below which the page is not sure; default {@link MIN_TOP_RATE}. A number in [0, 1]. */
  readonly minTopRate?: number;
};

/** Reads the output firing rates (one per class, each in [0, 1]) as the rule of the module header does. */
export function verdict(rates: ArrayLike<number>, options: VerdictOptions = {}): Verdict {
  const min = options.minTopRate ?? MIN_TOP_RATE;
  if (typeof min !== 'number' || !(min >= 0 && min <= 1))
    throw new SpikefnArgumentError('verdict', 'options.minTopRate', 'a number in [0, 1]', String(min));
  if (rates.length < 2) throw new SpikefnArgumentError('verdict', 'rates', 'at least 2 classes', `${rates.length} values`);
  for (let c = 0; c < rates.length; c++) {
    const r = rates[c] as number;
    if (!(r >= 0 && r <= 1)) throw new SpikefnArgumentError('verdict', 'rates', 'firing rates in [0, 1]', `${r} at class ${c}`);
  }
  const d = decide(rates, rates.length, { ties: 'abstain' });
  const all = Array.from(rates);
  const top = Math.max(...all);
  const candidates = all.flatMap((r, c) => (r === top ? [c] : []));
  const runnerUp = candidates.length > 1 ? top : Math.max(...all.filter((_, c) => c !== candidates[0]));
  if (d.silent > 0) return { sure: false, reason: 'silent', candidates, top, runnerUp };
  const predicted = d.predictions[0] as number;
  if (predicted === ABSTAIN) return { sure: false, reason: 'tie', candidates, top, runnerUp };
  if (top < min) return { sure: false, reason: 'low-rate', candidates, top, runnerUp };
  return { sure: true, predicted, top, runnerUp };
}

/** What the prediction panel shows for a verdict: a headline (the class name, or "not sure") and a detail line. */
export function describeVerdict(
  v: Verdict,
  classNames: readonly string[],
  minTopRate: number = MIN_TOP_RATE,
): { readonly headline: string; readonly detail: string } {
  const name = (c: number): string => classNames[c] ?? String(c);
  const list = (cs: readonly number[]): string => `${cs.slice(0, -1).map(name).join(', ')} and ${name(cs.at(-1) as number)}`;
  const rate = (r: number): string => r.toFixed(2);
  if (v.sure) return { headline: name(v.predicted), detail: `rate ${rate(v.top)}, runner-up ${rate(v.runnerUp)}` };
  switch (v.reason) {
    case 'silent':
      return { headline: 'not sure', detail: 'no output neuron fired' };
    case 'tie':
      return { headline: 'not sure', detail: `${list(v.candidates)} tie at rate ${rate(v.top)}` };
    case 'low-rate':
      return {
        headline: 'not sure',
        detail: `best guess ${name(v.candidates[0] as number)} at rate ${rate(v.top)}, below ${rate(minTopRate)}`,
      };
  }
}
