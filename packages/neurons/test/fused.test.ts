// The fused multi-step kernels against the composed reference (a scan of `step`), their registration and their
// memory behaviour.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, multiStep, runSequence } from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import { lifNode } from '../src/lif.js';
import { plifNode } from '../src/plif.js';
import { NEURON_BACKWARD, NEURON_FORWARD, register, unregister } from '@spikefn/kernels';
import { leakedBy, toTensor } from '@spikefn/testing';
import { build, expectExact, expectGradClose, inputsArb, neuronSpecArb } from './helpers.js';

const RUNS = 60;
const ctx = { training: true, key: key(0) };

describe('fused == composed (the fused kernel equals a scan of step)', () => {
  it('spikes, final v and the records are equal bit for bit, on random neurons and inputs', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), (spec, data) => {
        const { layer, params, name } = build(spec);
        tf.tidy(() => {
          const xs = toTensor(data);
          const s0 = layer.initialState(params, xs.shape.slice(1), key(0));
          const [sf, yf] = layer.sequence(params, s0, xs);
          const [sc, yc] = layer.sequenceComposed(params, s0, xs);
          expectExact(`${name} spikes`, yf, yc);
          expectExact(`${name} final v`, sf.v, sc.v);
          const [rsf, rf] = layer.record(params, s0, xs);
          const [, rc] = layer.recordComposed(params, s0, xs);
          expectExact(`${name} record.spikes`, rf.spikes, rc.spikes);
          expectExact(`${name} record.v`, rf.v, rc.v);
          expectExact(`${name} record.vBeforeReset`, rf.vBeforeReset, rc.vBeforeReset);
          expectExact(`${name} record final v`, rsf.v, sf.v);
        });
      }),
      { numRuns: RUNS, seed: 1 },
    );
  });

  it('from any initial membrane too (state v drawn at random, not only v_reset)', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), fc.integer({ min: 0, max: 1000 }), (spec, data, seed) => {
        const { layer, params, name } = build(spec);
        tf.tidy(() => {
          const xs = toTensor(data);
          const v0 = tf.randomUniform(xs.shape.slice(1), -1, 1.5, 'float32', seed);
          const [sf, yf] = layer.sequence(params, { v: v0 }, xs);
          const [sc, yc] = layer.sequenceComposed(params, { v: v0 }, xs);
          expectExact(`${name} spikes`, yf, yc);
          expectExact(`${name} final v`, sf.v, sc.v);
        });
      }),
      { numRuns: RUNS, seed: 2 },
    );
  });

  it('gradients (BPTT through v, with and without detachReset) wrt inputs, initial v and PLIF w agree with autodiff of the composed ops', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), fc.integer({ min: 0, max: 1000 }), (spec, data, seed) => {
        const { layer, params, name } = build(spec);
        tf.tidy(() => {
          const xs = toTensor(data);
          const v0 = tf.randomUniform(xs.shape.slice(1), -0.5, 1, 'float32', seed);
          const g = tf.randomNormal(xs.shape, 0, 1, 'float32', seed + 1);
          const gv = tf.randomNormal(v0.shape, 0, 1, 'float32', seed + 2);
          // loss = sum(spikes · g) + sum(v_T · gv): gradients flow through the spikes and the final state.
          const loss = (seq: typeof layer.sequence) => (x: tf.Tensor, v: tf.Tensor, w?: tf.Tensor) => {
            const p = w === undefined ? params : ({ w } as Tree);
            const [s, y] = seq(p, { v }, x);
            return tf.add(tf.sum(tf.mul(y, g)), tf.sum(tf.mul(s.v, gv)));
          };
          const isPlif = spec.model === 'plif';
          const args = isPlif ? [xs, v0, (params as { w: tf.Tensor }).w] : [xs, v0];
          const fused = tf.grads(loss(layer.sequence))(args);
          const composed = tf.grads(loss(layer.sequenceComposed))(args);
          expectGradClose(`${name} dL/dx`, fused[0] as tf.Tensor, composed[0] as tf.Tensor);
          expectGradClose(`${name} dL/dv0`, fused[1] as tf.Tensor, composed[1] as tf.Tensor);
          if (isPlif) expectGradClose(`${name} dL/dw`, fused[2] as tf.Tensor, composed[2] as tf.Tensor, 1e-3);
        });
      }),
      { numRuns: RUNS, seed: 3 },
    );
  });

  it('gradients through the records (spikes, v trace, v before reset) agree with the composed records', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), fc.integer({ min: 0, max: 1000 }), (spec, data, seed) => {
        const { layer, params, name } = build(spec);
        tf.tidy(() => {
          const xs = toTensor(data);
          const s0 = layer.initialState(params, xs.shape.slice(1), key(0));
          const [ga, gb, gc] = [0, 1, 2].map((i) => tf.randomNormal(xs.shape, 0, 1, 'float32', seed + i));
          const loss = (rec: typeof layer.record) => (x: tf.Tensor) => {
            const [, r] = rec(params, s0, x);
            return tf.addN([
              tf.sum(tf.mul(r.spikes, ga as tf.Tensor)),
              tf.sum(tf.mul(r.v, gb as tf.Tensor)),
              tf.sum(tf.mul(r.vBeforeReset, gc as tf.Tensor)),
            ]);
          };
          expectGradClose(`${name} dL/dx`, tf.grad(loss(layer.record))(xs), tf.grad(loss(layer.recordComposed))(xs));
        });
      }),
      { numRuns: RUNS / 2, seed: 4 },
    );
  });
});

