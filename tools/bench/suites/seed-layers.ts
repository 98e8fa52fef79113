/**
 * `seed-layers`: the seed's stateful layers and the block DCT at the shapes of section d of SpikingJelly's CPU
 * baseline (`fixtures/baselines/spikingjelly_cpu.json`): NeuNorm and SynapseFilter over T sequential steps
 * (`fwd`: the forward; `fwd_bwd`: the gradient of `sum(outputs)` with respect to the input and the learnable
 * params), DCT(8) as one call (`fwd`).
 *
 * Rows: `{suite, name, variant, backend, shapes, ms, repeats}` plus `spikingjellyMs` (the baseline's median for the
 * same name, variant and shapes, PyTorch CPU, 1 thread) and `ratioVsSpikingjelly` (ms / spikingjellyMs; < 1 is
 * faster). Backends: cpu and wasm. `--quick`: the smallest shape of each layer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@spikefn/core/tf';
import {
  setBackend,
  key,
  evalCtx,
  type AnyLayer,
  uniform,
  scanLayer,
  treeDispose as dispose,
  treeLeaves as leaves,
  treeUnflatten as unflatten,
  type Tree,
} from '@spikefn/core';
import { dct, neuNorm, synapseFilter } from '@spikefn/layers';
import { medianMs, type BenchOptions, type BenchRow, type BenchSuite } from '../suite.js';

const SUITE = 'seed-layers';
const BACKENDS = ['cpu', 'wasm'] as const;

type Case = {
  readonly name: string;
  readonly variants: readonly ('fwd' | 'fwd_bwd')[];
  readonly shapes: Record<string, unknown>;
  readonly layer: AnyLayer;
  readonly xs: readonly number[];
};

const cases = (quick: boolean): Case[] => {
  const nn = (B: number, C: number, H: number): Case => ({
    name: 'neunorm',
    variants: ['fwd', 'fwd_bwd'],
    shapes: { T: 8, x_step: [B, C, H, H], w: [C, H, H] },
    layer: neuNorm({ inChannels: C, height: H, width: H }),
    xs: [8, B, C, H, H],
  });
  const sf = (learnable: boolean, T: number, step: readonly number[]): Case => ({
    name: learnable ? 'synapse_filter_learnable' : 'synapse_filter',
    variants: ['fwd', 'fwd_bwd'],
    shapes: { T, x_step: step },
    layer: synapseFilter({ tau: 100, learnable }),
    xs: [T, ...step],
  });
  const d = (x: readonly number[]): Case => ({
    name: 'dct_k8',
    variants: ['fwd'],
    shapes: { x, blocks_per_matrix: ((x[2] as number) / 8) * ((x[3] as number) / 8) },
    layer: dct({ kernelSize: 8 }),
    xs: [1, ...x],
  });
  const all = [
    nn(32, 32, 28),
    nn(16, 128, 32),
    sf(true, 32, [32, 10]),
    sf(false, 8, [32, 32, 28, 28]),
    sf(true, 8, [32, 32, 28, 28]),
    d([32, 3, 32, 32]),
    d([32, 1, 64, 64]),
    d([8, 3, 224, 224]),
  ];
  return quick ? [all[0] as Case, all[2] as Case, all[5] as Case] : all;
};

function loadBaseline(): Map<string, number> {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = process.env['SPIKEFN_BASELINES'] ?? resolve(here, '../../../fixtures/baselines/spikingjelly_cpu.json');
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    results: Array<{ section: string; name: string; variant: string; shapes: unknown; median_ms: number }>;
  };
  for (const r of raw.results) if (r.section === 'd') out.set(`${r.name}/${r.variant}/${JSON.stringify(r.shapes)}`, r.median_ms);
  return out;
}

/** One timed call: the forward over T steps, or the gradient of sum(outputs) wrt the input and every param. */
function runner(c: Case, variant: 'fwd' | 'fwd_bwd', params: Tree, xs: tf.Tensor): () => void {
  const k = key(0);
  const forward = (p: Tree, x: tf.Tensor): tf.Tensor =>
    scanLayer(c.layer, p, c.layer.initialState(p, x.shape.slice(1), k), x, evalCtx(k))[1];
  if (variant === 'fwd') return () => tf.tidy(() => void forward(params, xs).dataSync());
  const ps = leaves(params);
  return () =>
    tf.tidy(() => {
      const gs = tf.grads((x: tf.Tensor, ...p: tf.Tensor[]) => tf.sum(forward(unflatten(params, p), x)))([xs, ...ps]);
      for (const g of gs) g.dataSync();
    });
}

export const suite: BenchSuite = {
  name: SUITE,
  async run(options: BenchOptions): Promise<readonly BenchRow[]> {
    const baseline = loadBaseline();
    const rows: BenchRow[] = [];
    for (const backend of BACKENDS) {
      await setBackend(backend);
      for (const c of cases(options.quick)) {
        const params = c.layer.init(key(1));
        const xs = uniform(key(2), c.xs, 0, 1);
        const x = c.name === 'dct_k8' ? tf.reshape(xs, [...c.xs]) : tf.tidy(() => tf.cast(tf.less(xs, 0.3), 'float32'));
        for (const variant of c.variants) {
          const f = runner(c, variant, params, x);
          const ms = await medianMs(f, options.quick ? 3 : 5, 1);
          const sj = baseline.get(`${c.name}/${variant}/${JSON.stringify(c.shapes)}`);
          rows.push({
            suite: SUITE,
            name: c.name,
            variant,
            backend,
            shapes: c.shapes,
            ms,
            repeats: options.quick ? 3 : 5,
            ...(sj === undefined ? {} : { spikingjellyMs: sj, ratioVsSpikingjelly: ms / sj }),
          });
        }
        dispose([params, xs, x]);
      }
    }
    return rows;
  },
};
