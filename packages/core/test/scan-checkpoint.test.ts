// scan's gradient checkpointing (options.checkpointEvery) on the toy layer: recomputation in the backward pass, tree
// carries with non-float leaves, the params option, memory and argument errors. The property test against the plain
// scan with a real LIF neuron and a linear layer is in packages/layers/test/scan-checkpoint.test.ts.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key } from '../src/key.js';
import { scan } from '../src/scan.js';
import { uniform } from '../src/random.js';
import { SpikefnArgumentError } from '../src/validate.js';
import { toy } from './toy.js';

const k = key(3);
const layer = toy(3);

/** Σ c·ys + Σ v_T through the toy layer, its body calls counted, w closed over. */
function toyLoss(every: number | undefined, withParams: boolean) {
  const calls = { n: 0 };
  const f = (w: tf.Tensor, xs: tf.Tensor): tf.Scalar => {
    const p = { w };
    const body = (s: { v: tf.Tensor }, x: tf.Tensor) => {
      calls.n++;
      return layer.step(p, s, x, { training: true, key: k });
    };
    const options = every === undefined ? {} : withParams ? { checkpointEvery: every, params: p } : { checkpointEvery: every };
    const [s, ys] = scan(body, { v: tf.zerosLike(w) }, xs, k, options);
    return tf.add(tf.sum(tf.mul(ys, tf.reshape(tf.range(1, ys.size + 1), ys.shape))), tf.sum(s.v));
  };
  return { f, calls };
}

describe('scan with checkpointEvery (toy layer)', () => {
  it('recomputes each step once in the backward pass, and only when a gradient is recorded', () => {
    const w = tf.tensor1d([0.9, 1.1, 0.7]);
    const xs = uniform(k, [10, 3], 0, 1);
    for (const every of [1, 3, 4, 10, 20]) {
      const { f, calls } = toyLoss(every, true);
      const [gw] = tf.grads(f)([w, xs]);
      expect(calls.n).toBe(20);
      gw?.dispose();
      calls.n = 0;
      tf.tidy(() => f(w, xs));
      expect(calls.n).toBe(10);
    }
    tf.dispose([w, xs]);
  });

  it('gives the plain gradients for w (through options.params) and xs; without params, w gets none', () => {
    const w = tf.tensor1d([0.9, 1.1, 0.7]);
    const xs = uniform(k, [9, 3], 0, 1.2);
    const plain = tf.grads(toyLoss(undefined, false).f)([w, xs]);
    const ckpt = tf.grads(toyLoss(4, true).f)([w, xs]);
    const noParams = tf.grads(toyLoss(4, false).f)([w, xs]);
    expect(Array.from((plain[0] as tf.Tensor).dataSync()).some((g) => g !== 0)).toBe(true);
    for (const i of [0, 1]) {
      const a = (plain[i] as tf.Tensor).dataSync();
      const b = (ckpt[i] as tf.Tensor).dataSync();
      a.forEach((g, j) => {
        expect(b[j]).toBeCloseTo(g, 5);
      });
    }
    expect(Array.from((noParams[0] as tf.Tensor).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from((noParams[1] as tf.Tensor).dataSync())).toEqual(Array.from((plain[1] as tf.Tensor).dataSync()));
    tf.dispose([w, xs, ...plain, ...ckpt, ...noParams]);
  });

  it('carries trees with int32 leaves and several outputs, and leaves no tensors behind', () => {
    const xs = uniform(k, [7, 2], -1, 1);
    const c0: { h: tf.Tensor; n: tf.Tensor } = { h: tf.zeros([2]), n: tf.scalar(0, 'int32') };
    const run = (every?: number) => (x: tf.Tensor) => {
      const [s, ys] = scan(
        (c: typeof c0, xt: tf.Tensor) => {
          const h = tf.tanh(tf.add(tf.mul(c.h, 0.5), xt));
          return [
            { h, n: tf.add(c.n, tf.scalar(1, 'int32')) },
            { h, sq: tf.square(h), n: c.n },
          ];
        },
        c0,
        x,
        k,
        every === undefined ? {} : { checkpointEvery: every },
      );
      expect(s.n.dtype).toBe('int32');
      expect(s.n.dataSync()[0]).toBe(7);
      expect(Array.from(ys.n.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6]);
      return tf.add(tf.sum(ys.sq), tf.sum(tf.mul(ys.h, s.h)));
    };
    const before = tf.memory().numTensors;
    const a = tf.valueAndGrad(run())(xs);
    const b = tf.valueAndGrad(run(3))(xs);
    expect(b.value.dataSync()[0]).toBeCloseTo(a.value.dataSync()[0] as number, 6);
    a.grad.dataSync().forEach((g, i) => {
      expect(b.grad.dataSync()[i]).toBeCloseTo(g, 5);
    });
    tf.dispose([a.value, a.grad, b.value, b.grad]);
    expect(tf.memory().numTensors).toBe(before);
    // Without a tape, checkpointEvery changes nothing.
    const z = tf.zeros([2]);
    const [s, ys] = scan((c: tf.Tensor, x: tf.Tensor) => [tf.add(c, x), tf.mul(x, 2)], z, xs, k, { checkpointEvery: 2 });
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([s, ys, z, xs, c0.h, c0.n]);
  });

  it('holds less memory for the backward pass than the plain scan', async () => {
    const w = tf.fill([8, 64], 0.9);
    const xs = uniform(k, [64, 8, 64], 0, 1);
    const peak = async (every?: number): Promise<number> => {
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const g = tf.grads(toyLoss(every, true).f)([w, xs]);
        tf.dispose(g);
      });
      return info.peakBytes - before;
    };
    const plain = await peak();
    const ckpt = await peak(8);
    expect(ckpt).toBeLessThan(plain * 0.6);
    tf.dispose([w, xs]);
  });

  it('refuses a checkpointEvery that is not an integer >= 1, and params disposed before the gradient', () => {
    const xs = tf.ones([4, 2]);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => scan((c: tf.Tensor, x: tf.Tensor) => [c, x], tf.zeros([2]), xs, k, { checkpointEvery: bad })).toThrow(
        /scan.*checkpointEvery/,
      );
    }
    const w = tf.ones([2]);
    const f = (x: tf.Tensor): tf.Scalar => {
      const w2 = tf.mul(w, 2); // made inside the loss and disposed after its forward pass
      const [, ys] = scan((c: tf.Tensor, xt: tf.Tensor) => [tf.mul(c, w2), tf.mul(xt, w2)], tf.ones([2]), x, k, {
        checkpointEvery: 2,
        params: { w2 },
      });
      return tf.sum(ys);
    };
    expect(() => tf.grad(f)(xs)).toThrow(SpikefnArgumentError);
    expect(() => tf.grad(f)(xs)).toThrow(/options\.params/);
    tf.dispose([xs, w]);
  });
});
