/**
 * Parity handler for SpikingJelly 0.0.0.0.8's `clock_driven/rnn.py` (no such fixture file exists yet): a file
 * `rnn.json` with `"fixture": "rnn"` is checked case by case against `spikingLstmCell`/`spikingGruCell`/
 * `spikingVanillaRnnCell` and `spikingLstm`/`spikingGru`/`spikingVanillaRnn` of `@spikefn/layers`.
 *
 * The case format it reads (every other field fails the case, as for the other files):
 *
 *   config   module:  'SpikingLSTMCell' | 'SpikingGRUCell' | 'SpikingVanillaRNNCell' | 'SpikingLSTM' | 'SpikingGRU' | 'SpikingVanillaRNN'
 *            input_size, hidden_size, bias (default true);  stacks also: num_layers, bidirectional (default false),
 *            dropout_p (default 0; > 0 only in eval mode), invariant_dropout_mask, training (default false)
 *            surrogate_function1 / surrogate_function2 (LSTM, GRU) or surrogate_function (vanilla):
 *              { name: 'Erf' | 'Sigmoid' | 'ATan' | 'PiecewiseQuadratic' | 'PiecewiseExp' | 'SoftSign', alpha, spiking }
 *              (surrogate_function2 may be null; one `spiking` for all, as SpikingJelly asserts)
 *            inter_layer: 'same-step' | 'previous-step' (optional, see below); loss_for_grads (a description, ignored)
 *   params   PyTorch state_dict keys: cells 'linear_ih.weight', 'linear_ih.bias', 'linear_hh.weight', 'linear_hh.bias';
 *            stacks 'cells.{l}.linear_ih.weight', …, and 'cells_reverse.{l}.…' when bidirectional
 *   inputs   x_seq [T, B, in]; optional h_0, c_0 (cells [B, H], stacks [L·D, B, H]; default zeros); g (the cotangent
 *            of the output, required with grads)
 *   outputs  cells: h_seq [T, B, H] (h after each call), c_seq (LSTM); stacks: y_seq [T, B, D·H], h_n, c_n (LSTM)
 *   grads    of sum(output · g): x_seq, h_0, c_0 and any params key
 *
 * What 0.0.0.0.8 computes that is not its documented equations (see packages/layers/src/spiking-rnn/stack.ts):
 * a unidirectional `SpikingLSTM` with num_layers ≥ 2 feeds layer l the layer below **one step earlier**, so its cases
 * run with `interLayer: 'previous-step'` unless `config.inter_layer` says otherwise; unidirectional multi-layer
 * `SpikingGRU`/`SpikingVanillaRNN` (which read batch row l − 1 of layer 0) need `config.inter_layer`, else the case
 * fails as not reproducible; bidirectional stacks return zeros for every layer's final state but the last's, so
 * `h_n`/`c_n` are compared on the last layer's rows only (the others are checked to be zeros in the fixture).
 */
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, type Layer, scan, trainCtx, type Tree } from '@spikefn/core';
import {
  type InterLayer,
  type SpikingLstmState,
  type SpikingRnnCellParams,
  type SpikingRnnParams,
  spikingGru,
  spikingGruCell,
  spikingLstm,
  spikingLstmCell,
  spikingVanillaRnn,
  spikingVanillaRnnCell,
} from '@spikefn/layers';
import { atan, erf, piecewiseExp, piecewiseQuadratic, sigmoid, softSign, type Surrogate } from '@spikefn/neurons';
import type { FixtureCase, Nested } from '../fixtures.js';
import { register, UnknownCaseError } from '../registry.js';
import { check, close, dot, field, num, onlyKeys, rec, ten } from './seed-helpers.js';

const SURROGATES: Readonly<Record<string, (alpha: number) => Surrogate>> = {
  Erf: erf,
  Sigmoid: sigmoid,
  ATan: atan,
  PiecewiseQuadratic: piecewiseQuadratic,
  PiecewiseExp: piecewiseExp,
  SoftSign: softSign,
};

const CELLS = ['SpikingLSTMCell', 'SpikingGRUCell', 'SpikingVanillaRNNCell'] as const;
const STACKS = ['SpikingLSTM', 'SpikingGRU', 'SpikingVanillaRNN'] as const;
type Module = (typeof CELLS)[number] | (typeof STACKS)[number];

