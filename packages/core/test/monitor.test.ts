// monitor: records beside the output, by layer name, without changing the layer's results or gradients.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@spikefn/core/tf';
import { leakedBy } from '@spikefn/testing';
import { evalCtx, stateless, tidyStep, trainCtx, type Layer } from '../src/layer.js';
import { bernoulli, uniform } from '../src/random.js';
import { foldIn, key } from '../src/key.js';
import { monitor } from '../src/monitor.js';
import { scan, scanLayer } from '../src/scan.js';
import { sequential } from '../src/sequential.js';
import { dispose, leaves, type Tree } from '../src/tree.js';
import { toy, toyReference } from './toy.js';

/** y = x·W (stateless, differentiable). */
const affine = (n: number, m: number) =>
  stateless({
    kind: 'affine',
    init: (k) => ({ w: uniform(k, [n, m], -1, 1) }),
    outputShape: (_, s) => [...s.slice(0, -1), m],
    apply: (p, x) => tf.matMul(x, p.w),
  });

/** A differentiable stateful layer: v' = 0.5·v + x, y = tanh(v'). */
const leaky = (): Layer<Record<string, never>, { v: tf.Tensor }> => ({
  kind: 'leaky',
  init: () => ({}),
  outputShape: (_, s) => s,
  initialState: (_, s) => ({ v: tf.zeros([...s]) }),
  step: (_, s, x) =>
    tidyStep(() => {
      const v = tf.add(tf.mul(s.v, 0.5), x);
      return [{ v }, tf.tanh(v)];
    }),
});

/** A stochastic stateless layer: x + bernoulli(ctx.key) noise (to check that the monitor keeps the keys). */
const noisy = () =>
  stateless({
    kind: 'noisy',
    init: () => ({}),
    outputShape: (_, s) => s,
    apply: (_, x, ctx) => tf.add(x, bernoulli(ctx.key, 0.5, x.shape)),
  });

const same = (a: Tree, b: Tree): void => {
  const la = leaves(a);
  const lb = leaves(b);
  expect(la.length).toBe(lb.length);
  la.forEach((x, i) => {
    expect(x.shape).toEqual((lb[i] as tf.Tensor).shape);
    expect(Array.from(x.dataSync())).toEqual(Array.from((lb[i] as tf.Tensor).dataSync()));
  });
};

const T = 6;
const B = 3;
const layers = () => ({ fc: affine(2, 4), lif1: toy(4), noise: noisy(), fc2: affine(4, 3), lif2: toy(3) });

