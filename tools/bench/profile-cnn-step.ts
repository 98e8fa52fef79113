/**
 * `tsx --conditions=@spikefn/source tools/bench/profile-cnn-step.ts [threads] [steps]`: `tf.profile` of one step of
 * the `cnn-train-step` network (wasm, spikefn's kernels) after a warm-up step: kernel time per kernel name (ms, calls,
 * share), the sum of kernel times, the step's wall time and the difference (tape, JS glue, GC). With `--shapes`, the
 * kernels are broken down by input shapes as well (to tell which layer emits them).
 */
import * as tf from '@spikefn/core/tf';
import { getWasmThreads, setBackend } from '@spikefn/core';
import { makeStep } from './suites/cnn-train-step.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const byShape = process.argv.includes('--shapes');
const threads = args[0] !== undefined ? Number(args[0]) : undefined;
const steps = args[1] !== undefined ? Number(args[1]) : 1;
await setBackend('wasm', threads !== undefined ? { threads } : {});
const s = makeStep(8, 32);
s.step();
for (let k = 0; k < steps; k++) {
  const t0 = performance.now();
  const info = await tf.profile(() => {
    s.step();
  });
  const wall = performance.now() - t0;
  const agg = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const kp of info.kernels) {
    const ms = Number(kp.kernelTimeMs);
    total += ms;
    const key = byShape ? `${kp.name} ${JSON.stringify(kp.inputShapes)}` : kp.name;
    const a = agg.get(key) ?? { ms: 0, calls: 0 };
    a.ms += ms;
    a.calls += 1;
    agg.set(key, a);
  }
  const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log(
    `threads ${getWasmThreads()}, wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms, outside kernels ${(wall - total).toFixed(0)} ms, ${info.kernels.length} kernel calls`,
  );
  for (const [name, a] of rows.slice(0, byShape ? 60 : 30)) {
    console.log(`${a.ms.toFixed(1).padStart(8)} ${((100 * a.ms) / total).toFixed(1).padStart(5)}% ${String(a.calls).padStart(4)}  ${name}`);
  }
}
const t0 = performance.now();
for (let k = 0; k < 3; k++) s.step();
console.log(`unprofiled: ${((performance.now() - t0) / 3).toFixed(0)} ms per step`);
s.dispose();
