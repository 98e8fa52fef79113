// Each node type against values derived by hand from the equations in docs/nir.md (forward Euler at dt;
// integrate → fire (strict >) → reset to v_reset; CubaLIF updates the current first), one Input → node → Output
// chain per case. Parameters are chosen so that every value is exact in float32.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { fromNir, nirNodeLayer, traceNir, type NirGraph, type NirNode } from '../src/index.js';
import { ints, node, runNet, seq } from './helpers.js';

/** Input([shape]) → node → Output, as a graph. */
function single(n: NirNode, inShape: number[], outShape: number[]): NirGraph {
  return {
    nodes: { input: { type: 'Input', params: { shape: ints(inShape) } }, n, output: { type: 'Output', params: { shape: ints(outShape) } } },
    edges: [
      ['input', 'n'],
      ['n', 'output'],
    ],
  };
}

/** Runs `n` over xs `[T, 1, ...shape]` and returns the output for batch 0 as `[T][...]`. */
function run(n: NirNode, xs: number[][], dt: number, outShape?: number[]): number[][] {
  const inShape = [xs[0]?.length ?? 0];
  const out = runNet(fromNir(single(n, inShape, outShape ?? inShape), { dt }), seq(xs.map((x) => [x])));
  return out.map((step) => step[0] as number[]);
}

/** The trace of node `n` (its states and intermediates), batch 0. */
function trace(n: NirNode, xs: number[][], dt: number): Record<string, number[][]> {
  const inShape = [xs[0]?.length ?? 0];
  const net = fromNir(single(n, inShape, inShape), { dt });
  const params = net.init(key(0));
  const input = seq(xs.map((x) => [x]));
  const t = traceNir(net, params, input, key(1));
  const out = Object.fromEntries(
    Object.entries(t.states['n'] ?? {}).map(([k, v]) => [k, (v.arraySync() as number[][][]).map((s) => s[0] as number[])]),
  );
  tf.dispose([
    input,
    t.output,
    ...Object.values(t.outputs),
    ...Object.values(t.states).flatMap((s) => Object.values(s)),
    ...Object.values(params),
  ] as tf.Tensor[]);
  return out;
}

const constant = (v: number, T: number): number[][] => Array.from({ length: T }, () => [v]);

describe('LIF: v += (dt/τ)(v_leak − v + r·x); z = v > v_th; v = z ? v_reset : v', () => {
  const lif = (vReset: number) => node('LIF', { tau: [2e-3], r: [1], v_leak: [0], v_threshold: [1], v_reset: [vReset] });
  it('dt/τ = 1/2, x = 1.5: v = 0.75, 1.125 (spike), 0.75, 1.125 (spike)', () => {
    expect(run(lif(0), constant(1.5, 4), 1e-3)).toEqual([[0], [1], [0], [1]]);
  });
  it('resets to v_reset = −0.5, and the threshold is strict: v = 0.75, 1.125 → −0.5, 0.5, 1.0 (no spike at exactly v_th)', () => {
    expect(run(lif(-0.5), constant(1.5, 4), 1e-3)).toEqual([[0], [1], [0], [0]]);
    const t = trace(lif(-0.5), constant(1.5, 4), 1e-3);
    expect(t['v']).toEqual([[0.75], [-0.5], [0.5], [1]]);
    expect(t['v_pre_reset']).toEqual([[0.75], [1.125], [0.5], [1]]);
  });
  it('leaks towards v_leak without input: v = 0.5, 0.75, 0.875', () => {
    const n = node('LIF', { tau: [2e-3], r: [0], v_leak: [1], v_threshold: [5], v_reset: [0] });
    expect(trace(n, constant(3, 3), 1e-3)['v']).toEqual([[0.5], [0.75], [0.875]]);
  });
});

describe('IF: v += dt·r·x; z = v > v_th; v = z ? v_reset : v', () => {
  it('dt·r = 1, x = 0.4: v = 0.4, 0.8, 1.2 (spike → 0.1), 0.5', () => {
    const n = node('IF', { r: [2], v_threshold: [1], v_reset: [0.1] });
    expect(run(n, constant(0.4, 4), 0.5)).toEqual([[0], [0], [1], [0]]);
    const v = trace(n, constant(0.4, 4), 0.5)['v'] ?? [];
    for (const [t, want] of [0.4, 0.8, 0.1, 0.5].entries()) expect(v[t]?.[0]).toBeCloseTo(want, 6); // float32: 0.4 is not exact
  });
  it('a file without v_reset resets to 0 (as nir reads it)', () => {
    const n = node('IF', { r: [1], v_threshold: [1.5] });
    expect(trace(n, constant(1, 3), 1)['v']).toEqual([[1], [0], [1]]);
  });
});

