// Small builders for the tests: NIR nodes from plain numbers, sequences as tensors, runs of a network.
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, runSequence, treeDispose, type Tree } from '@spikefn/core';
import { nirArray, type NestedNumbers, type NirNetwork, type NirNode } from '../src/index.js';

/** A NIR node whose numeric params are float32 arrays (strings stay strings). */
export function node(type: string, params: Record<string, NestedNumbers | string> = {}): NirNode {
  return {
    type,
    params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : nirArray(v)])),
  };
}

/** An int64 NIR array (shapes, strides). */
export const ints = (v: NestedNumbers) => nirArray(v, 'int64');

/** Runs a network over `xs` from its initial state; returns the outputs as nested arrays and disposes the rest. */
export function runNet(net: NirNetwork, xs: tf.Tensor, params?: Tree): number[][][] {
  const p = params ?? net.init(key(0));
  const s0 = net.initialState(p as never, xs.shape.slice(1), key(1));
  const [s, ys] = runSequence(net, p as never, s0, xs, evalCtx(key(2)));
  const out = ys.arraySync() as number[][][];
  treeDispose([s0, s, ys] as unknown as Tree);
  if (params === undefined) treeDispose(p);
  return out;
}

/** `[T, B, N]` from nested numbers. */
export const seq = (v: number[][][]): tf.Tensor => tf.tensor(v, undefined, 'float32');
