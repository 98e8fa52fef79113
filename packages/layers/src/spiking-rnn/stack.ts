/**
 * Multi-layer spiking RNNs: SpikingJelly 0.0.0.0.8's `SpikingRNNBase` (`clock_driven/rnn.py`) with its stacking,
 * bidirectional runs and dropout between layers, as one layer over a whole sequence, run by `scan`.
 *
 * Input `xs: [T, B, in]`, output `ys: [T, B, D·H]` (D = 2 when bidirectional, else 1), the last layer's h at every
 * step. State: each of the cell's states stacked as SpikingJelly lays them out, `h` (and the LSTM's `c`) of shape
 * `[L·D, B, H]`: index `l` is layer l's forward cell, index `L + l` its reverse cell. A step runs the whole sequence
 * and returns the states after it (the reverse cells' after x[0]); the initial state is zeros (`states=None`).
 *
 * Unidirectional (`bidirectional: false`), at each step t, for layers l = 0..L−1 (cell_l's equations are in
 * lstm.ts, gru.ts, vanilla-rnn.ts):
 *
 *   s_l[t] = cell_l(u_l[t], s_l[t−1]),   u_0[t] = x[t],
 *   u_l[t] = drop_l(h_{l−1}[t])      (interLayer 'same-step', default: the layer below at the same step)
 *   u_l[t] = drop_l(h_{l−1}[t−1])    (interLayer 'previous-step': the layer below one step earlier)
 *   y[t] = h_{L−1}[t]
 *
 * Bidirectional, layer by layer over the whole sequence (`bidirectional_rnn_cell_forward`):
 *
 *   u_0 = x,   u_l = drop_l(y_{l−1})
 *   f[t] = h of cell_l run forward over u_l[0..T−1];  r[t] = h of cellReverse_l after reading u_l[T−1], …, u_l[t]
 *   y_l[t] = concat(f[t], r[t])   (layers l ≥ 1 take 2H features)
 *
 * Dropout between layers (`dropoutP > 0`, train mode only; layer l ≥ 1's input, never the output of the last
 * layer): `drop(u) = u ⊙ m / (1 − p)`, m ~ Bernoulli(1 − p), drawn
 *
 *   - `invariantDropoutMask: false` (default, `F.dropout`): afresh for every element, step and layer, from
 *     `foldIn(k_t, l)` (k_t = `foldIn(ctx.key, t)`, the step's key in `scan`); bidirectional: from `foldIn(ctx.key, l)`
 *     once for the whole `[T, B, 2H]` input of layer l.
 *   - `invariantDropoutMask: true` (SpikingJelly's mask that does not change over time, see {@link dropout}): once per
 *     sequence, `[L−1, B, D·H]`, by `initialState` from its key, kept in the state as `mask` and used at every step.
 *
 * Keys: `init(key)` gives layer l's forward cell `foldIn(key, l)` and its reverse cell `foldIn(key, L + l)`.
 *
 * Where this differs from 0.0.0.0.8's code (its docstrings describe what is implemented here):
 *
 *   - Unidirectional stacks read `states_list[0, i − 1]` from the states of the **previous** step: for
 *     `SpikingLSTM` that is h_{l−1}[t−1] (`interLayer: 'previous-step'` reproduces it; later SpikingJelly releases
 *     update the states in place, which gives 'same-step'); for `SpikingGRU`/`SpikingVanillaRNN` (a single state) it
 *     is batch row l−1 of layer 0's h, broadcast over the batch, which is not reproduced.
 *   - Bidirectional stacks apply dropout only before layers l ≥ 2 (`if i > 1`); here before every layer l ≥ 1, as
 *     documented and as the unidirectional branch does.
 *   - Bidirectional stacks return zeros as the final states of every layer but the last (`new_states_list` is
 *     re-zeroed per layer); here every layer's final states.
 *
 * @category spiking RNN
 */
