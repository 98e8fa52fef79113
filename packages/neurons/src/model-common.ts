/**
 * What the neurons built on {@link neuron} share: config checks, the empty-params check, and fire / reset against a
 * threshold that may be a tensor (ALIF's adaptive one).
 *
 *   fire     s = Θ(h − A)                  Θ(0) = 1; backward: surrogate'(h − A)
 *   reset    v = h·(1 − s) + V_reset·s     hard (vReset a number)
 *            v = h − A·s                   soft (vReset = null)
 *
 * With `detachReset` the s inside the reset is the same 0/1 value without a gradient.
 *
 * @category neurons
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import type { BaseSettings } from './neuron.js';

/** `value ?? fallback`, checked to be a finite number. @category neurons */
export function finiteConfig(fn: string, name: string, value: unknown, fallback: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new SpikefnArgumentError(fn, name, 'a finite number', typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));
  return v;
}

/** `value ?? fallback`, checked to be a finite number > 0. @category neurons */
export function positiveConfig(fn: string, name: string, value: unknown, fallback: number): number {
  const v = finiteConfig(fn, name, value, fallback);
  if (!(v > 0)) throw new SpikefnArgumentError(fn, name, 'a finite number > 0', String(v));
  return v;
}

/**
 * The Euler factor k = dt/τ in float32, checked to be in (0, 1] (τ ≥ dt: a step never overshoots the leak's fixed
 * point; k rounding to 0 would freeze the variable). `name` is the τ field. @category neurons
 */
export function eulerFactor(fn: string, name: string, tau: number, dt: number): number {
  const k = Math.fround(dt / tau);
  if (!(k > 0 && k <= 1))
    throw new SpikefnArgumentError(
      fn,
      name,
      `a time constant >= dt (${dt}) whose dt/τ is > 0 in float32 (dt/τ = ${dt / tau})`,
      String(tau),
    );
  return k;
}

/** Throws unless `params` is a record (these models have no learnable params: `{}`). @category neurons */
export function checkEmptyParams(fn: string, params: unknown): void {
  if (params === null || typeof params !== 'object') throw new SpikefnArgumentError(fn, 'params', 'the empty record {}', String(params));
}

/** s = Θ(h − A) with the settings' surrogate gradient; `threshold` is V_th or a tensor. @category neurons */
export function fireAt(settings: BaseSettings, h: tf.Tensor, threshold: number | tf.Tensor): tf.Tensor {
  return settings.surrogate.spike(tf.sub(h, threshold));
}

/** Hard `h·(1 − s) + V_reset·s` or soft `h − A·s` reset, s detached when `detachReset`. @category neurons */
export function resetAt(settings: BaseSettings, h: tf.Tensor, s: tf.Tensor, threshold: number | tf.Tensor): tf.Tensor {
  const sr = settings.detachReset ? tf.cast(tf.greaterEqual(h, threshold), 'float32') : s;
  if (settings.vReset === null) return tf.sub(h, tf.mul(sr, threshold));
  return tf.add(tf.mul(tf.sub(1, sr), h), tf.mul(sr, settings.vReset));
}
