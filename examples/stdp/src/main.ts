/**
 * `pnpm --filter @spikefn/example-stdp start [-- --seed N --steps N --out DIR]`: two LIF neurons learn two input
 * patterns with trace-based STDP (see stdp.ts); prints each neuron's response to each pattern and writes
 * `DIR/weights.svg` (mean synaptic weight from each pattern's inputs to each neuron, over time).
 *
 * @category examples
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setBackend, key } from '@spikefn/core';
import { lineChartSvg } from '@spikefn/learning';
import { DEFAULT_STDP, runStdp } from './stdp.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
for (const a of args)
  if (a.startsWith('--') && !['--seed', '--steps', '--out', '--backend'].includes(a)) {
    console.error(`unknown flag ${a}; flags: --seed N --steps N --out DIR --backend cpu|wasm`);
    process.exit(2);
  }
const seed = Number(flag('--seed', '0'));
const steps = Number(flag('--steps', String(DEFAULT_STDP.steps)));
const out = flag('--out', 'out/stdp');
await setBackend(flag('--backend', 'cpu'));

const t0 = performance.now();
const c = { ...DEFAULT_STDP, steps };
const r = runStdp(key(seed), c);
const half = c.inputs / 2;
const mean = (row: number[], n: number, p: number): number =>
  row.slice(n * c.inputs + p * half, n * c.inputs + (p + 1) * half).reduce((a, b) => a + b, 0) / half;
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'weights.svg'),
  lineChartSvg({
    title: `STDP: mean weight from each pattern's inputs to each neuron (seed ${seed})`,
    xLabel: 'time step',
    yLabel: 'mean weight',
    yRange: [0, 1],
    series: [0, 1].flatMap((n) =>
      [0, 1].map((p) => ({ label: `${'AB'[p]} → neuron ${n}`, x: r.times, y: r.weights.map((w) => mean(w, n, p)) })),
    ),
  }),
);
console.log(`trained ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const n of [0, 1])
  console.log(`neuron ${n}: ${r.response[n]!.map((v, p) => `pattern ${'AB'[p]} ${v.toFixed(3)} spikes/step`).join(', ')}`);
const prefers = r.response.map((row) => (row[0]! > row[1]! ? 0 : 1));
console.log(
  prefers[0] !== prefers[1]
    ? `the neurons split the patterns: neuron 0 → ${'AB'[prefers[0]!]}, neuron 1 → ${'AB'[prefers[1]!]}`
    : 'the neurons did not split the patterns',
);
console.log(`wrote ${join(out, 'weights.svg')}`);