import * as tf from '@spikefn/core/tf';
import {
  foldIn,
  type Layer,
  scan,
  SpikefnArgumentError,
  type Shape,
  tidyStep,
  checkDim as dim,
  checkDropProbability as dropProbability,
  checkOneOf as oneOf,
  checkPositiveInt as positiveInt,
  checkRank as rank,
} from '@spikefn/core';
import { dropoutMask } from '../dropout.js';
import {
  type CellBase,
  type CellSpec,
  checkCellParams,
  checkContext,
  checkFloatInput,
  checkStateLeaves,
  initCell,
  resolveCellBase,
  type SpikingRnnCellBaseConfig,
  type SpikingRnnCellParams,
  type SpikingRnnCellState,
  unstack0,
} from './cell.js';

/** How layer l ≥ 1 of a unidirectional stack reads the layer below (see the header). @category spiking RNN */
export type InterLayer = 'same-step' | 'previous-step';

/** The hyper-parameters every multi-layer spiking RNN has (`SpikingRNNBase.__init__`). @category spiking RNN */
export type SpikingRnnBaseConfig = SpikingRnnCellBaseConfig & {
  /** `num_layers`: how many cells are stacked (an integer ≥ 1). */
  readonly numLayers: number;
  /** `dropout_p`: dropout on the input of every layer but the first, in train mode. In [0, 1); default 0. */
  readonly dropoutP?: number;
  /** `invariant_dropout_mask`: one dropout mask per sequence (in the state) instead of one per step. Default false. */
  readonly invariantDropoutMask?: boolean;
  /** `bidirectional`: a forward and a reverse cell per layer, outputs concatenated. Default false. */
  readonly bidirectional?: boolean;
  /** Unidirectional stacks: the layer below at the same step (default) or one step earlier (0.0.0.0.8's `SpikingLSTM`). */
  readonly interLayer?: InterLayer;
};

/**
 * The params of a multi-layer spiking RNN: one cell per layer (`cells[l]`, SpikingJelly's `cells[l]`) and, when
 * bidirectional, one reverse cell per layer (`cellsReverse[l]`, SpikingJelly's `cells_reverse[l]`).
 *
 * @category spiking RNN
 */
export type SpikingRnnParams = {
  /** Layer l's (forward) cell: `weightIh: [G·H, in_l]` with in_0 = inputSize, in_l = D·H. */
  readonly cells: readonly SpikingRnnCellParams[];
  /** Layer l's reverse cell; present only when bidirectional. */
  readonly cellsReverse?: readonly SpikingRnnCellParams[];
};

/** The state of a multi-layer spiking GRU or vanilla RNN (SpikingJelly's `states` layout). @category spiking RNN */
export type SpikingRnnState = {
  /** h: `[L·D, B, H]`: index l is layer l's forward cell, L + l its reverse cell. Zeros initially. */
  readonly h: tf.Tensor;
  /** The invariant dropout mask `[L−1, B, D·H]` (entries 0 or 1/(1−p)); present only with `invariantDropoutMask`, `dropoutP > 0` and L ≥ 2. */
  readonly mask?: tf.Tensor;
};

/** The state of a multi-layer spiking LSTM (SpikingJelly's `(h, c)` states). @category spiking RNN */
export type SpikingLstmState = SpikingRnnState & {
  /** c: `[L·D, B, H]`, laid out as `h`. Zeros initially. */
  readonly c: tf.Tensor;
};

/** The checked settings of a stack. @internal */
export type StackSettings = CellBase & {
  readonly numLayers: number;
  readonly dropoutP: number;
  readonly invariantDropoutMask: boolean;
  readonly bidirectional: boolean;
  readonly interLayer: InterLayer;
};

/** Checks a stack's config. @internal */
export function resolveStack(fn: string, config: SpikingRnnBaseConfig): StackSettings {
  const base = resolveCellBase(fn, config);
  const numLayers = positiveInt(fn, 'config.numLayers', config.numLayers);
  const dropoutP = dropProbability(fn, 'config.dropoutP', config.dropoutP ?? 0);
  const invariantDropoutMask = config.invariantDropoutMask ?? false;
  if (typeof invariantDropoutMask !== 'boolean')
    throw new SpikefnArgumentError(fn, 'config.invariantDropoutMask', 'a boolean', String(invariantDropoutMask));
  const bidirectional = config.bidirectional ?? false;
  if (typeof bidirectional !== 'boolean') throw new SpikefnArgumentError(fn, 'config.bidirectional', 'a boolean', String(bidirectional));
  const interLayer = oneOf(fn, 'config.interLayer', config.interLayer ?? 'same-step', ['same-step', 'previous-step'] as const);
  if (bidirectional && interLayer !== 'same-step')
    throw new SpikefnArgumentError(
      fn,
      'config.interLayer',
      "'same-step' for a bidirectional stack (it runs layer by layer)",
      `'${interLayer}'`,
    );
  return { ...base, numLayers, dropoutP, invariantDropoutMask, bidirectional, interLayer };
}

