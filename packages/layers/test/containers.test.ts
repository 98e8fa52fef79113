// The seed's containers over spikefn's layers: multiStep, seqToANN, elementWiseRecurrent, linearRecurrent from the
// core, with conv2d, batchNorm2d, maxPool2d, flatten, linear and the IF/LIF neurons. Value parity with SpikingJelly is
// pinned by tools/parity (multistep_container, seq_to_ann_container, elementwise_recurrent_container,
// linear_recurrent_container); these tests run the combinations through the law kit and BPTT.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import {
  elementWiseRecurrent,
  key,
  trainCtx,
  linearRecurrent,
  multiStep,
  uniform,
  scanLayer,
  seqToANN,
  sequential,
  treeDispose as dispose,
  treeLeaves as leaves,
} from '@spikefn/core';
import { checkLayerLaws } from '@spikefn/testing';
import { ifNode, lifNode } from '@spikefn/neurons';
import { batchNorm2d } from '../src/batch-norm.js';
import { conv2d } from '../src/conv2d.js';
import { flatten } from '../src/flatten.js';
import { linear } from '../src/linear.js';
import { maxPool2d } from '../src/max-pool2d.js';
import { leakFree } from './helpers.js';

const k0 = key(17);

const convNet = () =>
  sequential({
    conv: conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1 }),
    bn: batchNorm2d({ numFeatures: 2 }),
    sn1: lifNode({ tau: 2 }),
    pool: maxPool2d({ kernelSize: 2 }),
    flat: flatten(),
    fc: linear({ inFeatures: 8, outFeatures: 3 }),
    sn2: lifNode({ tau: 2 }),
  });

describe('containers over the layers (MultiStepContainer, SeqToANNContainer, ElementWise/LinearRecurrentContainer)', () => {
  it('a conv-BN-LIF network satisfies the law kit per step (eval mode)', () => {
    const net = convNet();
    const params = net.init(k0);
    checkLayerLaws({ name: 'conv-bn-lif', layer: net, params, tol: { atol: 1e-5, rtol: 1e-4 } }, [1, 4, 4], { numRuns: 4 });
    dispose(params);
  });

  it('BPTT through multiStep(conv-BN-LIF) in train mode gives finite gradients for every parameter, without leaks', () => {
    leakFree(() => {
      const net = multiStep(convNet());
      const params = net.init(k0);
      const xs = uniform(key(1), [4, 3, 1, 4, 4], 0, 2);
      const names = Object.keys(params);
      const flat = leaves(params);
      const grads = tf.grads((...ps: tf.Tensor[]) => {
        let i = 0;
        const rebuilt = Object.fromEntries(
          names.map((n) => [
            n,
            Object.fromEntries(Object.keys((params as Record<string, object>)[n] as object).map((k) => [k, ps[i++] as tf.Tensor])),
          ]),
        );
        const [, ys] = net.step(rebuilt as typeof params, net.initialState(rebuilt as typeof params, xs.shape, k0), xs, trainCtx(k0));
        return tf.sum(ys);
      })(flat);
      expect(grads.length).toBe(flat.length);
      for (const g of grads) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  it('seqToANN(conv-BN) equals multiStep(conv-BN) in eval mode (stateless in eval)', () => {
    leakFree(() => {
      const inner = sequential({ conv: conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 }), bn: batchNorm2d({ numFeatures: 2 }) });
      const params = inner.init(k0);
      const xs = uniform(key(2), [3, 2, 1, 5, 5]);
      const a = seqToANN(inner);
      const b = multiStep(inner);
      const ya = a.step(params, a.initialState(params, xs.shape, k0), xs, { training: false, key: k0 })[1];
      const yb = b.step(params, b.initialState(params, xs.shape, k0), xs, { training: false, key: k0 })[1];
      expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBeLessThan(1e-5);
    });
  });

  it('elementWiseRecurrent(IF, f) and linearRecurrent(linear → LIF) satisfy the law kit', () => {
    const er = elementWiseRecurrent(ifNode({ vReset: null }), (y, x) => tf.add(y, x));
    checkLayerLaws({ name: 'elementWiseRecurrent(if)', layer: er, params: {} }, [3], { numRuns: 5 });
    const lr = linearRecurrent(sequential({ fc: linear({ inFeatures: 3, outFeatures: 2 }), sn: lifNode({ tau: 2 }) }), 3, 2);
    const params = lr.init(k0);
    checkLayerLaws({ name: 'linearRecurrent(linear-lif)', layer: lr, params, tol: { atol: 1e-5, rtol: 1e-4 } }, [3], { numRuns: 5 });
    dispose(params);
  });

  it('multiStep over a stateful network equals scanning its step', () => {
    leakFree(() => {
      const net = convNet();
      const params = net.init(k0);
      const xs = uniform(key(3), [5, 2, 1, 4, 4], 0, 2);
      const ms = multiStep(net);
      const [, y1] = ms.step(params, ms.initialState(params, xs.shape, k0), xs, { training: false, key: k0 });
      const [, y2] = scanLayer(net, params, net.initialState(params, xs.shape.slice(1), k0), xs, { training: false, key: k0 });
      expect(tf.max(tf.abs(tf.sub(y1, y2))).dataSync()[0]).toBe(0);
    });
  });
});
