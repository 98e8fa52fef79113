// cubaLifNode and liNode against NIR's own discrete-time semantics: the repository's NIR fixtures (fixtures/nir,
// made by an independent float64 simulator; see its README) for the CubaLIF, CubaLI and LI primitives. NIR stores one
// parameter per neuron; each neuron is run here as its own layer with scalar settings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { cubaLifNode } from '../src/cuba-lif.js';
import { liNode } from '../src/li.js';
import { expectNear } from './model-helpers.js';

type Fixture = {
  readonly dt: number;
  readonly graph: { readonly nodes: Record<string, { readonly type: string; readonly params: Record<string, number[]> }> };
  readonly inputs: Record<string, number[][][]>;
  readonly initial_state: Record<string, Record<string, number>>;
  readonly expected: { readonly nodes: Record<string, Record<string, number[][][]>> };
};

const load = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/nir/${name}.json`, import.meta.url), 'utf8')) as Fixture;

/** Column f of a [T, B, F] nested list, as a flat [T·B] array. */
const column = (v: number[][][], f: number): number[] => v.flatMap((row) => row.map((b) => b[f] as number));

/** The NIR fixtures' tolerance for every non-spike value: 1e-5 + 1e-4·|want|. */
const near = (what: string, got: tf.Tensor, want: number[]): void => expectNear(what, got.dataSync(), want, 1e-5, 1e-4);

describe("NIR's discrete-time semantics (fixtures/nir)", () => {
  for (const [name, type] of [
    ['cubalif', 'CubaLIF'],
    ['cubali', 'CubaLI'],
  ] as const) {
    it(`cubaLifNode is NIR's ${type}, neuron by neuron (${name}.json)`, () => {
      const fx = load(name);
      const node = fx.graph.nodes[name];
      expect(node?.type).toBe(type);
      const p = node?.params as Record<string, number[]>;
      const x = fx.inputs['input'] as number[][][];
      const want = fx.expected.nodes[name] as Record<string, number[][][]>;
      expect(fx.initial_state[name]).toEqual({ i: 0, v: 0 });
      const T = x.length;
      const B = (x[0] as number[][]).length;
      for (let f = 0; f < (p['tau_syn'] as number[]).length; f++) {
        const at = (k: string): number => (p[k] as number[])[f] as number;
        // CubaLI: CubaLIF without threshold and reset (a threshold it never reaches).
        const spiking = type === 'CubaLIF';
        const layer = cubaLifNode({
          dt: fx.dt,
          tauSyn: at('tau_syn'),
          tauMem: at('tau_mem'),
          r: at('r'),
          vLeak: at('v_leak'),
          wIn: at('w_in'),
          vThreshold: spiking ? at('v_threshold') : 1e30,
          vReset: spiking ? at('v_reset') : 0,
        });
        tf.tidy(() => {
          const xs = tf.tensor2d(column(x, f), [T, B]);
          const [, rec] = layer.record({}, layer.initialState({}, [B], key(0)), xs);
          near(`${name}[${f}] i`, rec.state.i, column(want['i'] as number[][][], f));
          near(`${name}[${f}] v`, rec.state.v, column(want['v'] as number[][][], f));
          if (spiking) {
            expect(Array.from(rec.output.dataSync()), `${name}[${f}] spikes`).toEqual(column(want['output'] as number[][][], f));
            near(`${name}[${f}] v_pre_reset`, rec.charged.h, column(want['v_pre_reset'] as number[][][], f));
          } else near(`${name}[${f}] output`, rec.state.v, column(want['output'] as number[][][], f));
        });
      }
    });
  }

  it("liNode is NIR's LI, neuron by neuron (li.json)", () => {
    const fx = load('li');
    const p = fx.graph.nodes['li']?.params as Record<string, number[]>;
    const x = fx.inputs['input'] as number[][][];
    const want = fx.expected.nodes['li'] as Record<string, number[][][]>;
    const T = x.length;
    const B = (x[0] as number[][]).length;
    for (let f = 0; f < (p['tau'] as number[]).length; f++) {
      const at = (k: string): number => (p[k] as number[])[f] as number;
      const layer = liNode({ dt: fx.dt, tau: at('tau'), r: at('r'), vLeak: at('v_leak') });
      tf.tidy(() => {
        const [, y] = layer.sequence({}, layer.initialState({}, [B], key(0)), tf.tensor2d(column(x, f), [T, B]));
        near(`li[${f}] output`, y, column(want['output'] as number[][][], f));
        near(`li[${f}] v`, y, column(want['v'] as number[][][], f));
      });
    }
  });
});
