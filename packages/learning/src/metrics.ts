/**
 * Classification metrics for spiking readouts, as pure functions over plain arrays (read a tensor with
 * `await t.data()` first). The readout of a spiking classifier is usually the class whose output neuron fires most;
 * with few time steps, two neurons often fire equally often, or none fires at all, and the rule for those cases
 * changes the accuracy. {@link decide} makes it explicit:
 *
 *   top(b)  = { c : score[b, c] = max_k score[b, k] }
 *   silent  : every score of the example is 0 (no output neuron fired)
 *   tie     : |top(b)| ≥ 2 and not silent
 *   rule 'lowest' (default): the lowest class of top(b), as `tf.argMax`, `predict` of this package and PyTorch's
 *                            `argmax` (SpikingJelly's examples) do; a silent example is then predicted as class 0
 *   rule 'abstain'        : ties and silent examples get {@link ABSTAIN} (−1), which every metric counts as wrong
 *
 * Metrics (labels y, predictions p, n examples, C classes):
 *
 *   accuracy            = (1/n) Σ_i [p_i = y_i]                   (an abstention is never equal to a label)
 *   confusion[y][p]     = #{ i : y_i = y, p_i = p }               (rows: true class, columns: predicted; abstentions
 *                                                                  counted apart, per true class, in `abstained`)
 *   precision_c         = confusion[c][c] / Σ_y confusion[y][c]   (0 when nothing was predicted as c)
 *   recall_c            = confusion[c][c] / #{ i : y_i = c }       (0 when the class has no example)
 *   F1_c                = 2·precision_c·recall_c / (precision_c + recall_c)   (0 when both are 0)
 *   macro F1            = (1/C) Σ_c F1_c
 *
 * The 0-for-undefined convention is scikit-learn's `zero_division=0` (`sklearn.metrics.precision_recall_fscore_support`).
 *
 * @category metrics
 */
import { SpikefnArgumentError } from '@spikefn/core';

/** The prediction of an example that the `'abstain'` tie rule leaves undecided. @category metrics */
export const ABSTAIN = -1;

/** How {@link decide} treats ties and all-silent outputs. @category metrics */
export type TieRule = 'lowest' | 'abstain';

/** The decisions of {@link decide}. @category metrics */
export type Decisions = {
  /** The predicted class of each example, or {@link ABSTAIN} under the `'abstain'` rule. */
  readonly predictions: Int32Array;
  /** Examples whose top score is shared by two or more classes (silent ones not included). */
  readonly ties: number;
  /** Examples whose scores are all 0 (no output neuron fired). */
  readonly silent: number;
};

const positiveInt = (fn: string, name: string, v: number): void => {
  if (!Number.isInteger(v) || v < 1) throw new SpikefnArgumentError(fn, name, 'an integer >= 1', String(v));
};

/**
 * Predicted classes from scores `[B, C]` (row-major, e.g. spike counts or firing rates of the output layer), with
 * the tie rule of the module header, counting ties and all-silent examples. Every score must be finite.
 *
 * @category metrics
 */
export function decide(scores: ArrayLike<number>, classes: number, options: { readonly ties?: TieRule } = {}): Decisions {
  positiveInt('decide', 'classes', classes);
  const rule = options.ties ?? 'lowest';
  if (rule !== 'lowest' && rule !== 'abstain')
    throw new SpikefnArgumentError('decide', 'options.ties', "'lowest' or 'abstain'", String(rule));
  if (scores.length % classes !== 0)
    throw new SpikefnArgumentError('decide', 'scores', `a multiple of ${classes} values ([B, C] row-major)`, `${scores.length} values`);
  const B = scores.length / classes;
  const predictions = new Int32Array(B);
  let ties = 0;
  let silent = 0;
  for (let b = 0; b < B; b++) {
    let best = 0;
    let top = 1;
    let zero = true;
    for (let c = 0; c < classes; c++) {
      const v = scores[b * classes + c] as number;
      if (!Number.isFinite(v)) throw new SpikefnArgumentError('decide', 'scores', 'finite numbers', `${v} at example ${b}, class ${c}`);
      if (v !== 0) zero = false;
      if (c === 0) continue;
      const m = scores[b * classes + best] as number;
      if (v > m) {
        best = c;
        top = 1;
      } else if (v === m) top++;
    }
    if (zero) silent++;
    else if (top > 1) ties++;
    predictions[b] = rule === 'abstain' && top > 1 ? ABSTAIN : best;
  }
  return { predictions, ties, silent };
}