/** A surrogate spec `{ name, alpha, spiking }` (null → undefined). */
function surrogateOf(id: string, spec: Nested | undefined): { s: Surrogate; spiking: boolean } | undefined {
  if (spec === null || spec === undefined) return undefined;
  const r = rec(spec, `${id}.surrogate`);
  onlyKeys(r, ['name', 'alpha', 'spiking'], `${id}.surrogate`);
  const name = field(r, 'name', id);
  const make = typeof name === 'string' ? SURROGATES[name] : undefined;
  if (make === undefined) throw new UnknownCaseError(`${id}: surrogate '${String(name)}'`);
  const spiking = field(r, 'spiking', id);
  if (typeof spiking !== 'boolean') throw new UnknownCaseError(`${id}: surrogate spiking is not a boolean`);
  return { s: make(num(r, 'alpha', id)), spiking };
}

const bool = (cfg: Record<string, Nested>, name: string, dflt: boolean, id: string): boolean => {
  const v = cfg[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new UnknownCaseError(`${id}: config.${name} is not a boolean`);
  return v;
};

/** Cell params from state_dict keys under `prefix` (`''` or `'cells.0.'`). */
function cellParams(c: FixtureCase, prefix: string, bias: boolean, used: Set<string>): SpikingRnnCellParams {
  const get = (k: string): tf.Tensor => {
    used.add(prefix + k);
    return ten(c.params, prefix + k, c.id);
  };
  const base = { weightIh: get('linear_ih.weight'), weightHh: get('linear_hh.weight') };
  return bias ? { ...base, biasIh: get('linear_ih.bias'), biasHh: get('linear_hh.bias') } : base;
}

/** The spikefn name of each params leaf, as the state_dict key. */
function stateDictNames(module: Module, p: SpikingRnnCellParams | SpikingRnnParams): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  const cell = (prefix: string, q: SpikingRnnCellParams): void => {
    out.set(`${prefix}linear_ih.weight`, q.weightIh);
    out.set(`${prefix}linear_hh.weight`, q.weightHh);
    if (q.biasIh !== undefined) out.set(`${prefix}linear_ih.bias`, q.biasIh);
    if (q.biasHh !== undefined) out.set(`${prefix}linear_hh.bias`, q.biasHh);
  };
  if ((CELLS as readonly string[]).includes(module)) cell('', p as SpikingRnnCellParams);
  else {
    const s = p as SpikingRnnParams;
    s.cells.forEach((q, l) => {
      cell(`cells.${l}.`, q);
    });
    s.cellsReverse?.forEach((q, l) => {
      cell(`cells_reverse.${l}.`, q);
    });
  }
  return out;
}

function rebuildParams(
  module: Module,
  p: SpikingRnnCellParams | SpikingRnnParams,
  byName: Map<string, tf.Tensor>,
): SpikingRnnCellParams | SpikingRnnParams {
  const cell = (prefix: string, q: SpikingRnnCellParams): SpikingRnnCellParams => {
    const w = (k: string, t: tf.Tensor | undefined): tf.Tensor | undefined => (t === undefined ? undefined : (byName.get(prefix + k) ?? t));
    const base = { weightIh: w('linear_ih.weight', q.weightIh) as tf.Tensor, weightHh: w('linear_hh.weight', q.weightHh) as tf.Tensor };
    return q.biasIh === undefined
      ? base
      : { ...base, biasIh: w('linear_ih.bias', q.biasIh) as tf.Tensor, biasHh: w('linear_hh.bias', q.biasHh) as tf.Tensor };
  };
  if ((CELLS as readonly string[]).includes(module)) return cell('', p as SpikingRnnCellParams);
  const s = p as SpikingRnnParams;
  const cells = s.cells.map((q, l) => cell(`cells.${l}.`, q));
  return s.cellsReverse === undefined ? { cells } : { cells, cellsReverse: s.cellsReverse.map((q, l) => cell(`cells_reverse.${l}.`, q)) };
}

