/**
 * Frames from events, as SpikingJelly's `datasets.integrate_events_by_fixed_frames_number` and
 * `datasets.integrate_events_by_fixed_duration` make them: the events are cut into segments and each segment is
 * counted into a two-channel frame (channel 0: OFF events, p = 0; channel 1: ON events, p = 1):
 *
 *   F_j(c, y, x) = #{ i ∈ [l_j, r_j) : p_i = c, y_i = y, x_i = x }
 *
 * Segments of a fixed number M of frames, from N events with times t_0 ≤ … ≤ t_{N−1}:
 *
 *   split by 'number':  l_j = ⌊N/M⌋·j,  r_j = ⌊N/M⌋·(j+1) for j < M−1,  r_{M−1} = N
 *   split by 'time':    Δ = ⌊(t_{N−1} − t_0)/M⌋,  l_j = min{ i : t_i ≥ t_0 + Δ·j },
 *                       r_j = min{ i : t_i ≥ t_0 + Δ·(j+1) } for j < M−1,  r_{M−1} = N
 *
 * (SpikingJelly's `cal_fixed_frames_number_segment_index`; where one of its time windows holds no event SpikingJelly
 * raises an IndexError, here that frame is empty.) Segments of a fixed duration D (µs, from time 0): frame j holds
 * the events with ⌊t_i/D⌋ = j, for j < K−1, and the last frame every event after, K = max(1, ⌈t_{N−1}/D⌉).
 *
 * {@link integrateEvents} returns one sample's frames `[T, 2, H, W]` as a Float32Array; {@link eventFrames} a
 * batch as a tensor `[T, B, 2, H, W]`, the layout of spikefn's multi-step layers.
 *
 * @category events
 */
import * as tf from '@spikefn/core/tf';
import { checkPositiveInt, SpikefnArgumentError } from '@spikefn/core';
import type { Events, SensorSize } from './events.js';

/** How {@link integrateEvents} cuts events into a fixed number of frames. @category events */
export type SplitBy = 'number' | 'time';

/** Options of {@link integrateEvents} and {@link eventFrames}. @category events */
export type FrameOptions = SensorSize & {
  /** The number of frames T. */
  readonly frames: number;
  /** Equal event counts (`'number'`) or equal time windows (`'time'`) per frame. */
  readonly splitBy: SplitBy;
};

function checkEvents(fn: string, e: Events, size: SensorSize, sorted: boolean): void {
  checkPositiveInt(fn, 'height', size.height);
  checkPositiveInt(fn, 'width', size.width);
  const n = e.t.length;
  if (e.x.length !== n || e.y.length !== n || e.p.length !== n)
    throw new SpikefnArgumentError(fn, 'events', 't, x, y and p of one length', `${n}, ${e.x.length}, ${e.y.length}, ${e.p.length}`);
  for (let i = 0; i < n; i++) {
    if ((e.x[i] as number) >= size.width || (e.y[i] as number) >= size.height)
      throw new SpikefnArgumentError(
        fn,
        'events',
        `pixels inside the ${size.height} × ${size.width} sensor`,
        `x ${e.x[i]}, y ${e.y[i]} at event ${i}`,
      );
    if (sorted && i > 0 && (e.t[i] as number) < (e.t[i - 1] as number))
      throw new SpikefnArgumentError(fn, 'events', 'times in non-decreasing order', `t ${e.t[i]} after ${e.t[i - 1]} at event ${i}`);
    if (!Number.isFinite(e.t[i] as number)) throw new SpikefnArgumentError(fn, 'events', 'finite times', `${e.t[i]} at event ${i}`);
  }
}

