// docs/rnn.md's example: it is the file we run, and it does what the page says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { treeDispose, treeLeafNames, treeLeaves } from '@spikefn/core';
import { B, T, spikingRnn } from './examples/spiking-rnn.js';

describe('docs/rnn.md', () => {
  it('embeds docs/examples/spiking-rnn.ts verbatim', () => {
    const page = readFileSync(new URL('./rnn.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./examples/spiking-rnn.ts', import.meta.url), 'utf8');
    expect(page).toContain(code);
  });

  it('maps every public name of rnn.py', () => {
    const page = readFileSync(new URL('./rnn.md', import.meta.url), 'utf8');
    for (const name of [
      'bidirectional_rnn_cell_forward',
      'SpikingRNNCellBase',
      'reset_parameters',
      'weight_ih',
      'weight_hh',
      'bias_ih',
      'bias_hh',
      'SpikingRNNBase',
      'create_cells',
      'base_cell',
      'states_num',
      'SpikingLSTMCell',
      'SpikingLSTM',
      'SpikingVanillaRNNCell',
      'SpikingVanillaRNN',
      'SpikingGRUCell',
      'SpikingGRU',
    ])
      expect(page).toMatch(new RegExp(`[\`.]${name}[(\`]`)); // as `Name(` or `.name(`
  });

  it('the example runs: [T, B, 2H] outputs of counts, states [L·2, B, H], a finite gradient for every cell, a 0/1 GRU', () => {
    const before = tf.memory().numTensors;
    const out = spikingRnn();
    expect(out.ys.shape).toEqual([T, B, 10]);
    expect(out.sT.h.shape).toEqual([4, B, 5]);
    expect(out.sT.c.shape).toEqual([4, B, 5]);
    // h = c ⊙ o with spiking gates and c₀ = 0: every output is a count of kept g-spikes, a whole number ≥ 0.
    expect(Array.from(out.ys.dataSync()).every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    expect(Number.isFinite(out.loss.dataSync()[0] as number)).toBe(true);
    expect(treeLeafNames(out.grads)).toEqual(treeLeafNames(out.params));
    expect(treeLeafNames(out.grads).slice(0, 4)).toEqual(['cells.0.weightIh', 'cells.0.weightHh', 'cells.0.biasIh', 'cells.0.biasHh']);
    expect(treeLeaves(out.grads).every((g) => Array.from(g.dataSync()).every(Number.isFinite))).toBe(true);
    expect(treeLeaves(out.grads).some((g) => Array.from(g.dataSync()).some((v) => v !== 0))).toBe(true);
    expect(out.gruHs.shape).toEqual([T, B, 4]);
    expect(Array.from(out.gruHs.dataSync()).every((v) => v === 0 || v === 1)).toBe(true);
    treeDispose([out.params, out.xs, out.s0, out.sT, out.ys, out.loss, out.grads, out.gp, out.g0, out.gruState, out.gruHs] as never);
    expect(tf.memory().numTensors).toBe(before);
  });
});
