// The `rnn` parity handler (no SpikingJelly rnn.py fixture file exists yet): a file in the documented format, with
// values worked out by hand from rnn.py's equations, is picked up and checked; a wrong value and a case 0.0.0.0.8
// cannot be reproduced on fail it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures.js';
import { runFile } from '../run.js';

const E = (2 / Math.sqrt(Math.PI)) * Math.exp(-1); // Erf(α = 2)'s g'(±0.5) = α/√π·e^{−α²/4}
const erf2 = { name: 'Erf', alpha: 2, spiking: true };

const cases = [
  {
    // h1 = Θ(0.5·1) = 1, h2 = Θ(0.5·1 − 1·h1) = 0; loss = h1 + h2, every u = ±0.5 so every g' is E.
    id: 'vanilla_cell_hand',
    config: { module: 'SpikingVanillaRNNCell', input_size: 1, hidden_size: 1, bias: false, surrogate_function: erf2 },
    params: { 'linear_ih.weight': [[0.5]], 'linear_hh.weight': [[-1]] },
    inputs: { x_seq: [[[1]], [[1]]], g: [[[1]], [[1]]] },
    outputs: { h_seq: [[[1]], [[0]]] },
    grads: {
      x_seq: [[[0.5 * E * (1 - E)]], [[0.5 * E]]], // dh2/dx1 = E·w_hh·E·w_ih
      'linear_ih.weight': [[E * (2 - E)]], // E·x1 + E·(x2 + w_hh·E·x1)
      'linear_hh.weight': [[E]], // E·h1 (h0 = 0)
    },
  },
  {
    // All gates open: c = c + 1, h = c.
    id: 'lstm_stack_counting',
    config: { module: 'SpikingLSTM', input_size: 1, hidden_size: 1, num_layers: 1, surrogate_function1: erf2, surrogate_function2: null },
    params: {
      'cells.0.linear_ih.weight': [[1], [1], [1], [1]],
      'cells.0.linear_ih.bias': [0, 0, 0, 0],
      'cells.0.linear_hh.weight': [[0], [0], [0], [0]],
      'cells.0.linear_hh.bias': [0, 0, 0, 0],
    },
    inputs: { x_seq: [[[1]], [[1]], [[1]]] },
    outputs: { y_seq: [[[1]], [[2]], [[3]]], h_n: [[[3]]], c_n: [[[3]]] },
  },
  {
    // Forward latches (h' = Θ(x + h − 0.5)): 0, 1, 1; reverse (h' = Θ(x − 0.5)) over 0, 1, 0 from the end: 0, 1, 0.
    id: 'vanilla_bidirectional_hand',
    config: { module: 'SpikingVanillaRNN', input_size: 1, hidden_size: 1, num_layers: 1, bidirectional: true, surrogate_function: erf2 },
    params: {
      'cells.0.linear_ih.weight': [[1]],
      'cells.0.linear_ih.bias': [-0.5],
      'cells.0.linear_hh.weight': [[1]],
      'cells.0.linear_hh.bias': [0],
      'cells_reverse.0.linear_ih.weight': [[1]],
      'cells_reverse.0.linear_ih.bias': [-0.5],
      'cells_reverse.0.linear_hh.weight': [[0]],
      'cells_reverse.0.linear_hh.bias': [0],
    },
    inputs: { x_seq: [[[0]], [[1]], [[0]]] },
    outputs: { y_seq: [[[0, 0]], [[1, 1]], [[1, 0]]], h_n: [[[1]], [[0]]] },
  },
];

function folder(file: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'spikefn-rnn-'));
  writeFileSync(join(dir, 'rnn.json'), JSON.stringify(file));
  return dir;
}

describe("parity handler 'rnn' (SpikingJelly rnn.py)", () => {
  it('picks up a file with fixture "rnn" and passes hand-worked cases: cell grads, a stack, a bidirectional stack', () => {
    const dir = folder({ fixture: 'rnn', layer: 'rnn', cases });
    try {
      const [file] = loadFixtures(dir);
      const r = runFile(file!);
      expect(r.failures).toEqual([]);
      expect(r.passed).toBe(3);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('fails a wrong value, an unknown field, and a case 0.0.0.0.8 computes wrongly (multi-layer GRU) unless inter_layer is given', () => {
    const wrong = { ...cases[1], id: 'wrong', outputs: { ...cases[1]!.outputs, y_seq: [[[1]], [[2]], [[4]]] } };
    const unknown = { ...cases[1], id: 'unknown_field', config: { ...cases[1]!.config, mystery: 1 } };
    const gru = {
      id: 'gru_two_layers',
      config: {
        module: 'SpikingGRU',
        input_size: 1,
        hidden_size: 1,
        num_layers: 2,
        bias: false,
        surrogate_function1: erf2,
        surrogate_function2: null,
      },
      params: Object.fromEntries(
        [0, 1].flatMap((l) => [
          [`cells.${l}.linear_ih.weight`, [[0], [0], [1]]],
          [`cells.${l}.linear_hh.weight`, [[0], [0], [0]]],
        ]),
      ),
      inputs: { x_seq: [[[1]], [[-1]]] },
      // r = z = Θ(0) = 1, so h' = (1 − 1)·n + 1·h = h: every h stays 0.
      outputs: { y_seq: [[[0]], [[0]]], h_n: [[[0]], [[0]]] },
    };
    const gruSameStep = { ...gru, id: 'gru_two_layers_same_step', config: { ...gru.config, inter_layer: 'same-step' } };
    const dir = folder({ fixture: 'rnn', layer: 'rnn', cases: [wrong, unknown, gru, gruSameStep] });
    try {
      const [file] = loadFixtures(dir);
      const r = runFile(file!);
      expect(r.passed).toBe(1);
      expect(r.failures.length).toBe(3);
      expect(r.failures[0]).toMatch(/^wrong: y_seq: 1\/3 values off/);
      expect(r.failures[1]).toMatch(/^unknown_field: .*unknown field 'mystery'/);
      expect(r.failures[2]).toMatch(/^gru_two_layers: .*not reproduced/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