describe('chunking invariance of the fused sequence', () => {
  it('sequence(xs ++ ys) = sequence(ys) after sequence(xs), values exactly, gradients through the carried v', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), fc.integer({ min: 1, max: 100 }), (spec, data, u) => {
        const { layer, params, name } = build(spec);
        const T = data.shape[0] as number;
        if (T < 2) return;
        const at = 1 + (u % (T - 1));
        tf.tidy(() => {
          const xs = toTensor(data);
          const s0 = layer.initialState(params, xs.shape.slice(1), key(0));
          const g = tf.randomNormal(xs.shape, 0, 1, 'float32', u);
          const whole = (x: tf.Tensor): tf.Tensor => tf.sum(tf.mul(layer.sequence(params, s0, x)[1], g));
          const chunked = (x: tf.Tensor): tf.Tensor => {
            const [head, tail] = tf.split(x, [at, T - at], 0) as [tf.Tensor, tf.Tensor];
            const [s1, y1] = layer.sequence(params, s0, head);
            const [, y2] = layer.sequence(params, s1, tail);
            return tf.sum(tf.mul(tf.concat([y1, y2], 0), g));
          };
          const [sWhole, yWhole] = layer.sequence(params, s0, xs);
          const [head, tail] = tf.split(xs, [at, T - at], 0) as [tf.Tensor, tf.Tensor];
          const [s1, y1] = layer.sequence(params, s0, head);
          const [s2, y2] = layer.sequence(params, s1, tail);
          expectExact(`${name} spikes`, tf.concat([y1, y2], 0), yWhole);
          expectExact(`${name} final v`, s2.v, sWhole.v);
          expectGradClose(`${name} dL/dx`, tf.grad(chunked)(xs), tf.grad(whole)(xs));
        });
      }),
      { numRuns: RUNS / 2, seed: 5 },
    );
  });
});