describe('LI and I: the membrane is the output', () => {
  it('LI: dt/τ = 1/2, r = 2, x = 1: v = 1, 1.5, 1.75', () => {
    expect(run(node('LI', { tau: [2e-3], r: [2], v_leak: [0] }), constant(1, 3), 1e-3)).toEqual([[1], [1.5], [1.75]]);
  });
  it('I: dt = 1/4, r = [2, −4], x = 1: v = 0.5t and −t', () => {
    const n = node('I', { r: [2, -4] });
    expect(
      run(
        n,
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        0.25,
      ),
    ).toEqual([
      [0.5, -1],
      [1, -2],
      [1.5, -3],
    ]);
  });
});

describe('CubaLIF and CubaLI: the current first, then the membrane driven by the new current', () => {
  // dt/τ_syn = 1/2, w_in = 2, dt/τ_mem = 1, r = 1: i = 1, 0.5, 0.25 for x = 1, 0, 0; v_pre = i.
  const params = { tau_syn: [2], tau_mem: [1], r: [1], v_leak: [0], w_in: [2] };
  it('CubaLIF spikes at t = 0 (it would not if v used the previous current), and i is not reset', () => {
    const n = node('CubaLIF', { ...params, v_threshold: [0.9], v_reset: [0] });
    expect(run(n, [[1], [0], [0]], 1)).toEqual([[1], [0], [0]]);
    const t = trace(n, [[1], [0], [0]], 1);
    expect(t['i']).toEqual([[1], [0.5], [0.25]]);
    expect(t['v_pre_reset']).toEqual([[1], [0.5], [0.25]]);
    expect(t['v']).toEqual([[0], [0.5], [0.25]]);
  });
  it('CubaLI outputs v', () => {
    expect(run(node('CubaLI', params), [[1], [0], [0]], 1)).toEqual([[1], [0.5], [0.25]]);
  });
});

describe('Affine, Linear, Scale, Threshold', () => {
  it('Affine: W x + b with W [out, in]', () => {
    expect(
      run(
        node('Affine', {
          weight: [
            [1, 2],
            [3, 4],
          ],
          bias: [0.5, -1],
        }),
        [[1, 1]],
        1,
      ),
    ).toEqual([[3.5, 6]]);
  });
  it('Linear: W x', () => {
    expect(
      run(
        node('Linear', {
          weight: [
            [1, 2],
            [3, 4],
          ],
        }),
        [[1, 1]],
        1,
      ),
    ).toEqual([[3, 7]]);
  });
  it('Scale: s ⊙ x', () => {
    expect(run(node('Scale', { scale: [2, -1] }), [[3, 3]], 1)).toEqual([[6, -3]]);
  });
  it('Threshold: x > θ, strict', () => {
    expect(run(node('Threshold', { threshold: [1, 2] }), [[1, 2.5]], 1)).toEqual([[0, 1]]);
  });
});

