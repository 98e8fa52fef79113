/**
 * Parity of `@spikefn/learning`'s functional helpers with SpikingJelly 0.0.0.0.8's `functional.py`
 * (`functional_more.json`): spike_similar_loss (every kernel × loss), kernel_dot_product, redundant_one_hot,
 * first_spike_index, spike_cluster, temporal_efficient_training_cross_entropy (= `tetLoss` with λ = 0) and
 * set_threshold_margin (= `thresholdMargin`, which returns the thresholds as a value).
 *
 * Tolerances: float64 library numbers at the fixtures' float32-port tolerances (values / gradients); the
 * spike_similar_loss cases SpikingJelly could only run in float32 (`config.dtype = float32`) at the fixture README's
 * 2e-6 (loss) and 1e-5 (gradients), absolute + relative; bool and integer outputs exactly.
 *
 * Where SpikingJelly raises (the case records only the error), the handler checks what spikefn does instead:
 *
 * - `ssl_polynomial_bce`: spikefn refuses polynomial + bce with a SpikefnArgumentError naming the options.
 * - `ssl_linear_bce`: spikefn clamps the predicted similarity into [0, 1] and returns a finite loss; checked against
 *   the formula evaluated here in float64, and its gradient against central differences of that formula.
 * - `kdp_gaussian_n_ne_m_error`: spikefn returns the N × K matrix exp(−‖x_i − y_j‖²/(2σ²)), checked against the formula.
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import {
  firstSpikeIndex,
  kernelDotProduct,
  redundantOneHot,
  spikeCluster,
  spikeSimilarLoss,
  tetLoss,
  thresholdMargin,
  type SimilarityKernel,
  type SimilarityLoss,
} from '@spikefn/learning';
import type { FixtureCase, Nested } from '../fixtures.js';
import { shapeOf } from '../compare.js';
import { register, UnknownCaseError } from '../registry.js';
import { check, close, field, num, onlyKeys, rec, ten } from './seed-helpers.js';

const flat = (v: Nested): number[] => (Array.isArray(v) ? (v as unknown[]).flat(Infinity) : [v]).map((x) => Number(x));

/** `abs(got − want) <= tol·(1 + abs(want))` for every value (the README's "absolute + relative" float32 tolerance). */
function closeAbsRel(name: string, got: tf.Tensor, want: Nested, tol: number): void {
  check(got.shape.join(',') === shapeOf(want).join(','), `${name}: shape [${got.shape}], want [${shapeOf(want)}]`);
  const g = got.dataSync();
  flat(want).forEach((w, i) => {
    const gi = g[i] as number;
    check(Math.abs(gi - w) <= tol * (1 + Math.abs(w)), `${name}: index ${i}: got ${gi}, want ${w} (tolerance ${tol} abs + rel)`);
  });
}

/** A bool tensor against a nested list of booleans, exactly. */
function sameBools(name: string, got: tf.Tensor, want: Nested): void {
  check(got.dtype === 'bool', `${name}: dtype ${got.dtype}, want bool`);
  check(got.shape.join(',') === shapeOf(want).join(','), `${name}: shape [${got.shape}], want [${shapeOf(want)}]`);
  const g = got.dataSync();
  flat(want).forEach((w, i) => {
    check((g[i] as number) === w, `${name}: index ${i}: got ${g[i] === 1}, want ${w === 1}`);
  });
}

/** SpikingJelly's `kernel_type` + `*args` as a spikefn kernel. */
function kernelOf(c: FixtureCase, type: Nested | undefined, args: Nested | undefined): SimilarityKernel {
  const a = Array.isArray(args) ? (args as number[]) : [];
  const arg = (): number => {
    if (a.length !== 1 || typeof a[0] !== 'number')
      throw new UnknownCaseError(`${c.id}: kernel ${String(type)} with args ${JSON.stringify(args)}`);
    return a[0];
  };
  switch (type) {
    case 'linear':
      if (a.length !== 0) throw new UnknownCaseError(`${c.id}: linear kernel with args ${JSON.stringify(args)}`);
      return { kind: 'linear' };
    case 'polynomial':
      return { kind: 'polynomial', d: arg() };
    case 'sigmoid':
      return { kind: 'sigmoid', alpha: arg() };
    case 'gaussian':
      return { kind: 'gaussian', sigma: arg() };
    default:
      throw new UnknownCaseError(`${c.id}: kernel '${String(type)}'`);
  }
}

/** spike_similar_loss in float64, from its equations (for the case SpikingJelly cannot run): linear kernel, bce. */
function linearBce64(S: number[][], L: number[][]): number {
  const N = S.length;
  const dot = (a: number[], b: number[]): number => a.reduce((acc, v, i) => acc + v * (b[i] as number), 0);
  let sum = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      const si = S[i] as number[];
      const sj = S[j] as number[];
      const p = Math.min(1, Math.max(0, dot(si, sj) / (Math.sqrt(dot(si, si)) * Math.sqrt(dot(sj, sj)) + 1e-8)));
      const y = Math.min(1, dot(L[i] as number[], L[j] as number[]));
      sum -= y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log(1 - p), -100);
    }
  return sum / (N * N);
}

