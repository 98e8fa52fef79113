/**
 * The surrogate table of the fused neuron kernels. Kernel attributes must be plain values, so a surrogate travels
 * to the backward kernel as an id: {@link surrogateDerivativeId} assigns one per derivative function (on first use)
 * and the kernels look the scalar derivative (and its inlining hint) up by id. Few surrogates exist per program, so
 * the table is never pruned.
 *
 * The table lives on the global object (a `Symbol.for` key), like tfjs's own registries, so that two copies of this
 * module in one process (bundles, test isolation) hand out the same ids for the kernels registered by either.
 *
 * @module
 */
import type { ScalarSurrogate, SurrogateHint } from './loops.js';

type Table = { readonly ids: WeakMap<object, number>; readonly byId: Map<number, ScalarSurrogate> };

const TABLE = Symbol.for('@spikefn/kernels#surrogates');

function table(): Table {
  const g = globalThis as unknown as Record<symbol, Table | undefined>;
  let t = g[TABLE];
  if (t === undefined) {
    t = { ids: new WeakMap(), byId: new Map() };
    g[TABLE] = t;
  }
  return t;
}

/**
 * The id of a surrogate in the kernels' table: `owner` is the object that identifies it (a surrogate record),
 * `derivative` its scalar derivative g'(z), `hint` (optional) lets the backward inline the built-in sigmoid or atan.
 * The same owner always gets the same id.
 *
 * @category neuron kernels
 */
export function surrogateDerivativeId(owner: object, derivative: (z: number) => number, hint?: SurrogateHint): number {
  const t = table();
  let id = t.ids.get(owner);
  if (id === undefined) {
    id = t.byId.size + 1;
    t.ids.set(owner, id);
    t.byId.set(id, { derivative, hint });
  }
  return id;
}

/** The scalar derivative registered under `id` (throws for an unknown id). */
export function surrogateById(id: number): ScalarSurrogate {
  const d = table().byId.get(id);
  if (d === undefined) throw new Error(`spikefn fused neuron kernel: unknown surrogate id ${id}`);
  return d;
}
