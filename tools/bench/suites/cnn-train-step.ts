/**
 * `cnn-train-step`: one training step of the spiking CNN of SpikingJelly's CPU baseline (section c of
 * fixtures/baselines/spikingjelly_cpu.json), input `[T=8, B=32, 1, 28, 28]` (Poisson spike frames):
 *
 *   conv 3×3 1→32 (pad 1) + BN + LIF → maxpool 2 → conv 3×3 32→32 + BN + LIF → maxpool 2 → linear 1568→10 + LIF
 *
 * firing-rate cross-entropy, BPTT through the LIF layers (sigmoid surrogate), Adam, neuron state reset every step.
 * Rows: ms per step for each backend with spikefn's kernels (`register` of `@spikefn/kernels`, what `setBackend` does)
 * and with tfjs's stock kernels where spikefn replaces them (`unregister(backend, ['overrides'])`; the fused neuron
 * kernels stay in both rows). Stock wasm cannot train a convolution (it has no `Conv2DBackpropFilter`): that row is
 * `skipped`. Stock cpu runs tfjs's naive filter gradient (minutes per step at T=8, B=32): `skipped` too, except with
 * `--quick`.
 * Rows carry `simd` and `threads` (wasm: every core by default, see `setBackend`; cpu: 1). `--quick` runs T=4, B=8.
 * `cpuMsPerStep` is this process's CPU time per step (warm-up included, all threads), which on a machine shared with
 * other processes is closer to the unloaded wall time than `msPerStep` on one thread (on N threads, up to N times it).
 */
import * as tf from '@spikefn/core/tf';
import { setBackend, foldIn, getWasmThreads, key, trainCtx, seqToANN, treeDispose as dispose } from '@spikefn/core';
import { batchNorm2d, conv2d, linear, maxPool2d } from '@spikefn/layers';
import { poisson, valueAndGradTreeAux, rateCrossEntropy, adam, optimizerStep } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';
import { register, unregister } from '@spikefn/kernels';
import { medianMs, type BenchRow, type BenchSuite } from '../suite.js';

const C = 32;

/** A stepper: each call runs one full training step (forward, BPTT, Adam) and returns when its values are read. */
export function makeStep(T: number, B: number): { step: () => void; dispose: () => void } {
  const conv1 = seqToANN(conv2d({ inChannels: 1, outChannels: C, kernelSize: 3, padding: 1, bias: false }));
  const bn1 = seqToANN(batchNorm2d({ numFeatures: C }));
  const conv2 = seqToANN(conv2d({ inChannels: C, outChannels: C, kernelSize: 3, padding: 1, bias: false }));
  const bn2 = seqToANN(batchNorm2d({ numFeatures: C }));
  const pool = seqToANN(maxPool2d({ kernelSize: 2 }));
  const fc = seqToANN(linear({ inFeatures: C * 49, outFeatures: 10 }));
  const neuron = lifNode({ tau: 2 });
  const k = key(0);
  let params = {
    conv1: conv1.init(foldIn(k, 0)),
    bn1: bn1.init(k),
    conv2: conv2.init(foldIn(k, 1)),
    bn2: bn2.init(k),
    fc: fc.init(foldIn(k, 2)),
  };
  let state = { bn1: bn1.initialState(params.bn1, [T, B, C, 28, 28], k), bn2: bn2.initialState(params.bn2, [T, B, C, 14, 14], k) };
  const opt = adam({ lr: 1e-3 });
  let os = opt.init(params);
  const image = tf.tidy(() => tf.randomUniform([B, 1, 28, 28], 0, 1, 'float32', 1));
  const xs = poisson(foldIn(k, 3), image, T);
  const labels = tf.tensor1d(
    Array.from({ length: B }, (_, i) => i % 10),
    'int32',
  );
  const ctx = trainCtx(k);
  const spikes = (cur: tf.Tensor): tf.Tensor => {
    const s0 = neuron.initialState({}, cur.shape.slice(1), k);
    const [s, ys] = neuron.sequence({}, s0, cur, ctx);
    tf.dispose([s0.v, s.v]);
    return ys;
  };
  const step = (): void => {
    const r = valueAndGradTreeAux((p: typeof params) => {
      const [, a1] = conv1.step(p.conv1, {}, xs, ctx);
      const [s1, b1] = bn1.step(p.bn1, state.bn1, a1, ctx);
      const [, q1] = pool.step({}, {}, spikes(b1), ctx);
      const [, a2] = conv2.step(p.conv2, {}, q1, ctx);
      const [s2, b2] = bn2.step(p.bn2, state.bn2, a2, ctx);
      const [, q2] = pool.step({}, {}, spikes(b2), ctx);
      const [, z] = fc.step(p.fc, {}, tf.reshape(q2, [T, B, C * 49]), ctx);
      return [rateCrossEntropy(spikes(z), labels), { bn1: s1, bn2: s2 }] as const;
    }, params);
    [params, os] = optimizerStep(opt, r.grads, os, params);
    dispose(state);
    state = r.aux;
    r.value.dataSync();
    r.value.dispose();
  };
  return { step, dispose: () => dispose([params, state, os, image, xs, labels] as never) };
}

export const cnnTrainStep: BenchSuite = {
  name: 'cnn-train-step',
  async run({ quick }) {
    const T = quick ? 4 : 8;
    const B = quick ? 8 : 32;
    const rows: BenchRow[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await setBackend(backend);
      // wasm: SIMD and the thread count `setBackend` chose (every core in Node; `wasm-threads` compares 1 thread)
      const hw =
        backend === 'wasm'
          ? { simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true, threads: getWasmThreads() ?? 1 }
          : { simd: false, threads: 1 };
      for (const kernels of ['spikefn', 'stock'] as const) {
        if (kernels === 'stock' && (backend === 'wasm' || !quick)) {
          rows.push({
            suite: 'cnn-train-step',
            backend,
            ...hw,
            kernels,
            T,
            B,
            msPerStep: null,
            skipped:
              backend === 'wasm'
                ? 'stock wasm has no Conv2DBackpropFilter'
                : "stock cpu's naive Conv2DBackpropFilter takes minutes per step at T=8, B=32 (runs with --quick)",
          });
          continue;
        }
        if (kernels === 'spikefn') register(backend);
        else unregister(backend, ['overrides']);
        // cpu is the slow reference: one timed step, no warm-up; wasm: the median of 15 steps after 3 (a step's time
        // varies by ±20 % from step to step on this machine, and the first steps start the kernel threads).
        const repeats = backend === 'cpu' ? 1 : quick ? 2 : 15;
        const warmup = backend === 'cpu' ? 0 : quick ? 1 : 3;
        const s = makeStep(T, B);
        try {
          const cpu0 = process.cpuUsage();
          const msPerStep = await medianMs(s.step, repeats, warmup);
          const cpu = process.cpuUsage(cpu0);
          // CPU time of this process per step (warm-up included): wall time minus time lost to other processes on a
          // shared machine (all threads: with wasm on N threads, up to N times the wall time).
          const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / (repeats + warmup);
          rows.push({ suite: 'cnn-train-step', backend, ...hw, kernels, T, B, msPerStep, cpuMsPerStep, repeats });
        } catch (e) {
          rows.push({
            suite: 'cnn-train-step',
            backend,
            ...hw,
            kernels,
            T,
            B,
            msPerStep: null,
            error: String((e as Error).message).slice(0, 200),
          });
        } finally {
          s.dispose();
        }
      }
      register(backend);
    }
    return rows;
  },
};