type States = Record<string, tf.Tensor>;

/** A multi-layer spiking RNN over cells made by `makeSpec(inputSize)`. @internal */
export function stackLayer<S extends SpikingRnnCellState, St extends SpikingRnnState>(
  kind: string,
  cfg: StackSettings,
  makeSpec: (inputSize: number) => CellSpec<S>,
): Layer<SpikingRnnParams, St> {
  const L = cfg.numLayers;
  const D = cfg.bidirectional ? 2 : 1;
  const H = cfg.hiddenSize;
  const p = cfg.dropoutP;
  const specs = Array.from({ length: L }, (_, l) => makeSpec(l === 0 ? cfg.inputSize : D * H));
  const keys = (specs[0] as CellSpec<S>).stateKeys;
  const hasMask = cfg.invariantDropoutMask && p > 0 && L > 1;

  const batchOf = (f: string, name: string, shape: Shape): number => {
    rank(f, name, shape, 3, '[T, B, inputSize]');
    dim(f, name, shape, 2, cfg.inputSize, 'inputSize');
    return shape[1] as number;
  };
  const checkParams = (f: string, params: SpikingRnnParams): void => {
    if (params === null || typeof params !== 'object')
      throw new SpikefnArgumentError(f, 'params', 'params { cells, cellsReverse? }', String(params));
    const lists: Array<['cells' | 'cellsReverse', boolean]> = [
      ['cells', true],
      ['cellsReverse', D === 2],
    ];
    for (const [name, wanted] of lists) {
      const list = params[name];
      if (!wanted) {
        if (list !== undefined) throw new SpikefnArgumentError(f, `params.${name}`, 'nothing (the stack is not bidirectional)', 'a list');
        continue;
      }
      if (!Array.isArray(list) || list.length !== L)
        throw new SpikefnArgumentError(
          f,
          `params.${name}`,
          `a list of ${L} cell params (numLayers)`,
          Array.isArray(list) ? `${list.length}` : String(list),
        );
      list.forEach((c, l) => {
        checkCellParams(f, `params.${name}.${l}`, specs[l] as unknown as CellSpec<SpikingRnnCellState>, c);
      });
    }
  };

  /** One step of every layer of a unidirectional stack. */
  const uniStep = (
    params: SpikingRnnParams,
    carry: Record<string, tf.Tensor[]>,
    x: tf.Tensor,
    dropMask: (l: number, u: tf.Tensor) => tf.Tensor,
  ) => {
    const next: Record<string, tf.Tensor[]> = Object.fromEntries(keys.map((k) => [k, [] as tf.Tensor[]]));
    const hNext = next['h'] as tf.Tensor[];
    const hPrev = carry['h'] as tf.Tensor[];
    let u = x;
    for (let l = 0; l < L; l++) {
      if (l > 0) u = dropMask(l, cfg.interLayer === 'same-step' ? (hNext[l - 1] as tf.Tensor) : (hPrev[l - 1] as tf.Tensor));
      const s0 = Object.fromEntries(keys.map((k) => [k, (carry[k] as tf.Tensor[])[l] as tf.Tensor])) as unknown as S;
      const s1 = (specs[l] as CellSpec<S>).compute((params.cells as SpikingRnnCellParams[])[l] as SpikingRnnCellParams, s0, u);
      for (const k of keys) (next[k] as tf.Tensor[]).push((s1 as unknown as States)[k] as tf.Tensor);
    }
    return next;
  };

  return {
    kind,
    init: (key) => {
      const one = (l: number, j: number): SpikingRnnCellParams =>
        initCell(`${kind}.init`, foldIn(key, j), (specs[l] as CellSpec<S>).gates, (specs[l] as CellSpec<S>).inputSize, H, cfg.bias);
      const cells = specs.map((_, l) => one(l, l));
      return D === 2 ? { cells, cellsReverse: specs.map((_, l) => one(l, L + l)) } : { cells };
    },
    outputShape: (_, inputShape) => {
      batchOf(`${kind}.outputShape`, 'inputShape', inputShape);
      return [inputShape[0] as number, inputShape[1] as number, D * H];
    },
    initialState: (_, inputShape, key) => {
      const B = batchOf(`${kind}.initialState`, 'inputShape', inputShape);
      const st: States = Object.fromEntries(keys.map((k) => [k, tf.zeros([L * D, B, H])]));
      if (hasMask) st['mask'] = dropoutMask(key, p, [L - 1, B, D * H]);
      return st as unknown as St;
    },
    step: (params, state, xs, ctx) => {
      const f = `${kind}.step`;
      checkContext(f, ctx);
      checkParams(f, params);
      checkFloatInput(f, 'xs', xs);
      const B = batchOf(f, 'xs', xs.shape);
      checkStateLeaves(f, 'state', state, keys, [L * D, B, H], '[numLayers·directions, B, hiddenSize] with the batch of xs');
      if (hasMask)
        checkStateLeaves(f, 'state', state, ['mask'], [L - 1, B, D * H], '[numLayers − 1, B, directions·hiddenSize] from initialState');
      else if ((state as SpikingRnnState).mask !== undefined)
        throw new SpikefnArgumentError(f, 'state.mask', 'nothing (no invariant dropout mask in this stack)', 'a tensor');
      const st = state as unknown as States;
      const drop = ctx.training && p > 0;
      return tidyStep(() => {
        const masks = hasMask && drop ? unstack0(st['mask'] as tf.Tensor) : undefined;
        const per = Object.fromEntries(keys.map((k) => [k, unstack0(st[k] as tf.Tensor)])) as Record<string, tf.Tensor[]>;
        const out: States = {};
        let ys: tf.Tensor;
        if (D === 1) {
          const [fin, y] = scan<Record<string, tf.Tensor[]>, tf.Tensor>(
            (carry, x, k) => {
              const dropMask = (l: number, u: tf.Tensor): tf.Tensor =>
                !drop ? u : tf.mul(u, masks !== undefined ? (masks[l - 1] as tf.Tensor) : dropoutMask(foldIn(k, l), p, u.shape));
              const next = uniStep(params, carry, x, dropMask);
              return [next, (next['h'] as tf.Tensor[])[L - 1] as tf.Tensor];
            },
            per,
            xs,
            ctx.key,
          );
          for (const k of keys) out[k] = tf.stack(fin[k] as tf.Tensor[]);
          ys = y;
        } else {
          const finals: States[] = new Array(2 * L);
          let u = xs;
          for (let l = 0; l < L; l++) {
            if (l > 0 && drop)
              u = tf.mul(u, masks !== undefined ? (masks[l - 1] as tf.Tensor) : dropoutMask(foldIn(ctx.key, l), p, u.shape));
            const spec = specs[l] as CellSpec<S>;
            const run = (cell: SpikingRnnCellParams, j: number, seq: tf.Tensor): tf.Tensor => {
              const s0 = Object.fromEntries(keys.map((k) => [k, (per[k] as tf.Tensor[])[j] as tf.Tensor])) as unknown as S;
              const [sT, hs] = scan<S, tf.Tensor>(
                (s, x) => {
                  const n = spec.compute(cell, s, x);
                  return [n, n.h];
                },
                s0,
                seq,
                ctx.key,
              );
              finals[j] = sT as unknown as States;
              return hs;
            };
            const forward = run((params.cells as SpikingRnnCellParams[])[l] as SpikingRnnCellParams, l, u);
            const reverse = run((params.cellsReverse as SpikingRnnCellParams[])[l] as SpikingRnnCellParams, L + l, tf.reverse(u, 0));
            u = tf.concat([forward, tf.reverse(reverse, 0)], 2);
          }
          for (const k of keys) out[k] = tf.stack(finals.map((s) => s[k] as tf.Tensor));
          ys = u;
        }
        if (hasMask) out['mask'] = st['mask'] as tf.Tensor;
        return [out as unknown as St, ys];
      });
    },
  };
}