describe('Flatten, convolutions and pooling', () => {
  const image = (hw: number[][]) => tf.tensor([[hw.map((row) => row)]], undefined, 'float32'); // [1, 1, H, W]
  const runImage = (n: NirNode, inShape: number[], outShape: number[], x: tf.Tensor): number[] => {
    const net = fromNir(single(n, inShape, outShape), { dt: 1 });
    const xs = tf.expandDims(x, 0);
    const out = runNet(net, xs) as unknown as number[][][][][];
    tf.dispose([xs, x]);
    const first = out[0]?.[0] as unknown as number[][][];
    return first.flat(Infinity) as number[];
  };
  it('Flatten merges start_dim..end_dim of the per-sample shape', () => {
    const n = { type: 'Flatten', params: { start_dim: ints(1), end_dim: ints(-1), input_type: ints([2, 3, 2]) } };
    const net = fromNir(single(n, [2, 3, 2], [2, 6]), { dt: 1 });
    expect(net.outputShape(net.init(key(0)), [4, 2, 3, 2])).toEqual([4, 2, 6]);
  });
  it("Conv1d, padding 'same' with an even kernel: nothing before, one zero after: y[i] = x[i] + 10·x[i+1]", () => {
    const n = node('Conv1d', { weight: [[[1, 10]]], bias: [0], padding: 'same' });
    const x = tf.tensor([[[1, 2, 3]]], undefined, 'float32');
    expect(runImage(n, [1, 3], [1, 3], x)).toEqual([21, 32, 3]);
  });
  it('Conv2d, stride (2, 1), padding (1, 0): windows of the zero-padded rows', () => {
    const n = {
      ...node('Conv2d', {
        weight: [
          [
            [
              [1, 1],
              [1, 1],
            ],
          ],
        ],
        bias: [0],
      }),
      params: {
        ...node('Conv2d', {
          weight: [
            [
              [
                [1, 1],
                [1, 1],
              ],
            ],
          ],
          bias: [0],
        }).params,
        stride: ints([2, 1]),
        padding: ints([1, 0]),
      },
    };
    expect(
      runImage(
        n,
        [1, 3, 3],
        [1, 2, 2],
        image([
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ]),
      ),
    ).toEqual([2, 2, 4, 4]);
  });
  const pool = (type: string) => ({ type, params: { kernel_size: ints([2, 2]), stride: ints([2, 2]), padding: ints([1, 1]) } });
  const nine = () =>
    image([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  it('SumPool2d over zero padding 1: [[1, 2+3], [4+7, 5+6+8+9]]', () => {
    expect(runImage(pool('SumPool2d'), [1, 3, 3], [1, 2, 2], nine())).toEqual([1, 5, 11, 28]);
  });
  it('AvgPool2d counts the padding: the sums divided by 4', () => {
    expect(runImage(pool('AvgPool2d'), [1, 3, 3], [1, 2, 2], nine())).toEqual([0.25, 1.25, 2.75, 7]);
  });
});

describe('Delay: y[t] = x[t − round(delay/dt)], zeros before', () => {
  it('delays of 0, 1 and 2 steps', () => {
    const n = node('Delay', { delay: [0, 1e-3, 2e-3] });
    const xs = [1, 2, 3, 4].map((v) => [v, v, v]);
    expect(run(n, xs, 1e-3)).toEqual([
      [1, 0, 0],
      [2, 1, 0],
      [3, 2, 1],
      [4, 3, 2],
    ]);
  });
});

describe('what is refused', () => {
  it('an unknown node type, naming the node and its type', () => {
    const g = single({ type: 'Resonator', params: {} }, [2], [2]);
    expect(() => fromNir(g, { dt: 1 })).toThrow(SpikefnArgumentError);
    expect(() => fromNir(g, { dt: 1 })).toThrow(/graph\.nodes\.n.*node 'n' of type 'Resonator'/);
  });
  it('a nested NIRGraph node', () => {
    const g = single({ type: 'NIRGraph', params: {} }, [2], [2]);
    expect(() => fromNir(g, { dt: 1 })).toThrow(/node 'n' of type 'NIRGraph'/);
  });
  it('a missing parameter, naming it', () => {
    expect(() => nirNodeLayer(node('LIF', { r: [1], v_leak: [0], v_threshold: [1] }), { dt: 1, name: 'lif1' })).toThrow(
      /nirNodeLayer: argument 'graph\.nodes\.lif1\.tau' expected a numeric dataset/,
    );
  });
  it('a non-positive time constant', () => {
    expect(() => nirNodeLayer(node('LI', { tau: [0.1, -1], r: [1, 1], v_leak: [0, 0] }), { dt: 1 })).toThrow(/tau' expected values > 0/);
  });
  it('dt that is not a number > 0', () => {
    expect(() => nirNodeLayer(node('Scale', { scale: [1] }), { dt: 0 })).toThrow(/options\.dt/);
  });
  it('params that do not broadcast to the input', () => {
    const net = fromNir(single(node('Scale', { scale: [1, 2, 3] }), [2], [2]), { dt: 1 });
    expect(() => net.outputShape(net.init(key(0)), [1, 2])).toThrow(/scale' expected a shape that broadcasts/);
  });
  it("an input that does not match the Input node's shape", () => {
    const net = fromNir(single(node('Scale', { scale: [1] }), [2], [2]), { dt: 1 });
    expect(() => net.outputShape(net.init(key(0)), [1, 3])).toThrow(/graph\.nodes\.input' expected an Input of per-sample shape \[2\]/);
  });
});
