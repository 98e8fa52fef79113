import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { clone, dispose, disposeExcept, flattenWithPaths, leafNames, leaves, map, size, unflatten, zipWith } from '../src/tree.js';

const make = () => ({ conv: { weight: tf.ones([2, 2]), bias: tf.zeros([2]) }, list: [tf.scalar(3), tf.scalar(4)] });

describe('trees', () => {
  it('flatten visits array indices and record keys in order, with paths', () => {
    const t = make();
    expect(leafNames(t)).toEqual(['conv.weight', 'conv.bias', 'list.0', 'list.1']);
    expect(flattenWithPaths(t).map(([p]) => p)).toEqual([
      ['conv', 'weight'],
      ['conv', 'bias'],
      ['list', 0],
      ['list', 1],
    ]);
    dispose(t);
  });
  it('unflatten(structure, leaves(tree)) rebuilds the tree', () => {
    const t = make();
    const u = unflatten(t, leaves(t));
    expect(u.conv.weight).toBe(t.conv.weight);
    expect(u.list[1]).toBe(t.list[1]);
    expect(() => unflatten(t, leaves(t).slice(1))).toThrow(/unflatten: argument 'leaves'/);
    dispose(t);
  });
  it('map and zipWith apply leaf by leaf', () => {
    const t = make();
    const doubled = map(t, (x) => tf.mul(x, 2));
    const sum = zipWith((a, b) => tf.add(a, b), t, doubled);
    expect(Array.from(sum.list[0]!.dataSync())).toEqual([9]);
    expect(Array.from(sum.conv.weight.dataSync())).toEqual([3, 3, 3, 3]);
    expect(() => zipWith((a) => a, t, { x: tf.scalar(1) })).toThrow(/zipWith: argument 'trees\[1\]'/);
    dispose([t, doubled, sum]);
  });
  it('dispose frees every leaf once; disposeExcept keeps the shared ones', () => {
    const before = tf.memory().numTensors;
    const t = make();
    const shared = t.conv.weight;
    disposeExcept(t, { shared });
    expect(shared.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(before + 1);
    shared.dispose();
    const c = make();
    const d = clone(c);
    expect(d.conv.weight).not.toBe(c.conv.weight);
    expect(size(d)).toBe(4 + 2 + 1 + 1);
    dispose([c, d]);
    expect(tf.memory().numTensors).toBe(before);
  });
  it('rejects leaves that are not tensors, naming the path', () => {
    expect(() => leaves({ a: { b: 3 } } as never)).toThrow(/argument 'a.b'/);
  });
});