/** The first index with `t[i] ≥ v` (t non-decreasing). */
function lowerBound(t: Float64Array, v: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The segments `[l_j, r_j)` of `frames` frames (the equations of the module header), as two arrays of event indices.
 *
 * @category events
 */
export function frameSegments(
  t: Float64Array,
  frames: number,
  splitBy: SplitBy,
): {
  /** l_j: the first event of frame j. */
  readonly start: Int32Array;
  /** r_j: one past the last event of frame j. */
  readonly end: Int32Array;
} {
  checkPositiveInt('frameSegments', 'frames', frames);
  if (splitBy !== 'number' && splitBy !== 'time')
    throw new SpikefnArgumentError('frameSegments', 'splitBy', "'number' or 'time'", String(splitBy));
  const n = t.length;
  const start = new Int32Array(frames);
  const end = new Int32Array(frames);
  if (splitBy === 'number') {
    const di = Math.floor(n / frames);
    for (let j = 0; j < frames; j++) {
      start[j] = j * di;
      end[j] = j === frames - 1 ? n : (j + 1) * di;
    }
  } else if (n > 0) {
    const t0 = t[0] as number;
    const dt = Math.floor(((t[n - 1] as number) - t0) / frames);
    for (let j = 0; j < frames; j++) {
      start[j] = lowerBound(t, t0 + dt * j);
      end[j] = j === frames - 1 ? n : lowerBound(t, t0 + dt * (j + 1));
    }
    // dt = 0 (all events within fewer than `frames` µs): the windows [t0, t0) are empty, the last frame has every event
  }
  return { start, end };
}

/** Adds events [l, r) into `out` at `offset` as a [2, H, W] frame. */
function countInto(out: Float32Array, offset: number, e: Events, l: number, r: number, W: number, HW: number): void {
  for (let i = l; i < r; i++) {
    const c = (e.p[i] as number) === 0 ? 0 : 1;
    const k = offset + c * HW + (e.y[i] as number) * W + (e.x[i] as number);
    out[k] = (out[k] as number) + 1;
  }
}

/**
 * One sample's events integrated into `options.frames` frames `[T, 2, H, W]` (row-major in a Float32Array), split by
 * event count or by time (module header). Events must lie on the sensor, and for `'time'` be in time order.
 *
 * @category events
 */
export function integrateEvents(events: Events, options: FrameOptions): Float32Array {
  checkEvents('integrateEvents', events, options, options.splitBy === 'time');
  const { start, end } = frameSegments(events.t, options.frames, options.splitBy);
  const HW = options.height * options.width;
  const out = new Float32Array(options.frames * 2 * HW);
  for (let j = 0; j < options.frames; j++) countInto(out, j * 2 * HW, events, start[j] as number, end[j] as number, options.width, HW);
  return out;
}

/**
 * One sample's events integrated into frames of `duration` µs each (module header): `frames` holds `count` frames
 * `[count, 2, H, W]`. Events must be in time order, with times ≥ 0.
 *
 * @category events
 */
export function integrateEventsByDuration(
  events: Events,
  duration: number,
  size: SensorSize,
): {
  /** `count × 2 × H × W` counts. */
  readonly frames: Float32Array;
  /** The number of frames K. */
  readonly count: number;
} {
  checkEvents('integrateEventsByDuration', events, size, true);
  if (!(Number.isFinite(duration) && duration > 0))
    throw new SpikefnArgumentError('integrateEventsByDuration', 'duration', 'a finite number of µs > 0', String(duration));
  const n = events.t.length;
  if (n > 0 && (events.t[0] as number) < 0)
    throw new SpikefnArgumentError('integrateEventsByDuration', 'events', 'times >= 0', String(events.t[0]));
  const count = n === 0 ? 1 : Math.max(1, Math.ceil((events.t[n - 1] as number) / duration));
  const HW = size.height * size.width;
  const frames = new Float32Array(count * 2 * HW);
  let left = 0;
  for (let j = 0; j < count; j++) {
    const right = j === count - 1 ? n : lowerBound(events.t, (j + 1) * duration);
    countInto(frames, j * 2 * HW, events, left, right, size.width, HW);
    left = right;
  }
  return { frames, count };
}

/**
 * A batch of samples as one tensor `[T, B, 2, H, W]` (time first, as spikefn's multi-step layers take it):
 * each sample integrated by {@link integrateEvents}.
 *
 * @category events
 */
export function eventFrames(samples: readonly Events[], options: FrameOptions): tf.Tensor5D {
  if (samples.length === 0) throw new SpikefnArgumentError('eventFrames', 'samples', 'at least one sample', 'none');
  const T = options.frames;
  const B = samples.length;
  const per = 2 * options.height * options.width;
  const out = new Float32Array(T * B * per);
  samples.forEach((s, b) => {
    const f = integrateEvents(s, options);
    for (let t = 0; t < T; t++) out.set(f.subarray(t * per, (t + 1) * per), (t * B + b) * per);
  });
  return tf.tensor5d(out, [T, B, 2, options.height, options.width]);
}