describe('monitor (named layers of a sequential)', () => {
  it('step and run give exactly the output and state of sequential(layers), train and eval, for any input and key', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (seed, training) => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const net = sequential(layers());
          const m = monitor(layers(), { lif1: ['spikes', 'v', 'rate'], fc2: ['output'], lif2: ['rate'] });
          const params = net.init(key(seed));
          const xs = uniform(foldIn(key(seed), 1), [T, B, 2], 0, 2);
          const s0 = net.initialState(params, [B, 2], key(seed));
          const ctx = { training, key: foldIn(key(seed), 2) };
          const [s1, y1] = net.step(params, s0, tf.gather(xs, 0), ctx);
          const [s2, r2] = m.step(params, s0, tf.gather(xs, 0), ctx);
          same([s1, y1], [s2, r2.output]);
          const [sA, yA] = scanLayer(net, params, s0, xs, ctx);
          const [sB, rB] = m.run(params, s0, xs, ctx);
          same([sA, yA], [sB, rB.output]);
          // Records stacked over time; a state probe is the state after each step.
          expect(rB.records.lif1?.v?.shape).toEqual([T, B, 4]);
          expect(rB.records.lif2?.rate?.shape).toEqual([T, B]);
          same(tf.gather(rB.records.lif1?.v as tf.Tensor, T - 1), sB.lif1.v);
        });
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 12 },
    );
  });

  it('the records are the values of the equations: spikes and v of the toy neuron (hand reference), rate = mean over neurons, fc2 = spikes·W', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const m = monitor({ fc: affine(2, 4), lif1: toy(4), fc2: affine(4, 3) }, { lif1: ['spikes', 'v', 'rate'], fc2: ['output'] });
      const params = m.init(key(4));
      const xs = uniform(key(5), [T, B, 2], 0, 2);
      const [, r] = m.run(params, m.initialState(params, [B, 2], key(0)), xs, evalCtx(key(0)));
      const x = xs.arraySync() as number[][][];
      const W = params.fc.w.arraySync() as number[][];
      const w = params.lif1.w.arraySync() as number[];
      const W2 = params.fc2.w.arraySync() as number[][];
      const spikes = r.records.lif1?.spikes?.arraySync() as number[][][];
      const v = r.records.lif1?.v?.arraySync() as number[][][];
      const rate = r.records.lif1?.rate?.arraySync() as number[][];
      const out2 = r.records.fc2?.output?.arraySync() as number[][][];
      for (let b = 0; b < B; b++)
        for (let n = 0; n < 4; n++) {
          // fc's output for neuron n over time (float32 as tfjs computes it), then the toy neuron's hand reference.
          const input = x.map((xt) => Math.fround((xt[b] as number[]).reduce((a, xi, i) => a + xi * ((W[i] as number[])[n] as number), 0)));
          const { ys } = toyReference(w[n] as number, input);
          expect(spikes.map((st) => (st[b] as number[])[n])).toEqual(ys);
          let vv = 0;
          input.forEach((u, t) => {
            vv = Math.fround(Math.fround(vv * 0.5) + Math.fround(u * (w[n] as number)));
            if ((ys[t] as number) === 1) vv = 0;
            expect(Math.abs((((v[t] as number[][])[b] as number[])[n] as number) - vv)).toBeLessThan(1e-5);
          });
        }
      spikes.forEach((st, t) => {
        st.forEach((sb, b) => {
          expect((rate[t] as number[])[b]).toBeCloseTo(sb.reduce((a, s) => a + s, 0) / 4, 6);
          for (let j = 0; j < 3; j++)
            expect(((out2[t] as number[][])[b] as number[])[j]).toBeCloseTo(
              sb.reduce((a, s, i) => a + s * ((W2[i] as number[])[j] as number), 0),
              5,
            );
        });
      });
      expect(spikes.flat(2).some((s) => s === 1) && spikes.flat(2).some((s) => s === 0)).toBe(true); // not vacuous
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradients of a loss of the output are unchanged (BPTT through the monitored run)', () => {
    const mk = () => ({ fc: affine(2, 4), lk: leaky(), fc2: affine(4, 2) });
    const net = sequential(mk());
    const m = monitor(mk(), { lk: ['output', 'v', 'rate'], fc2: ['output'] });
    const params = net.init(key(8));
    const xs = uniform(key(9), [T, B, 2], -1, 1);
    const s0 = net.initialState(params, [B, 2], key(0));
    const ctx = trainCtx(key(1));
    const ws = [params.fc.w, params.fc2.w];
    const loss = (run: (p: typeof params) => tf.Tensor) => (w1: tf.Tensor, w2: tf.Tensor) =>
      tf.sum(tf.square(run({ fc: { w: w1 }, lk: {}, fc2: { w: w2 } })));
    const gPlain = tf.grads(loss((p) => scanLayer(net, p, s0, xs, ctx)[1]))(ws);
    const gMon = tf.grads(loss((p) => m.run(p, s0, xs, ctx)[1].output))(ws);
    same(gPlain, gMon);
    expect(tf.max(tf.abs(gMon[0] as tf.Tensor)).dataSync()[0]).toBeGreaterThan(0);
    // A training loop's step (loss and gradient through run) leaves nothing behind.
    expect(leakedBy(() => tf.grads(loss((p) => m.run(p, s0, xs, ctx)[1].output))(ws))).toBe(0);
    dispose([params, xs, s0, gPlain, gMon] as unknown as Tree);
  });

  it('step is a scan body: scanning it equals run; two runs with one key are identical', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const m = monitor(layers(), { lif1: ['spikes'], noise: ['output'] });
      const params = m.init(key(2));
      const xs = uniform(key(3), [T, B, 2], 0, 2);
      const s0 = m.initialState(params, [B, 2], key(0));
      const [sA, rA] = scan((s, x, k) => m.step(params, s, x, { training: true, key: k }), s0, xs, key(7));
      const [sB, rB] = m.run(params, s0, xs, trainCtx(key(7)));
      const [sC, rC] = m.run(params, s0, xs, trainCtx(key(7)));
      same([sA, rA], [sB, rB]);
      same([sB, rB], [sC, rC]);
      const [, rD] = m.run(params, s0, xs, trainCtx(key(8)));
      expect(Array.from(rD.records.noise?.output?.dataSync() ?? [])).not.toEqual(Array.from(rB.records.noise?.output?.dataSync() ?? []));
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves no tensor behind but what it returns; records are fresh tensors (disposing the state keeps them)', () => {
    const m = monitor(layers(), { lif1: ['spikes', 'v'], lif2: ['rate'] });
    const params = m.init(key(2));
    const xs = uniform(key(3), [T, B, 2], 0, 2);
    const s0 = m.initialState(params, [B, 2], key(0));
    const x0 = tf.gather(xs, 0);
    expect(leakedBy(() => m.step(params, s0, x0, evalCtx(key(0))) as unknown as Tree)).toBe(0);
    expect(leakedBy(() => m.run(params, s0, xs, evalCtx(key(0))) as unknown as Tree)).toBe(0);
    const [s1, r1] = m.step(params, s0, x0, evalCtx(key(0)));
    dispose(s1 as unknown as Tree);
    expect(r1.records.lif1?.v?.isDisposed).toBe(false);
    dispose([r1, params, xs, s0, x0] as unknown as Tree);
  });

  it('rejects unknown layers, empty or repeated probes and state leaves a layer lacks, naming them (and frees what the step made)', () => {
    expect(() => monitor(layers(), { lif9: ['v'] } as never)).toThrow(
      /monitor: argument 'probes\.lif9' expected the name of a layer \('fc', 'lif1', 'noise', 'fc2', 'lif2'\), got 'lif9'/,
    );
    expect(() => monitor(layers(), { lif1: [] })).toThrow(/monitor: argument 'probes\.lif1' expected a non-empty list of probes/);
    expect(() => monitor(layers(), { lif1: ['v', 'v'] })).toThrow(/argument 'probes\.lif1' expected distinct probe names/);
    expect(() => monitor(toy(2), [3 as never])).toThrow(/monitor: argument 'probes\[0\]' expected a probe name/);
    const m = monitor(layers(), { lif1: ['u'] });
    const params = m.init(key(2));
    const s0 = m.initialState(params, [B, 2], key(0));
    const x = tf.ones([B, 2]);
    const before = tf.memory().numTensors;
    expect(() => m.step(params, s0, x, evalCtx(key(0)))).toThrow(
      /monitor\(sequential\)\.step: argument 'probes\.lif1' expected 'output', 'spikes', 'rate' or a state leaf of layer 'lif1' \(it has 'v'\), got 'u'/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(() => m.step(params, s0, x, { training: 1 } as never)).toThrow(/monitor\(sequential\)\.step: argument 'ctx' expected a context/);
    expect(() => monitor(affine(2, 2), ['v']).step({ w: tf.ones([2, 2]) }, {}, x, evalCtx(key(0)))).toThrow(
      /state leaf of the layer \(it has no state\)/,
    );
    dispose([params, s0, x] as unknown as Tree);
  });
});