function checkSpikeSimilarLoss(c: FixtureCase): void {
  const cfg = c.config;
  onlyKeys(
    cfg,
    ['function', 'kernel_type', 'loss_type', 'args', 'input_shape', 'labels', 'binary_spikes', 'dtype', 'input_draws', 'loss_for_grads'],
    `${c.id}.config`,
  );
  const kernel = kernelOf(c, cfg['kernel_type'], cfg['args']);
  const loss = cfg['loss_type'] as SimilarityLoss;
  if (loss !== 'mse' && loss !== 'l1' && loss !== 'bce') throw new UnknownCaseError(`${c.id}: loss '${String(loss)}'`);
  const spikes = ten(c.inputs, 'spikes', c.id);
  const labels = tf.cast(ten(c.inputs, 'labels', c.id), 'int32');
  const run = (s: tf.Tensor): tf.Scalar => spikeSimilarLoss(s, labels, { kernel, loss });
  const library = rec(c.properties, `${c.id}.properties`);
  if (Object.keys(c.outputs).length === 0) {
    // SpikingJelly raised in every dtype it was run in.
    check(String(library['float32_library_result']).startsWith('RuntimeError'), `${c.id}: no outputs, but no recorded error`);
    if (kernel.kind === 'polynomial') {
      let err: unknown;
      try {
        run(spikes);
      } catch (e) {
        err = e;
      }
      check(err instanceof SpikefnArgumentError, `${c.id}: polynomial + bce should throw a SpikefnArgumentError, got ${String(err)}`);
      check(/'options'.*polynomial kernel is not normalised/.test((err as Error).message), `${c.id}: message ${(err as Error).message}`);
      return;
    }
    if (kernel.kind !== 'linear') throw new UnknownCaseError(`${c.id}: an error case of kernel ${kernel.kind}`);
    // The improvement: a finite loss, the formula's value, and its gradient.
    const N = spikes.shape[0] as number;
    const S = tf.reshape(spikes, [N, -1]).arraySync() as number[][];
    const L = labels.arraySync() as number[][];
    const want = linearBce64(S, L);
    const got = run(spikes).dataSync()[0] as number;
    check(Number.isFinite(got) && Math.abs(got - want) <= 1e-5 + 1e-4 * Math.abs(want), `${c.id}: loss ${got}, formula (float64) ${want}`);
    const grad = tf.grad(run)(spikes).dataSync();
    const h = 1e-6;
    S.forEach((row, i) => {
      row.forEach((_, k) => {
        const at = (dx: number): number =>
          linearBce64(
            S.map((r, ii) => (ii === i ? r.map((v, kk) => (kk === k ? v + dx : v)) : r)),
            L,
          );
        const fd = (at(h) - at(-h)) / (2 * h);
        const gi = grad[i * row.length + k] as number;
        check(
          Number.isFinite(gi) && Math.abs(gi - fd) <= 1e-4 + 1e-3 * Math.abs(fd),
          `${c.id}: grad [${i}, ${k}] = ${gi}, central difference ${fd}`,
        );
      });
    });
    return;
  }
  onlyKeys(c.outputs, ['loss', 'loss_float64'], `${c.id}.outputs`);
  const value = run(spikes);
  const grad = tf.grad(run)(spikes);
  if (cfg['dtype'] === 'float32') {
    closeAbsRel('loss', value, field(c.outputs, 'loss', c.id), 2e-6);
    closeAbsRel('grad spikes', grad, field(c.grads, 'spikes', c.id), 1e-5);
  } else {
    check(cfg['dtype'] === 'float64', `${c.id}: dtype ${String(cfg['dtype'])}`);
    close('loss', value, field(c.outputs, 'loss', c.id), 'value');
    close('grad spikes', grad, field(c.grads, 'spikes', c.id), 'grad');
  }
}

