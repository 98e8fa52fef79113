/**
 * NIR graphs as plain data: what {@link readNir} returns and {@link writeNir} takes. The layout mirrors what the
 * reference `nir` Python library writes (`nir/serialization.py`, `nir.write`): a graph is a set of named nodes, each
 * with a `type` (the NIR class name) and its parameters as named datasets, and a list of `[source, target]` edges.
 *
 * Values keep their stored dtype and shape, so that a graph read from a file and written again holds the same
 * datasets: float parameters stay float32, shapes and strides stay int64, a padding such as `'same'` stays a string.
 *
 * @category graphs
 */
import { SpikefnArgumentError, type Shape } from '@spikefn/core';

/** The numeric dtypes a NIR dataset may have (those `nir.write` produces, as numpy names). @category graphs */
export type NirDtype = 'float32' | 'float64' | 'int64' | 'int32';

/**
 * A numeric dataset: its dtype, its shape (`[]` for a scalar) and its values in row-major order. Integers are held
 * as JavaScript numbers (exact up to 2⁵³, ample for shapes, strides and sizes).
 *
 * @category graphs
 */
export type NirArray = {
  /** The stored dtype. */
  readonly dtype: NirDtype;
  /** The shape; `[]` for a scalar dataset. */
  readonly shape: Shape;
  /** The values, row-major; as many as the product of `shape`. */
  readonly data: readonly number[];
  /**
   * Whether the dataset is deflate-compressed in the file. Absent: {@link writeNir} decides as `nir.write` does for
   * numpy arrays (compressed when of rank ≥ 1, except the Conv1d/Conv2d tuples). {@link readNir} sets it only where a
   * file differs from that rule (`nir` stores some inferred shapes as tuples), so that a file read and written again
   * keeps its layout.
   */
  readonly compressed?: boolean;
};

/** A parameter or metadata value: a numeric dataset or a string dataset (such as a padding `'same'`). @category graphs */
export type NirValue = NirArray | string;

/** One node of a graph: NIR's class name, its parameters under NIR's names, and its optional metadata. @category graphs */
export type NirNode = {
  /** The NIR class name: `'LIF'`, `'Affine'`, `'Input'`, … (`'I'` is NIR's integrator). */
  readonly type: string;
  /** Every dataset of the node's group except `type` and `metadata`, under its stored name (`tau`, `v_leak`, …). */
  readonly params: { readonly [name: string]: NirValue };
  /** The node's `metadata` group (informative only: NIR lets no backend rely on it). */
  readonly metadata?: { readonly [name: string]: NirValue };
  /** For a node of type `'NIRGraph'` (a subgraph), the subgraph. */
  readonly graph?: NirGraph;
};

/** A NIR graph: named nodes, `[source, target]` edges in file order, graph metadata and the file's version string. @category graphs */
export type NirGraph = {
  /** The nodes, by name. */
  readonly nodes: { readonly [name: string]: NirNode };
  /** The edges, `[source, target]`, in the order they are stored. */
  readonly edges: readonly (readonly [string, string])[];
  /** The graph's `metadata` group (informative only). */
  readonly metadata?: { readonly [name: string]: NirValue };
  /** The `version` string of the file the graph was read from (absent for a graph built in spikefn). */
  readonly version?: string;
};

/** A nested list of numbers, such as `[[1, 2], [3, 4]]`: its nesting gives the shape. @category graphs */
export type NestedNumbers = number | readonly NestedNumbers[];

/**
 * A {@link NirArray} from a number or a nested list (`[[1, 2], [3, 4]]` has shape `[2, 2]`), with a dtype (default
 * `'float32'`; float32 values are rounded with `Math.fround` as the file will store them).
 *
 * @category graphs
 */
export function nirArray(values: NestedNumbers, dtype: NirDtype = 'float32'): NirArray {
  const shape: number[] = [];
  let probe: NestedNumbers = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as readonly NestedNumbers[])[0] ?? 0;
  }
  const data: number[] = [];
  const walk = (v: NestedNumbers, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || Number.isNaN(v)) throw new SpikefnArgumentError('nirArray', 'values', 'numbers', JSON.stringify(v));
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new SpikefnArgumentError(
        'nirArray',
        'values',
        `a rectangular nested list of shape [${shape.join(', ')}]`,
        JSON.stringify(values),
      );
    for (const c of v as readonly NestedNumbers[]) walk(c, depth + 1);
  };
  walk(values, 0);
  return { dtype, shape, data: roundTo(dtype, data) };
}

/** Values as the dtype stores them: float32 rounded, integers truncated towards zero. */
export function roundTo(dtype: NirDtype, data: readonly number[]): number[] {
  if (dtype === 'float32') return data.map(Math.fround);
  if (dtype === 'int64' || dtype === 'int32') return data.map((v) => Math.trunc(v));
  return [...data];
}

/** The product of a shape's sizes. */
export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** Whether `v` is a {@link NirArray}. */
export const isNirArray = (v: unknown): v is NirArray =>
  v !== null && typeof v === 'object' && 'dtype' in v && 'shape' in v && 'data' in v && Array.isArray((v as NirArray).data);