describe('monitor (one layer)', () => {
  it("records a layer's own probes: the toy neuron's spikes and v against its hand reference, rate per sample", () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const m = monitor(toy(3), ['spikes', 'v', 'rate']);
      expect(m.kind).toBe('monitor(toy)');
      const params = { w: tf.tensor([0.6, 1, 1.4]) };
      const xs = tf.tile(tf.tensor([[[0.9, 0.9, 0.9]]]), [T, 1, 1]); // [T, 1, 3]
      const [sT, r] = m.run(params, m.initialState(params, [1, 3], key(0)), xs, evalCtx(key(0)));
      const spikes = r.records.spikes?.arraySync() as number[][][];
      [0.6, 1, 1.4].forEach((w, n) => {
        const ref = toyReference(w, Array(T).fill(0.9));
        expect(spikes.map((st) => (st[0] as number[])[n])).toEqual(ref.ys);
        expect((sT.v.arraySync() as number[][])[0]?.[n]).toBeCloseTo(ref.v, 6);
      });
      same(r.output, r.records.spikes as tf.Tensor);
      const rate = r.records.rate?.arraySync() as number[][];
      spikes.forEach((st, t) => {
        expect((rate[t] as number[])[0]).toBeCloseTo(((st[0] as number[]).reduce((a, s) => a + s, 0) as number) / 3, 6);
      });
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