function checkKernelDotProduct(c: FixtureCase): void {
  onlyKeys(c.config, ['function', 'kernel', 'args', 'x_shape', 'y_shape', 'loss_for_grads'], `${c.id}.config`);
  const kernel = kernelOf(c, c.config['kernel'], c.config['args']);
  const x = ten(c.inputs, 'x', c.id);
  const y = ten(c.inputs, 'y', c.id);
  if (Object.keys(c.outputs).length === 0) {
    // SpikingJelly's gaussian kernel raises for x.shape[0] != y.shape[0]; spikefn computes the formula.
    check(kernel.kind === 'gaussian' && x.shape[0] !== y.shape[0], `${c.id}: an error case spikefn does not expect`);
    const s = (kernel as { sigma: number }).sigma;
    const xs = x.arraySync() as number[][];
    const ys = y.arraySync() as number[][];
    const want = xs.map((xi) => ys.map((yj) => Math.exp(-xi.reduce((a, v, k) => a + (v - (yj[k] as number)) ** 2, 0) / (2 * s * s))));
    close('K (N != K rows)', kernelDotProduct(x, y, kernel), want, 'value');
    return;
  }
  const g = ten(c.inputs, 'g', c.id);
  close('K', kernelDotProduct(x, y, kernel), field(c.outputs, 'K', c.id), 'value');
  const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(kernelDotProduct(a, b, kernel), g)))([x, y]) as [
    tf.Tensor,
    tf.Tensor,
  ];
  close('grad x', gx, field(c.grads, 'x', c.id), 'grad');
  close('grad y', gy, field(c.grads, 'y', c.id), 'grad');
}

function checkCase(c: FixtureCase): void {
  const fn = c.config['function'];
  switch (fn) {
    case 'spike_similar_loss':
      checkSpikeSimilarLoss(c);
      return;
    case 'kernel_dot_product':
      checkKernelDotProduct(c);
      return;
    case 'redundant_one_hot': {
      onlyKeys(c.config, ['function', 'num_classes', 'n', 'output_dtype'], `${c.id}.config`);
      const labels = tf.cast(ten(c.inputs, 'labels', c.id), 'int32');
      close(
        'codes',
        redundantOneHot(labels, num(c.config, 'num_classes', c.id), num(c.config, 'n', c.id)),
        field(c.outputs, 'codes', c.id),
        'exact',
      );
      return;
    }
    case 'first_spike_index': {
      onlyKeys(c.config, ['function', 'input_shape', 'time_dim'], `${c.id}.config`);
      sameBools(
        'index_mask',
        firstSpikeIndex(ten(c.inputs, 'spikes', c.id), { timeAxis: num(c.config, 'time_dim', c.id) }),
        field(c.outputs, 'index_mask', c.id),
      );
      return;
    }
    case 'spike_cluster': {
      onlyKeys(c.config, ['function', 'v_threshold', 'T_in', 'input_shape'], `${c.id}.config`);
      const r = spikeCluster(ten(c.inputs, 'v', c.id), num(c.config, 'v_threshold', c.id), num(c.config, 'T_in', c.id));
      close('N_o', r.clusters, field(c.outputs, 'N_o', c.id), 'exact');
      sameBools('k_positive', r.kPositive, field(c.outputs, 'k_positive', c.id));
      sameBools('k_negative', r.kNegative, field(c.outputs, 'k_negative', c.id));
      return;
    }
    case 'temporal_efficient_training_cross_entropy': {
      onlyKeys(c.config, ['function', 'input_shape', 'target_shape', 'loss_for_grads'], `${c.id}.config`);
      const xs = ten(c.inputs, 'x_seq', c.id);
      const target = tf.cast(ten(c.inputs, 'target', c.id), 'int32');
      close('loss', tetLoss(xs, target), field(c.outputs, 'loss', c.id), 'value');
      close('grad x_seq', tf.grad((x: tf.Tensor) => tetLoss(x, target))(xs), field(c.grads, 'x_seq', c.id), 'grad');
      return;
    }
    case 'set_threshold_margin': {
      onlyKeys(c.config, ['function', 'training', 'kwargs', 'output_layer'], `${c.id}.config`);
      const training = c.config['training'];
      if (typeof training !== 'boolean') throw new UnknownCaseError(`${c.id}: training ${String(training)}`);
      const kw = rec(c.config['kwargs'], `${c.id}.config.kwargs`);
      onlyKeys(kw, ['eval_threshold', 'threshold0', 'threshold1'], `${c.id}.config.kwargs`);
      const opt = (k: string): number | undefined => (kw[k] === undefined ? undefined : num(kw, k, c.id));
      const got = thresholdMargin(ten(c.inputs, 'label_one_hot', c.id), {
        training,
        ...(opt('eval_threshold') === undefined ? {} : { evalThreshold: opt('eval_threshold') as number }),
        ...(opt('threshold0') === undefined ? {} : { threshold0: opt('threshold0') as number }),
        ...(opt('threshold1') === undefined ? {} : { threshold1: opt('threshold1') as number }),
      });
      check((typeof got !== 'number') === field(c.outputs, 'v_threshold_is_tensor', c.id), `${c.id}: result is a ${typeof got}`);
      close('v_threshold', got, field(c.outputs, 'v_threshold', c.id), 'value');
      return;
    }
    default:
      throw new UnknownCaseError(`${c.id}: function '${String(fn)}'`);
  }
}

register('functional_more', checkCase);
