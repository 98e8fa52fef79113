// docs/functional.md: its example is the file we run and does what the page says, and the mapping tables of
// docs/functional.md and docs/neurons.md name every public name of SpikingJelly 0.0.0.0.8's functional.py and
// surrogate.py (each mapped to spikefn or said to be left out, with the reason in the row).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { functionalHelpers } from './examples/functional-helpers.js';

// The module-level public names of spikingjelly/clock_driven/functional.py and surrogate.py (release 0.0.0.0.8),
// imports (torch, nn, F, math, neuron) aside.
const FUNCTIONAL = [
  'reset_net',
  'spike_cluster',
  'spike_similar_loss',
  'kernel_dot_product',
  'set_threshold_margin',
  'redundant_one_hot',
  'first_spike_index',
  'multi_step_forward',
  'seq_to_ann_forward',
  'fused_conv2d_weight_of_convbn2d',
  'fused_conv2d_bias_of_convbn2d',
  'scale_fused_conv2d_weight_of_convbn2d',
  'scale_fused_conv2d_bias_of_convbn2d',
  'fuse_convbn2d',
  'temporal_efficient_training_cross_entropy',
];
const SURROGATE = [
  'heaviside',
  'check_manual_grad',
  'tab4_str',
  'SurrogateFunctionBase',
  'MultiArgsSurrogateFunctionBase',
  'piecewise_quadratic',
  'PiecewiseQuadratic',
  'piecewise_exp',
  'PiecewiseExp',
  'sigmoid',
  'Sigmoid',
  'soft_sign',
  'SoftSign',
  'atan',
  'ATan',
  'nonzero_sign_log_abs',
  'NonzeroSignLogAbs',
  'erf',
  'Erf',
  'piecewise_leaky_relu',
  'PiecewiseLeakyReLU',
  'squarewave_fourier_series',
  'SquarewaveFourierSeries',
  // the base classes' public methods
  'set_spiking_mode',
  'spiking_function',
  'primitive_function',
  'cuda_code',
  'cuda_code_start_comments',
  'cuda_code_end_comments',
  'extra_repr',
];

/** The first cell of every table row of a page. */
const firstCells = (page: string): string[] =>
  page
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .map((l) => l.split('|')[1] ?? '');

const page = (name: string): string => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

describe('docs/functional.md', () => {
  it('embeds docs/examples/functional-helpers.ts verbatim', () => {
    expect(page('functional.md')).toContain(readFileSync(new URL('./examples/functional-helpers.ts', import.meta.url), 'utf8'));
  });

  it('the example runs: [B, 6] population codes, a finite similarity loss and TET loss, one first spike at most per neuron', () => {
    const before = tf.memory().numTensors;
    const out = functionalHelpers();
    expect(out.spikes.shape).toEqual([10, 4, 6]);
    expect(out.codes.arraySync()).toEqual([
      [1, 1, 1, 0, 0, 0],
      [0, 0, 0, 1, 1, 1],
      [0, 0, 0, 1, 1, 1],
      [1, 1, 1, 0, 0, 0],
    ]);
    const sim = out.similarity.dataSync()[0] as number;
    expect(sim).toBeGreaterThanOrEqual(0);
    expect(sim).toBeLessThanOrEqual(1);
    expect(Number.isFinite(out.tet.dataSync()[0])).toBe(true);
    const s = out.spikes.arraySync() as number[][][];
    const f = out.first.arraySync() as number[][][];
    for (let b = 0; b < 4; b++)
      for (let n = 0; n < 6; n++) {
        const t0 = s.findIndex((step) => step[b]?.[n] === 1);
        for (let t = 0; t < 10; t++) expect(f[t]?.[b]?.[n] === 1).toBe(t === t0);
      }
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("maps every public name of SpikingJelly 0.0.0.0.8's functional.py in its table", () => {
    const cells = firstCells(page('functional.md')).join('\n');
    for (const name of FUNCTIONAL) expect(cells, name).toContain(`\`${name}(`);
  });

  it("docs/neurons.md maps every public name of SpikingJelly 0.0.0.0.8's surrogate.py in its table", () => {
    const cells = firstCells(page('neurons.md')).join('\n');
    for (const name of SURROGATE) expect(cells, name).toMatch(new RegExp(`\`${name}[(\`]`));
  });
});
