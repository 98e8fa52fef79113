/**
 * `tsx --conditions=@spikefn/source tools/bench/sparse-conv-ab.ts [rounds]`: the `cnn-train-step` network (wasm,
 * spikefn's kernels) with the event-driven convolution forms on (`kernelTuning.sparseConvMaxDensity` 0.4) and off
 * (−1), interleaved in one process so that both see the same machine state: per round and setting, one untimed step
 * then three timed ones (6 rounds by default). Prints the median and the minimum ms per step of each.
 */
import { setBackend } from '@spikefn/core';
import { kernelTuning } from '@spikefn/kernels';
import { makeStep } from './suites/cnn-train-step.js';

const rounds = Number(process.argv[2] ?? 6);
await setBackend('wasm');
const s = makeStep(8, 32);
for (let k = 0; k < 3; k++) s.step();
const settings = { sparse: 0.4, dense: -1 } as const;
const ms: Record<keyof typeof settings, number[]> = { sparse: [], dense: [] };
for (let round = 0; round < rounds; round++)
  for (const [name, density] of Object.entries(settings) as [keyof typeof settings, number][]) {
    kernelTuning.sparseConvMaxDensity = density;
    s.step();
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      s.step();
      ms[name].push(performance.now() - t0);
    }
  }
s.dispose();
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
for (const [name, a] of Object.entries(ms))
  console.log(`${name}: median ${median(a).toFixed(1)} ms, min ${Math.min(...a).toFixed(1)} ms per step (${a.length} steps)`);