register('rnn', (c) => {
  const cfg = c.config;
  const id = c.id;
  const module = field(cfg, 'module', id) as Module;
  const isCell = (CELLS as readonly string[]).includes(module);
  if (!isCell && !(STACKS as readonly string[]).includes(module)) throw new UnknownCaseError(`${id}: module '${String(module)}'`);
  const lstm = module === 'SpikingLSTMCell' || module === 'SpikingLSTM';
  const vanilla = module === 'SpikingVanillaRNNCell' || module === 'SpikingVanillaRNN';
  const cellKeys = ['module', 'input_size', 'hidden_size', 'bias', 'loss_for_grads'];
  const surrogateKeys = vanilla ? ['surrogate_function'] : ['surrogate_function1', 'surrogate_function2'];
  const stackKeys = ['num_layers', 'bidirectional', 'dropout_p', 'invariant_dropout_mask', 'training', 'inter_layer'];
  onlyKeys(cfg, [...cellKeys, ...surrogateKeys, ...(isCell ? [] : stackKeys)], `${id}.config`);
  onlyKeys(c.inputs, ['x_seq', 'h_0', 'c_0', 'g'], `${id}.inputs`);
  onlyKeys(c.outputs, isCell ? ['h_seq', ...(lstm ? ['c_seq'] : [])] : ['y_seq', 'h_n', ...(lstm ? ['c_n'] : [])], `${id}.outputs`);

  const inputSize = num(cfg, 'input_size', id);
  const hiddenSize = num(cfg, 'hidden_size', id);
  const bias = bool(cfg, 'bias', true, id);
  const s1 = surrogateOf(id, cfg[vanilla ? 'surrogate_function' : 'surrogate_function1']);
  const s2 = vanilla ? undefined : surrogateOf(id, cfg['surrogate_function2']);
  if (s1 === undefined) throw new UnknownCaseError(`${id}: no surrogate_function${vanilla ? '' : '1'}`);
  if (s2 !== undefined && s2.spiking !== s1.spiking) throw new UnknownCaseError(`${id}: the two surrogates disagree on spiking`);
  const surrogates = { surrogate: s1.s, ...(s2 === undefined ? {} : { surrogate2: s2.s }), spiking: s1.spiking };

  const xs = ten(c.inputs, 'x_seq', id);
  const [T, B] = xs.shape as [number, number, number];
  const used = new Set<string>();
  let layer: Layer<Tree, Tree>;
  let params: SpikingRnnCellParams | SpikingRnnParams;
  let training = false;
  let L = 1;
  let D = 1;
  if (isCell) {
    const base = { inputSize, hiddenSize, bias, ...surrogates };
    layer = (
      module === 'SpikingLSTMCell'
        ? spikingLstmCell(base)
        : module === 'SpikingGRUCell'
          ? spikingGruCell(base)
          : spikingVanillaRnnCell(base)
    ) as never;
    params = cellParams(c, '', bias, used);
  } else {
    L = num(cfg, 'num_layers', id);
    const bidirectional = bool(cfg, 'bidirectional', false, id);
    D = bidirectional ? 2 : 1;
    training = bool(cfg, 'training', false, id);
    const dropoutP = cfg['dropout_p'] === undefined ? 0 : num(cfg, 'dropout_p', id);
    if (training && dropoutP > 0) throw new UnknownCaseError(`${id}: train-mode dropout is random (no exact reference)`);
    const il = cfg['inter_layer'];
    if (il !== undefined && il !== 'same-step' && il !== 'previous-step') throw new UnknownCaseError(`${id}: inter_layer '${String(il)}'`);
    let interLayer: InterLayer | undefined = il;
    if (interLayer === undefined && !bidirectional && L >= 2) {
      if (module !== 'SpikingLSTM')
        throw new UnknownCaseError(
          `${id}: 0.0.0.0.8's unidirectional multi-layer ${module} reads batch row l − 1 of layer 0 (not reproduced); set config.inter_layer`,
        );
      interLayer = 'previous-step';
    }
    const base = {
      inputSize,
      hiddenSize,
      numLayers: L,
      bias,
      bidirectional,
      dropoutP,
      invariantDropoutMask: bool(cfg, 'invariant_dropout_mask', false, id),
      ...(interLayer === undefined ? {} : { interLayer }),
      ...surrogates,
    };
    layer = (module === 'SpikingLSTM' ? spikingLstm(base) : module === 'SpikingGRU' ? spikingGru(base) : spikingVanillaRnn(base)) as never;
    const cells = Array.from({ length: L }, (_, l) => cellParams(c, `cells.${l}.`, bias, used));
    params = bidirectional
      ? { cells, cellsReverse: Array.from({ length: L }, (_, l) => cellParams(c, `cells_reverse.${l}.`, bias, used)) }
      : { cells };
  }
  onlyKeys(c.params, [...used], `${id}.params`);

  const stateShape = isCell ? [B, hiddenSize] : [L * D, B, hiddenSize];
  const h0 = c.inputs['h_0'] === undefined ? tf.zeros(stateShape) : ten(c.inputs, 'h_0', id);
  const c0 = c.inputs['c_0'] === undefined ? tf.zeros(stateShape) : ten(c.inputs, 'c_0', id);
  const ctx = training ? trainCtx(key(0)) : evalCtx(key(0));
  const init = layer.initialState(params as Tree, isCell ? [B, inputSize] : xs.shape, key(0)) as Record<string, tf.Tensor>;

  /** The run: the outputs the file records, from params, x, h₀, c₀. */
  const run = (p: Tree, x: tf.Tensor, h: tf.Tensor, cc: tf.Tensor): Record<string, tf.Tensor> => {
    const s0 = { ...init, h, ...(lstm ? { c: cc } : {}) } as unknown as SpikingLstmState;
    if (!isCell) {
      const [sT, ys] = layer.step(p, s0 as unknown as Tree, x, ctx) as unknown as [SpikingLstmState, tf.Tensor];
      return { y_seq: ys, h_n: sT.h, ...(lstm ? { c_n: sT.c } : {}) };
    }
    const [, per] = scan<Tree, Record<string, tf.Tensor>>(
      (s, xt, k) => {
        const [s2] = layer.step(p, s, xt, { training: false, key: k }) as unknown as [SpikingLstmState, tf.Tensor];
        return [s2 as unknown as Tree, { h_seq: s2.h, ...(lstm ? { c_seq: s2.c } : {}) }];
      },
      s0 as unknown as Tree,
      x,
      ctx.key,
    );
    return per;
  };

  const out = run(params as Tree, xs, h0, c0);
  for (const [name, want] of Object.entries(c.outputs)) {
    const got = out[name] as tf.Tensor;
    if (!isCell && D === 2 && L >= 2 && (name === 'h_n' || name === 'c_n')) {
      // 0.0.0.0.8 re-zeroes new_states_list per layer: only the last layer's final states are recorded.
      const rows = want as Nested[];
      rows.forEach((row, j) => {
        if (j === L - 1 || j === 2 * L - 1) close(`${name}[${j}]`, tf.gather(got, j), row);
        else
          check(
            ((row as unknown[]).flat(Infinity) as number[]).every((v) => v === 0),
            `${id}: ${name}[${j}] is not zeros in the fixture`,
          );
      });
    } else close(name, got, want);
  }
  check(out[isCell ? 'h_seq' : 'y_seq']?.shape[0] === T, `${id}: time axis`);

  if (c.grads !== undefined) {
    const g = ten(c.inputs, 'g', id);
    const byName = stateDictNames(module, params);
    const wanted = Object.keys(c.grads);
    onlyKeys(c.grads, ['x_seq', 'h_0', 'c_0', ...byName.keys()], `${id}.grads`);
    const names = wanted.filter((k) => byName.has(k));
    const loss = (...args: tf.Tensor[]): tf.Scalar => {
      const at = (k: string, dflt: tf.Tensor): tf.Tensor => {
        const i = wanted.indexOf(k);
        return i < 0 ? dflt : (args[i] as tf.Tensor);
      };
      const swapped = new Map(names.map((k) => [k, at(k, byName.get(k) as tf.Tensor)]));
      const p = rebuildParams(module, params, swapped) as Tree;
      const o = run(p, at('x_seq', xs), at('h_0', h0), at('c_0', c0));
      return dot(o[isCell ? 'h_seq' : 'y_seq'] as tf.Tensor, g);
    };
    const xsOf = (k: string): tf.Tensor => (k === 'x_seq' ? xs : k === 'h_0' ? h0 : k === 'c_0' ? c0 : (byName.get(k) as tf.Tensor));
    const grads = tf.grads(loss)(wanted.map(xsOf));
    wanted.forEach((k, i) => {
      close(`grads.${k}`, grads[i] as tf.Tensor, (c.grads as Record<string, Nested>)[k] as Nested, 'grad');
    });
  }
});