describe('the fused path is what multi-step runs use', () => {
  const kernelsOf = async (f: () => tf.TensorContainer): Promise<string[]> => {
    const info = await tf.profile(() => f());
    return info.kernelNames;
  };

  it('multiStep(lif) and runSequence(lif) run the fused forward kernel; a scan of step does not', async () => {
    const neuron = lifNode();
    const xs = tf.randomUniform([7, 3, 4], 0, 2, 'float32', 1);
    const ms = multiStep(neuron);
    const state = ms.initialState({}, xs.shape, key(0));
    expect(await kernelsOf(() => ms.step({}, state, xs, ctx) as unknown as tf.TensorContainer)).toContain(NEURON_FORWARD);
    expect(await kernelsOf(() => runSequence(neuron, {}, state, xs, ctx) as unknown as tf.TensorContainer)).toContain(NEURON_FORWARD);
    expect(await kernelsOf(() => neuron.sequenceComposed({}, state, xs) as unknown as tf.TensorContainer)).not.toContain(NEURON_FORWARD);
    tf.dispose([xs, state.v]);
  });

  it('the backward pass runs the fused backward kernel', async () => {
    const neuron = plifNode();
    const params = neuron.init(key(0));
    const xs = tf.randomUniform([5, 2, 3], 0, 2, 'float32', 1);
    const state = neuron.initialState(params, [2, 3], key(0));
    const names = await kernelsOf(() =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(neuron.sequence({ w }, state, x)[1]))([xs, params.w]),
    );
    expect(names).toContain(NEURON_BACKWARD);
    tf.dispose([xs, state.v, params.w]);
  });

  it('without a fused kernel for the backend, sequence falls back to the composed scan with the same results', () => {
    const neuron = lifNode({ vReset: null });
    const xs = tf.randomUniform([6, 2, 5], 0, 2, 'float32', 3);
    const state = neuron.initialState({}, [2, 5], key(0));
    const [sRef, yRef] = neuron.sequence({}, state, xs);
    unregister('cpu', ['neurons']);
    try {
      expect(tf.getKernel(NEURON_FORWARD, 'cpu')).toBeUndefined();
      const [s, y] = neuron.sequence({}, state, xs);
      expectExact('spikes', y, yRef);
      expectExact('v', s.v, sRef.v);
      tf.dispose([s.v, y]);
    } finally {
      register('cpu', ['neurons']);
    }
    expect(tf.getKernel(NEURON_FORWARD, 'cpu')).toBeDefined();
    tf.dispose([xs, state.v, sRef.v, yRef]);
  });

  it('register is idempotent', () => {
    register('cpu', ['neurons']);
    register('wasm', ['neurons']);
    register('cpu', ['neurons']);
    expect(tf.getKernel(NEURON_FORWARD, 'cpu')).toBeDefined();
    expect(tf.getKernel(NEURON_BACKWARD, 'wasm')).toBeDefined();
  });
});

describe('no leak: tf.memory().numTensors grows only by the returned tensors', () => {
  it('sequence, record and step, with and without a gradient tape', () => {
    fc.assert(
      fc.property(neuronSpecArb(), inputsArb(), (spec, data) => {
        const { layer, params, name } = build(spec);
        const xs = toTensor(data);
        const s0 = layer.initialState(params, xs.shape.slice(1), key(0));
        const x0 = tf.tidy(() => tf.gather(xs, 0));
        try {
          const checks: Array<[string, () => Tree]> = [
            ['sequence', () => layer.sequence(params, s0, xs) as unknown as Tree],
            ['record', () => layer.record(params, s0, xs) as unknown as Tree],
            ['sequenceComposed', () => layer.sequenceComposed(params, s0, xs) as unknown as Tree],
            ['step', () => layer.step(params, s0, x0, ctx) as unknown as Tree],
            ['grads of sequence', () => tf.grads((x: tf.Tensor, v: tf.Tensor) => tf.sum(layer.sequence(params, { v }, x)[1]))([xs, s0.v])],
            ['grads of record', () => tf.grads((x: tf.Tensor) => tf.sum(layer.record(params, s0, x)[1].v))([xs])],
          ];
          for (const [what, f] of checks) {
            const n = leakedBy(f);
            if (n !== 0) throw new Error(`${name}: ${what} leaked ${n} tensor(s)`);
          }
        } finally {
          tf.dispose([xs, s0.v, x0]);
        }
        const p = params as { w?: tf.Tensor };
        if (p.w !== undefined) p.w.dispose();
      }),
      { numRuns: 25, seed: 6 },
    );
  });
});

afterAll(() => {
  register('cpu', ['neurons']);
});
