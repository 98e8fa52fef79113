// Config defaults and argument checks: errors name the argument, what was expected and what came.
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key, SpikefnArgumentError } from '@spikefn/core';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import { plifNode } from '../src/plif.js';
import { sigmoid } from '../src/surrogate.js';

describe('defaults', () => {
  it('vThreshold 1, vReset 0, detachReset false, surrogate sigmoid(4)', () => {
    for (const n of [ifNode(), lifNode(), plifNode()]) {
      expect(n.settings.vThreshold).toBe(1);
      expect(n.settings.vReset).toBe(0);
      expect(n.settings.detachReset).toBe(false);
      expect(n.settings.surrogate.name).toBe('Sigmoid');
      expect(n.settings.surrogate.alpha).toBe(4);
    }
  });

  it('the initial state is v = V_reset (hard) or 0 (soft), shaped like one step', () => {
    tf.tidy(() => {
      expect(Array.from(lifNode({ vReset: -0.3 }).initialState({}, [2, 3], key(0)).v.dataSync())).toEqual(
        new Array(6).fill(Math.fround(-0.3)),
      );
      const soft = ifNode({ vReset: null }).initialState({}, [4], key(0)).v;
      expect(soft.shape).toEqual([4]);
      expect(Array.from(soft.dataSync())).toEqual([0, 0, 0, 0]);
    });
  });

  it('init: {} for IF and LIF, { w } for PLIF; outputShape is the input shape', () => {
    expect(ifNode().init(key(1))).toEqual({});
    expect(lifNode().init(key(1))).toEqual({});
    const p = plifNode({ tau: 2 }).init(key(1));
    expect(p.w.dataSync()[0] === 0).toBe(true); // −log(2 − 1) = −0
    expect(lifNode().outputShape({}, [5, 7])).toEqual([5, 7]);
    p.w.dispose();
  });
});

describe('config checks', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'vThreshold NaN',
      () => lifNode({ vThreshold: Number.NaN }),
      /lifNode: argument 'config.vThreshold' expected a finite number, got NaN/,
    ],
    [
      'vThreshold infinite',
      () => ifNode({ vThreshold: Number.POSITIVE_INFINITY }),
      /ifNode: argument 'config.vThreshold' expected a finite number, got Infinity/,
    ],
    ['vReset NaN', () => plifNode({ vReset: Number.NaN }), /plifNode: argument 'config.vReset' expected a finite number, got NaN/],
    ['tau 1', () => lifNode({ tau: 1 }), /lifNode: argument 'config.tau' expected a finite number > 1, got 1/],
    ['tau 0.5', () => lifNode({ tau: 0.5 }), /argument 'config.tau' expected a finite number > 1, got 0.5/],
    ['tau NaN', () => plifNode({ tau: Number.NaN }), /plifNode: argument 'config.tau' expected a finite number > 1, got NaN/],
    [
      'decayInput not boolean',
      () => lifNode({ decayInput: 1 as unknown as boolean }),
      /argument 'config.decayInput' expected a boolean, got 1/,
    ],
    [
      'detachReset not boolean',
      () => lifNode({ detachReset: 'yes' as unknown as boolean }),
      /argument 'config.detachReset' expected a boolean, got yes/,
    ],
    ['surrogate not a surrogate', () => lifNode({ surrogate: { name: 'x' } as never }), /argument 'config.surrogate' expected a Surrogate/],
  ];
  it.each(cases)('%s', (_what, f, message) => {
    expect(f).toThrow(SpikefnArgumentError);
    expect(f).toThrow(message);
  });
});

describe('call checks', () => {
  const neuron = lifNode({ surrogate: sigmoid(2) });

  it('step: x must match the state shape and be float32', () => {
    tf.tidy(() => {
      const state = neuron.initialState({}, [2, 3], key(0));
      expect(() => neuron.step({}, state, tf.zeros([3, 2]), { training: true, key: key(0) })).toThrow(
        /lif.step: argument 'x' expected shape \[2, 3\]/,
      );
      expect(() => neuron.step({}, state, tf.zeros([2, 3], 'int32'), { training: true, key: key(0) })).toThrow(
        /lif.step: argument 'x' expected dtype float32, got int32/,
      );
    });
  });

  it('sequence: xs must be [T, ...state shape] with T >= 1', () => {
    tf.tidy(() => {
      const state = neuron.initialState({}, [2, 3], key(0));
      expect(() => neuron.sequence({}, state, tf.zeros([4, 3, 2]))).toThrow(
        /lif.sequence: argument 'xs \(without its time axis\)' expected shape \[2, 3\]/,
      );
      expect(() => neuron.sequence({}, state, tf.zeros([0, 2, 3]))).toThrow(
        /lif.sequence: argument 'xs' expected a time axis of length >= 1/,
      );
      expect(() => neuron.record({}, state, tf.zeros([4, 2]))).toThrow(/lif.record: argument 'xs \(without its time axis\)'/);
    });
  });

  it('a disposed state is rejected (a stale state)', () => {
    const state = neuron.initialState({}, [2], key(0));
    state.v.dispose();
    tf.tidy(() => {
      expect(() => neuron.sequence({}, state, tf.zeros([3, 2]))).toThrow(/argument 'state.v' expected a live tensor/);
    });
  });

  it('PLIF params must hold a float32 scalar w', () => {
    const p = plifNode();
    tf.tidy(() => {
      const state = p.initialState({ w: tf.scalar(0) }, [2], key(0));
      expect(() => p.sequence({ w: tf.zeros([2]) }, state, tf.zeros([3, 2]))).toThrow(
        /plif.sequence: argument 'params.w' expected a float32 scalar/,
      );
      expect(() => p.step({} as never, state, tf.zeros([2]), { training: true, key: key(0) })).toThrow(
        /plif.step: argument 'params.w' expected a scalar tensor/,
      );
    });
  });
});
