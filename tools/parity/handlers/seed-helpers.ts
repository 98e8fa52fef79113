/**
 * Helpers shared by the handlers of the seed's layers (layers.ts, containers.ts, stdp.ts): reading fixture fields
 * strictly, so that a field of an unexpected kind fails the case instead of being skipped.
 */
import * as tf from '@spikefn/core/tf';
import type { Nested } from '../fixtures.js';
import { expectClose, toTensor } from '../compare.js';
import { UnknownCaseError } from '../registry.js';

/** A field that must be present. */
export function field(rec: Record<string, Nested> | undefined, name: string, where: string): Nested {
  const v = rec?.[name];
  if (v === undefined) throw new UnknownCaseError(`${where}: missing field '${name}'`);
  return v;
}

/** A number field. */
export function num(rec: Record<string, Nested> | undefined, name: string, where: string): number {
  const v = field(rec, name, where);
  if (typeof v !== 'number') throw new UnknownCaseError(`${where}: field '${name}' is not a number (${JSON.stringify(v)})`);
  return v;
}

/** An optional number field (`null`/absent → the default). */
export function optNum(rec: Record<string, Nested> | undefined, name: string, dflt: number): number {
  const v = rec?.[name];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number') throw new UnknownCaseError(`field '${name}' is not a number (${JSON.stringify(v)})`);
  return v;
}

/** A tensor field. */
export const ten = (rec: Record<string, Nested> | undefined, name: string, where: string): tf.Tensor =>
  toTensor(field(rec, name, where), `${where}.${name}`);

/** A record field. */
export function rec(v: Nested | undefined, where: string): Record<string, Nested> {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v))
    throw new UnknownCaseError(`${where}: not a record (${JSON.stringify(v)?.slice(0, 60)})`);
  return v as Record<string, Nested>;
}

/** Throws UnknownCaseError for any key of `r` outside `known`. */
export function onlyKeys(r: Record<string, Nested> | undefined, known: readonly string[], where: string): void {
  for (const k of Object.keys(r ?? {})) if (!known.includes(k)) throw new UnknownCaseError(`${where}: unknown field '${k}'`);
}

/** Throws unless `cond`. */
export function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

/** Compares a tensor with a fixture value. */
export const close = (name: string, got: tf.Tensor | number, want: Nested, tol: 'value' | 'grad' | 'exact' = 'value'): void =>
  expectClose(name, got, want, tol);

/** `sum(f(...) * g)`. */
export const dot = (y: tf.Tensor, g: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, g));
