/**
 * Axis labels of the spike rasters (pure: the page lays them out in HTML next to each raster canvas).
 *
 * @category example
 */
import { SpikefnArgumentError } from '@spikefn/core';

/**
 * Labels of the time axis for `T` steps, one per raster column: `'0'`, `'1'`, …, `'T−1'` when `T ≤ maxTicks`;
 * otherwise every k-th step with k = ⌈T / maxTicks⌉ (always step 0), the others `''` so that columns stay aligned.
 */
export function stepTicks(T: number, maxTicks = 16): string[] {
  if (!Number.isInteger(T) || T < 1) throw new SpikefnArgumentError('stepTicks', 'T', 'an integer >= 1', String(T));
  if (!Number.isInteger(maxTicks) || maxTicks < 1)
    throw new SpikefnArgumentError('stepTicks', 'maxTicks', 'an integer >= 1', String(maxTicks));
  const k = Math.ceil(T / maxTicks);
  return Array.from({ length: T }, (_, t) => (t % k === 0 ? String(t) : ''));
}