function checkPair(fn: string, labels: ArrayLike<number>, predictions: ArrayLike<number>, classes?: number): void {
  if (labels.length !== predictions.length)
    throw new SpikefnArgumentError(fn, 'predictions', `as many values as labels (${labels.length})`, `${predictions.length}`);
  if (labels.length === 0) throw new SpikefnArgumentError(fn, 'labels', 'at least one example', 'none');
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    const p = predictions[i] as number;
    if (!Number.isInteger(y) || y < 0 || (classes !== undefined && y >= classes))
      throw new SpikefnArgumentError(
        fn,
        'labels',
        `class indices${classes === undefined ? ' >= 0' : ` in 0..${classes - 1}`}`,
        `${y} at ${i}`,
      );
    if (!Number.isInteger(p) || p < ABSTAIN || (classes !== undefined && p >= classes))
      throw new SpikefnArgumentError(
        fn,
        'predictions',
        `class indices${classes === undefined ? '' : ` in 0..${classes - 1}`} or ABSTAIN (-1)`,
        `${p} at ${i}`,
      );
  }
}

/**
 * The fraction of examples whose prediction equals the label, `(1/n) Σ [p_i = y_i]`; an {@link ABSTAIN} counts as
 * wrong. Labels are integers ≥ 0, predictions integers ≥ −1, as many of each, at least one.
 *
 * @category metrics
 */
export function accuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  checkPair('accuracy', labels, predictions);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predictions[i]) hits++;
  return hits / labels.length;
}

/** A confusion matrix: `counts[y][p]` examples of true class y predicted as p. @category metrics */
export type ConfusionMatrix = {
  /** The number of classes C. */
  readonly classes: number;
  /** `C × C` counts; rows are true classes, columns predicted classes. */
  readonly counts: readonly (readonly number[])[];
  /** Per true class, the examples whose prediction was {@link ABSTAIN}. */
  readonly abstained: readonly number[];
  /** The number of examples (the sum of `counts` and `abstained`). */
  readonly total: number;
};

/**
 * The confusion matrix of labels and predictions over `classes` classes (rows: true class, columns: predicted;
 * {@link ABSTAIN} predictions counted per true class in `abstained`).
 *
 * @category metrics
 */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): ConfusionMatrix {
  positiveInt('confusionMatrix', 'classes', classes);
  checkPair('confusionMatrix', labels, predictions, classes);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const abstained = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    const p = predictions[i] as number;
    if (p === ABSTAIN) abstained[y] = (abstained[y] as number) + 1;
    else (counts[y] as number[])[p] = ((counts[y] as number[])[p] as number) + 1;
  }
  return { classes, counts, abstained, total: labels.length };
}

/** Per-class metrics of a confusion matrix. @category metrics */
export type ClassMetrics = {
  /** Per class c: correct predictions of c over all predictions of c (0 when c was never predicted). */
  readonly precision: readonly number[];
  /** Per class c: correct predictions of c over the examples of class c (0 when there are none). */
  readonly recall: readonly number[];
  /** Per class: the harmonic mean of precision and recall (0 when both are 0). */
  readonly f1: readonly number[];
  /** Per class: the number of examples of that class (abstentions included). */
  readonly support: readonly number[];
  /** The mean of `f1` over the classes. */
  readonly macroF1: number;
  /** The trace over the total: the {@link accuracy} of the same predictions. */
  readonly accuracy: number;
};

/**
 * Precision, recall, F1 and support per class, macro F1 and accuracy, from a {@link ConfusionMatrix} (equations in
 * the module header; undefined ratios are 0, as scikit-learn's `zero_division=0`).
 *
 * @category metrics
 */
export function classMetrics(cm: ConfusionMatrix): ClassMetrics {
  const C = cm.classes;
  const row = (c: number): readonly number[] => cm.counts[c] as readonly number[];
  const support = Array.from({ length: C }, (_, c) => row(c).reduce((a, v) => a + v, 0) + (cm.abstained[c] as number));
  const predicted = Array.from({ length: C }, (_, c) => cm.counts.reduce((a, r) => a + (r[c] as number), 0));
  const tp = Array.from({ length: C }, (_, c) => row(c)[c] as number);
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
  const precision = tp.map((t, c) => ratio(t, predicted[c] as number));
  const recall = tp.map((t, c) => ratio(t, support[c] as number));
  const f1 = precision.map((p, c) => {
    const r = recall[c] as number;
    return p + r > 0 ? (2 * p * r) / (p + r) : 0;
  });
  return {
    precision,
    recall,
    f1,
    support,
    macroF1: f1.reduce((a, v) => a + v, 0) / C,
    accuracy: ratio(
      tp.reduce((a, v) => a + v, 0),
      cm.total,
    ),
  };
}
