/**
 * The MNIST example's spiking CNN in the browser: the network is `examples/mnist/src/model.ts` itself (the same code
 * that trained it), its weights come from the checkpoint that example wrote (`public/mnist.ckpt`, decoded with
 * `@spikefn/learning/checkpoint-format`, which needs no file system).
 *
 * @category example
 */
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, type Key, treeDispose, type Tree } from '@spikefn/core';
import { decide, decodeCheckpoint, restoreLike, type Checkpoint, poisson } from '@spikefn/learning';
import * as E from 'fp-ts/lib/Either.js';
import { model, type Model, type ModelConfig, type ModelParams, type ModelState } from '@spikefn/example-mnist/src/model';

/** What one classification produced, as host arrays (time-major, one example). */
export type Activity = {
  readonly T: number;
  /** The spikes the network's first layer sees, `[T][784]` (Poisson frames; for the `direct` encoding, the image at every step). */
  readonly input: readonly Float32Array[];
  /** Hidden spiking layers: name, neurons per step, `[T][neurons]` spikes. */
  readonly hidden: readonly { readonly name: string; readonly shape: readonly number[]; readonly spikes: readonly Float32Array[] }[];
  /** Output spikes `[T][10]`. */
  readonly output: readonly Float32Array[];
  /** Output firing rates (spikes / T) per class. */
  readonly rates: Float32Array;
  /** The class with the top rate (the lowest one on ties; all-silent: 0). */
  readonly predicted: number;
  readonly ms: number;
};

/** A loaded network, ready to classify. */
export type Net = {
  readonly config: ModelConfig;
  readonly meta: Record<string, unknown>;
  classify(image: Float32Array, k: Key): Activity;
  dispose(): void;
};

const perStep = (t: tf.Tensor): Float32Array[] => {
  const T = t.shape[0] as number;
  const all = t.dataSync() as Float32Array;
  const n = all.length / T;
  return Array.from({ length: T }, (_, i) => all.slice(i * n, (i + 1) * n));
};

/** Decodes a checkpoint written by the MNIST example and builds its network on the current backend. */
export function loadNet(bytes: Uint8Array): Net {
  const decoded = decodeCheckpoint(bytes);
  if (E.isLeft(decoded)) throw decoded.left;
  const ckpt: Checkpoint = decoded.right;
  const meta = (ckpt.meta ?? {}) as Record<string, unknown>;
  const config = meta['config'] as ModelConfig | undefined;
  if (config === undefined) throw new Error('the checkpoint has no meta.config (was it written by examples/mnist?)');
  const m: Model = model(config);
  const fresh = m.init(key(0));
  const freshState = m.initialState(fresh);
  const params = E.getOrElseW((e: Error) => {
    throw e;
  })(restoreLike('params', fresh as unknown as Tree, ckpt.trees['params'])) as unknown as ModelParams;
  const state = E.getOrElseW((e: Error) => {
    throw e;
  })(restoreLike('state', freshState as unknown as Tree, ckpt.trees['state'])) as unknown as ModelState;
  treeDispose(fresh as unknown as Tree);
  treeDispose(freshState as unknown as Tree);
  for (const [name, tree] of Object.entries(ckpt.trees)) if (name !== 'params' && name !== 'state') treeDispose(tree);
  return {
    config,
    meta,
    classify(image, k) {
      const t0 = performance.now();
      const got = tf.tidy(() => {
        const x = tf.tensor(image, [1, 1, 28, 28], 'float32');
        const ctx = evalCtx(k);
        const input =
          config.encoding === 'poisson' ? poisson(k, x, config.timeSteps) : tf.tile(tf.expandDims(x, 0), [config.timeSteps, 1, 1, 1, 1]);
        const [, out, spikes] = m.forward(params, state, x, ctx);
        return { input, out, lif1: spikes.lif1, lif2: spikes.lif2 } as Record<string, tf.Tensor>;
      });
      const T = config.timeSteps;
      const output = perStep(got['out']!);
      const rates = new Float32Array(10);
      for (const o of output) for (let c = 0; c < 10; c++) rates[c]! += (o[c] as number) / T;
      // The top rate, the lowest class on ties (decide's default rule, as tf.argMax); the page's "not sure" is verdict.ts.
      const predicted = decide(rates, 10).predictions[0] as number;
      const activity: Activity = {
        T,
        input: perStep(got['input']!),
        hidden: (['lif1', 'lif2'] as const).map((name) => ({ name, shape: got[name]!.shape.slice(2), spikes: perStep(got[name]!) })),
        output,
        rates,
        predicted,
        ms: performance.now() - t0,
      };
      tf.dispose(Object.values(got));
      return activity;
    },
    dispose() {
      treeDispose(params as unknown as Tree);
      treeDispose(state as unknown as Tree);
    },
  };
}
