/**
 * `scan-memory`: peak memory and time of backpropagation through time against the sequence length T, for the plain
 * `scan` and for `scan` with gradient checkpointing (`checkpointEvery: k`, packages/core/src/scan-checkpoint.ts).
 *
 * The network is one step of `sequential({ fc: linear(N → N), lif: lifNode() })` run by `scanLayer` over x of shape
 * `[T, B, N]` (x = U(0, 1), fixed); one measured call is the loss `sum(spikes · c) + sum(v_T)` (c a fixed random
 * cotangent) and its gradient with respect to the linear layer's weight and bias (`valueAndGradTree`), on the cpu
 * backend.
 *
 * - `peakBytes`: the high-water mark of `tf.memory().numBytes` during one call (from `tf.profile`, which reads it
 *   after every kernel), minus its value before the call: what the call held at its peak beyond its inputs. tfjs counts
 *   every tensor's bytes, clones that share a buffer included, so this is the memory the engine accounts for, an upper
 *   bound of the distinct buffers.
 * - `msPerStep`: the median wall time of a call without profiling (3 calls after the profiled one) divided by T;
 *   `cpuMsPerStep`: the same for the process's CPU time (user + system), which other processes on a shared machine
 *   inflate less.
 *
 * Rows: `{ suite, backend, T, checkpointEvery, B, N, peakBytes, peakBytesVsPlain, msPerStep, msPerStepVsPlain,
 * cpuMsPerStep, cpuMsPerStepVsPlain, load1 }` (`load1`: the 1-minute load average after the row),
 * `checkpointEvery` null for the plain scan, else 4 or 16 (where < T); T in {32, 64, 128, 256}, `--quick`: {16, 32}.
 */
import { loadavg } from 'node:os';
import * as tf from '@spikefn/core/tf';
import { key, scanLayer, sequential, split, treeDispose, uniform, type Key, type Tree } from '@spikefn/core';
import { linear } from '@spikefn/layers';
import { valueAndGradTree } from '@spikefn/learning';
import { lifNode } from '@spikefn/neurons';
import type { BenchOptions, BenchRow, BenchSuite } from '../suite.js';

const SUITE = 'scan-memory';
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)] as number;
const B = 16;
const N = 128;

async function run(options: BenchOptions): Promise<readonly BenchRow[]> {
  await tf.setBackend('cpu');
  const Ts = options.quick ? [16, 32] : [32, 64, 128, 256];
  const everies = (T: number): (number | null)[] => [null, ...[4, 16].filter((k) => k < T)];
  const [kInit, kX, kC] = split(key(0), 3) as [Key, Key, Key];
  const net = sequential({ fc: linear({ inFeatures: N, outFeatures: N }), lif: lifNode() });
  const params = net.init(kInit);
  const ctx = { training: true, key: kInit };
  const rows: BenchRow[] = [];
  for (const T of Ts) {
    const xs = uniform(kX, [T, B, N], 0, 1);
    const c = uniform(kC, [T, B, N], -1, 1);
    const s0 = net.initialState(params, [B, N], kInit);
    const call = (every: number | null) => () => {
      const { value, grads } = valueAndGradTree((fc) => {
        const p = { fc, lif: params.lif };
        const [s, ys] = scanLayer(net as never, p, s0, xs, ctx, every === null ? {} : { checkpointEvery: every });
        const loss = tf.add(tf.sum(tf.mul(ys, c)), tf.sum((s as { lif: { v: tf.Tensor } }).lif.v)) as tf.Scalar;
        treeDispose(s);
        return loss;
      }, params.fc);
      tf.dispose(value);
      treeDispose(grads);
    };
    let plainBytes = 0;
    let plainMs = 0;
    let plainCpuMs = 0;
    for (const every of everies(T)) {
      const before = tf.memory().numBytes;
      const profile = await tf.profile(call(every));
      const peakBytes = profile.peakBytes - before;
      // Wall and process CPU time (user + system), medians of 3 calls after the profiled one (the warm-up); CPU time is
      // inflated less than wall time by other processes on a shared machine.
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c0 = process.cpuUsage();
        const t = performance.now();
        call(every)();
        wall.push(performance.now() - t);
        const c1 = process.cpuUsage(c0);
        cpu.push((c1.user + c1.system) / 1000);
      }
      const ms = median(wall);
      const cpuMs = median(cpu);
      if (every === null) {
        plainBytes = peakBytes;
        plainMs = ms;
        plainCpuMs = cpuMs;
      }
      rows.push({
        suite: SUITE,
        backend: 'cpu',
        T,
        checkpointEvery: every,
        B,
        N,
        peakBytes,
        peakBytesVsPlain: peakBytes / plainBytes,
        msPerStep: ms / T,
        msPerStepVsPlain: ms / plainMs,
        cpuMsPerStep: cpuMs / T,
        cpuMsPerStepVsPlain: cpuMs / plainCpuMs,
        load1: loadavg()[0],
      });
    }
    treeDispose([xs, c, s0] as unknown as Tree);
  }
  treeDispose(params as unknown as Tree);
  return rows;
}

/** The `scan-memory` suite. */
export const suite: BenchSuite = { name: SUITE, run };
