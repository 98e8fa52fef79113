/**
 * `lifNode`: a LIF layer over T steps and N neurons on the cpu backend, three ways, forward and forward + backward:
 *
 * - `composed-*`: `scan` of the single step (a dozen tfjs ops per step; `neuron.sequenceComposed`);
 * - `fused-*`: the fused kernel (`neuron.sequence`, what `multiStep(lifNode())` runs), gradient by the fused backward kernel,
 *   twice: with its JavaScript loops (`simd: false`) and with its WebAssembly SIMD loops (`simd: true`, where the engine
 *   has SIMD; `setSimdEnabled` of `@spikefn/kernels` switches between them), timed interleaved (one thread: on cpu
 *   the kernels copy through their own memory, and kernel threads run only in place on the wasm heap);
 * - `loop-*`: a plain `Float32Array` loop written for this one configuration (constants inlined, double precision
 *   between loads and stores, no tfjs), as the practical limit of JavaScript.
 *
 * Configuration as SpikingJelly's baseline (`fixtures/baselines/spikingjelly_cpu.json`, sections a and b): `lifNode()`
 * = τ 2, V_th 1, hard reset to 0, input x = 2·U(0, 1) of shape `[T, N]`; the backward is the gradient of
 * `sum(spikes)` with respect to x (the cotangent, all ones, is made once outside the timing). Surrogate: sigmoid(4)
 * here, sigmoid(1) there (same cost).
 *
 * Rows: `{suite, name, backend, T, N, ms, nsPerNeuronStep, cpuNsPerNeuronStep, repeats, load1}` (`load1`: the
 * machine's 1-minute load average after the run, to read the numbers of a shared machine with) plus, where SpikingJelly has the shape,
 * `spikingjellyNs` (its `multi_step` row) and `speedupVsSpikingjelly`; fused rows also carry `speedupVsComposed` and
 * `ratioVsLoop`; every row has `simd` and `threads` (1: these loops run on one core). Fused rows also carry the
 * memory-bandwidth floor: `floorNsPerNeuronStep` = bytes moved per neuron-step (8 for the forward: x read, spikes
 * written; 28 for forward + backward) / the triad bandwidth measured at the start of the suite (`bandwidthGbPerSecond`,
 * as the bandwidth suite), and `ratioVsFloor`. A composed run whose extrapolated time is over 60 s is not run: its row has `skipped`. The fused and
 * loop bodies are timed interleaved (one call of each per round), so their ratio compares like with like. Repeats
 * are calibrated: one untimed round, then warm-up rounds and timed rounds enough for about 0.3 s and 1.5 s of the
 * slowest body (1–30 and 7–201 rounds), so that small calls are timed after V8 has optimised the code around them.
 * Then the same fused SIMD bodies (one thread, and every kernel thread) on the wasm backend (`setBackend('wasm')` of
 * `@spikefn/core`: tfjs's threaded build in Node, whose heap the kernels run over in place, no copies; rows with
 * `backend: 'wasm'`, `inPlace: true`).
 * `--quick`: T in {8, 32}, N in {1e4, 1e5}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@spikefn/core/tf';
import { key, setBackend } from '@spikefn/core';
import { lifNode } from '@spikefn/neurons';
import { getKernelThreads, measureBandwidth, setKernelThreads, setSimdEnabled, simdSupported } from '@spikefn/kernels';
import { EXP_FRAC, EXP_INT, EXP_SCALE, EXP_STEP, EXP_Y_MIN } from '@spikefn/kernels';
import { loadavg } from 'node:os';
import type { BenchOptions, BenchRow, BenchSuite } from '../suite.js';

const SUITE = 'lif';
/** Runs extrapolated past this are skipped. */
const TOO_SLOW_MS = 60_000;
const NAMES = [
  'composed-fwd',
  'composed-fwd-bwd',
  'fused-fwd',
  'fused-fwd-bwd',
  'fused-fwd#simd',
  'fused-fwd-bwd#simd',
  'fused-fwd#simd-threads',
  'fused-fwd-bwd#simd-threads',
  'loop-fwd',
  'loop-fwd-bwd',
] as const;
/**
 * A timed body; `#simd` marks the fused kernel on its SIMD loops on one thread, `#simd-threads` on every kernel thread
 * (the row's name drops the mark; `simd: true` and `threads`).
 */
type Name = (typeof NAMES)[number];
/** Bytes a neuron-step moves to and from memory: forward (x in, spikes out) and forward + backward (x, s, h, then h, dL/ds in, dL/dx out, and the state). */
const BYTES_PER_NEURON_STEP = { fwd: 8, fwdBwd: 28 } as const;

// ---------------------------------------------------------------------------------------------------------------
// The plain loops: LIF τ = 2 (k = 0.5), V_th = 1, hard reset to 0, v_0 = 0; surrogate sigmoid(4).

/** Forward without saving h: spikes and v_T. */
function loopForward(x: Float32Array, T: number, N: number): { s: Float32Array; v: Float32Array } {
  const s = new Float32Array(T * N);
  const v = new Float32Array(N);
  for (let t = 0, b = 0; t < T; t++, b += N) {
    for (let i = 0; i < N; i++) {
      const vi = v[i] as number;
      const h = vi + ((x[b + i] as number) - vi) * 0.5;
      const sp = +(h >= 1);
      s[b + i] = sp;
      v[i] = h - h * sp;
    }
  }
  return { s, v };
}

/** Forward saving h for the backward. */
function loopForwardH(x: Float32Array, T: number, N: number): { s: Float32Array; v: Float32Array; h: Float32Array } {
  const s = new Float32Array(T * N);
  const hs = new Float32Array(T * N);
  const v = new Float32Array(N);
  for (let t = 0, b = 0; t < T; t++, b += N) {
    for (let i = 0; i < N; i++) {
      const vi = v[i] as number;
      const h = vi + ((x[b + i] as number) - vi) * 0.5;
      const sp = +(h >= 1);
      s[b + i] = sp;
      hs[b + i] = h;
      v[i] = h - h * sp;
    }
  }
  return { s, v, h: hs };
}

/**
 * Backward (BPTT through v, reset not detached): dx from h and the cotangent of the spikes. e^{−4·|z|} is computed
 * inline with the table reduction of `expNonPositive` and its tables (`@spikefn/kernels`; `Math.exp` costs about three
 * times more in V8).
 */
function loopBackward(h: Float32Array, dy: Float32Array, T: number, N: number): Float32Array {
  const dx = new Float32Array(T * N);
  const gv = new Float32Array(N);
  for (let t = T - 1; t >= 0; t--) {
    const b = t * N;
    for (let i = 0; i < N; i++) {
      const hv = h[b + i] as number;
      const z = hv - 1;
      const y = -4 * Math.abs(z) * EXP_SCALE;
      const n = y < EXP_Y_MIN ? -EXP_Y_MIN : (0.5 - y) | 0;
      const f = (y + n) * EXP_STEP;
      const e = (1 + f * (1 + f * (0.5 + f * (1 / 6)))) * ((EXP_FRAC[n & 63] as number) * (EXP_INT[n >> 6] as number));
      const q = 1 + e;
      const d = (4 * e) / (q * q);
      const g = gv[i] as number;
      // ∂v/∂h = (1 − s) + (0 − h)·d for a hard reset to 0
      const gh = g * (1 - +(z >= 0)) + ((dy[b + i] as number) - g * hv) * d;
      dx[b + i] = gh * 0.5;
      gv[i] = gh * 0.5;
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------------------------

function uniform2(n: number, seed: number): Float32Array {
  // x = 2·U(0, 1) from a small LCG: the same data every run, made fast enough for 1.28e8 values
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2;
  }
  return a;
}

type Baseline = { readonly fwd: Map<string, number>; readonly fwdBwd: Map<string, number> };

function loadBaseline(): Baseline | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = process.env['SPIKEFN_BASELINES'] ?? resolve(here, '../../../fixtures/baselines/spikingjelly_cpu.json');
  if (!existsSync(file)) return null;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    results: Array<{ section: string; variant: string; shapes: { T: number; N: number }; ns_per_neuron_step: number }>;
  };
  const fwd = new Map<string, number>();
  const fwdBwd = new Map<string, number>();
  for (const r of raw.results) {
    if (r.variant !== 'multi_step') continue;
    if (r.section === 'a') fwd.set(`${r.shapes.T}x${r.shapes.N}`, r.ns_per_neuron_step);
    if (r.section === 'b') fwdBwd.set(`${r.shapes.T}x${r.shapes.N}`, r.ns_per_neuron_step);
  }
  return { fwd, fwdBwd };
}

/**
 * Medians over `repeats` rounds after `warmup` untimed ones; each round times every body once, in turn, so bodies
 * compared with each other (fused and loop) see the same machine state. Wall time (what `medianMs` of ../suite.ts
 * measures) and the process's CPU time (user + system, all threads), which other processes on a shared machine
 * inflate less than the wall time.
 */
async function timeInterleaved(
  bodies: ReadonlyArray<readonly [Name, () => void]>,
  fixed?: readonly [number, number],
): Promise<{ times: Map<Name, { ms: number; cpuMs: number }>; repeats: number }> {
  // one untimed round to size the rest
  let slowest = 0;
  for (const [, f] of bodies) {
    const t0 = performance.now();
    f();
    slowest = Math.max(slowest, performance.now() - t0);
  }
  const [repeats, warmup] = fixed ?? [clamp(Math.round(1500 / slowest), 7, 201), clamp(Math.round(300 / slowest), 1, 30)];
  for (let i = 0; i < warmup; i++) for (const [, f] of bodies) f();
  const wall = new Map<Name, number[]>(bodies.map(([n]) => [n, []]));
  const cpu = new Map<Name, number[]>(bodies.map(([n]) => [n, []]));
  for (let i = 0; i < repeats; i++) {
    for (const [name, f] of bodies) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      (wall.get(name) as number[]).push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      (cpu.get(name) as number[]).push((c.user + c.system) / 1000);
      await new Promise((r) => setImmediate(r));
    }
  }
  const median = (a: number[]): number => a.sort((p, q) => p - q)[Math.floor(a.length / 2)] as number;
  const times = new Map(bodies.map(([n]) => [n, { ms: median(wall.get(n) as number[]), cpuMs: median(cpu.get(n) as number[]) }]));
  return { times, repeats };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Rounds for a run expected to take over 1.5 s a call: [repeats, warm-up] (shorter runs are calibrated). */
const plan = (estMs: number): readonly [number, number] | undefined => (estMs > 8_000 ? [1, 0] : estMs > 1_500 ? [3, 1] : undefined);

/** A sanity check before timing: the loop computes the same LIF as the fused kernel. */
function checkLoopAgrees(): void {
  const T = 8;
  const N = 10_000;
  const neuron = lifNode();
  const xv = uniform2(T * N, 99);
  const ref = loopForwardH(xv, T, N);
  const dxRef = loopBackward(ref.h, new Float32Array(T * N).fill(1), T, N);
  tf.tidy(() => {
    const x = tf.tensor(xv, [T, N], 'float32');
    const s0 = neuron.initialState({}, [N], key(0));
    const spikes = neuron.sequence({}, s0, x)[1].dataSync();
    const dx = tf
      .grads((xx: tf.Tensor) => neuron.sequence({}, s0, xx)[1])([x], tf.onesLike(x))[0]
      ?.dataSync() as Float32Array;
    let spikeDiff = 0;
    let gradDiff = 0;
    for (let i = 0; i < T * N; i++) {
      if (spikes[i] !== ref.s[i]) spikeDiff++;
      if (!(Math.abs((dx[i] as number) - (dxRef[i] as number)) <= 1e-4 + 1e-3 * Math.abs(dxRef[i] as number))) gradDiff++;
    }
    // Rounding differs (float32 per op vs double), so a membrane within an ulp of the threshold may differ.
    if (spikeDiff > T * N * 1e-4 || gradDiff > T * N * 1e-3)
      throw new Error(`bench lif: the plain loop disagrees with the fused kernel (${spikeDiff} spikes, ${gradDiff} gradients)`);
  });
}

async function run(options: BenchOptions): Promise<readonly BenchRow[]> {
  await tf.setBackend('cpu');
  const Ts = options.quick ? [8, 32] : [8, 32, 128];
  const Ns = options.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const baseline = loadBaseline();
  const neuron = lifNode();
  const simd = simdSupported();
  const threads = getKernelThreads();
  const bandwidth = measureBandwidth({ bytes: 64 * 2 ** 20 });
  if (bandwidth !== null) console.log(`lif: triad bandwidth ${bandwidth.triadGbPerSecond.toFixed(1)} GB/s (the floor below)`);
  checkLoopAgrees();
  const rows: BenchRow[] = [];
  for (const T of Ts) {
    /** ns per neuron-step measured at the previous N of this T, for the extrapolation. */
    const lastNs = new Map<Name, number>();
    for (const N of Ns) {
      const xv = uniform2(T * N, 1234 + T);
      const dyv = new Float32Array(T * N).fill(1);
      const x = tf.tensor(xv, [T, N], 'float32');
      const dy = tf.tensor(dyv, [T, N], 'float32');
      const s0 = neuron.initialState({}, [N], key(0));
      const bodies: Record<Exclude<Name, `${string}#simd-threads`>, () => void> = {
        'composed-fwd': () => tf.dispose(neuron.sequenceComposed({}, s0, x) as unknown as tf.TensorContainer),
        'composed-fwd-bwd': () => tf.dispose(tf.grads((xx: tf.Tensor) => neuron.sequenceComposed({}, s0, xx)[1])([x], dy)),
        'fused-fwd': () => {
          setSimdEnabled(false);
          tf.dispose(neuron.sequence({}, s0, x) as unknown as tf.TensorContainer);
        },
        'fused-fwd-bwd': () => {
          setSimdEnabled(false);
          tf.dispose(tf.grads((xx: tf.Tensor) => neuron.sequence({}, s0, xx)[1])([x], dy));
        },
        'fused-fwd#simd': () => {
          setSimdEnabled(true);
          tf.dispose(neuron.sequence({}, s0, x) as unknown as tf.TensorContainer);
        },
        'fused-fwd-bwd#simd': () => {
          setSimdEnabled(true);
          tf.dispose(tf.grads((xx: tf.Tensor) => neuron.sequence({}, s0, xx)[1])([x], dy));
        },
        'loop-fwd': () => void loopForward(xv, T, N),
        'loop-fwd-bwd': () => {
          const f = loopForwardH(xv, T, N);
          loopBackward(f.h, dyv, T, N);
        },
      };
      const measured = new Map<Name, number>();
      const results = new Map<Name, Record<string, unknown>>();
      // Composed runs one at a time (they may be skipped); then the fused and loop runs interleaved.
      // (kernel threads run only in place on the wasm heap: the cpu rows are one thread)
      const simdNames: Name[] = simd ? ['fused-fwd#simd', 'fused-fwd-bwd#simd'] : [];
      const fusedGroup: Name[] = ['fused-fwd', 'loop-fwd', 'fused-fwd-bwd', 'loop-fwd-bwd', ...simdNames];
      const groups: Name[][] = [['composed-fwd'], ['composed-fwd-bwd'], fusedGroup];
      for (const group of groups) {
        const run: Name[] = [];
        let est = 0;
        for (const name of group) {
          const row: Record<string, unknown> = {
            suite: SUITE,
            name: name.split('#')[0],
            backend: 'cpu',
            T,
            N,
            simd: name.includes('#simd'),
            threads: name.endsWith('#simd-threads') ? threads : 1,
          };
          results.set(name, row);
          const e = ((lastNs.get(name) ?? 0) * T * N) / 1e6;
          if (name.startsWith('composed') && e > TOO_SLOW_MS) {
            row['skipped'] =
              `extrapolated ${(e / 1000).toFixed(0)} s per call (> ${TOO_SLOW_MS / 1000} s) from N = ${Ns[Ns.indexOf(N) - 1]}`;
          } else {
            run.push(name);
            est = Math.max(est, e);
          }
        }
        if (run.length === 0) continue;
        const { times: timed, repeats } = await timeInterleaved(
          run.map((n) => [n, bodies[n as keyof typeof bodies]] as const),
          plan(est),
        );
        for (const name of run) {
          const { ms, cpuMs } = timed.get(name) as { ms: number; cpuMs: number };
          const ns = (ms * 1e6) / (T * N);
          measured.set(name, ns);
          lastNs.set(name, ns);
          Object.assign(results.get(name) as Record<string, unknown>, {
            ms,
            nsPerNeuronStep: ns,
            cpuNsPerNeuronStep: (cpuMs * 1e6) / (T * N),
            repeats,
            load1: loadavg()[0],
          });
        }
      }
      for (const name of NAMES) {
        const row = results.get(name);
        if (row === undefined) continue; // SIMD rows where the engine has no SIMD
        const fwdBwd = name.split('#')[0]?.endsWith('fwd-bwd') === true;
        const sj = fwdBwd ? baseline?.fwdBwd.get(`${T}x${N}`) : baseline?.fwd.get(`${T}x${N}`);
        if (sj !== undefined) {
          row['spikingjellyNs'] = sj;
          const ns = measured.get(name);
          if (ns !== undefined) row['speedupVsSpikingjelly'] = sj / ns;
        }
        const ns = measured.get(name);
        if (name.startsWith('fused') && bandwidth !== null && ns !== undefined) {
          const floor = (fwdBwd ? BYTES_PER_NEURON_STEP.fwdBwd : BYTES_PER_NEURON_STEP.fwd) / bandwidth.triadGbPerSecond;
          Object.assign(row, { bandwidthGbPerSecond: bandwidth.triadGbPerSecond, floorNsPerNeuronStep: floor, ratioVsFloor: ns / floor });
        }
        rows.push(row as BenchRow);
      }
      for (const [fused, composed, loop] of [
        ['fused-fwd', 'composed-fwd', 'loop-fwd'],
        ['fused-fwd-bwd', 'composed-fwd-bwd', 'loop-fwd-bwd'],
        ['fused-fwd#simd', 'composed-fwd', 'loop-fwd'],
        ['fused-fwd-bwd#simd', 'composed-fwd-bwd', 'loop-fwd-bwd'],
        ['fused-fwd#simd-threads', 'composed-fwd', 'loop-fwd'],
        ['fused-fwd-bwd#simd-threads', 'composed-fwd-bwd', 'loop-fwd-bwd'],
      ] as const) {
        const row = results.get(fused);
        if (row === undefined) continue;
        const f = measured.get(fused);
        const c = measured.get(composed);
        const l = measured.get(loop);
        if (f !== undefined && c !== undefined) row['speedupVsComposed'] = c / f;
        if (f !== undefined && l !== undefined) row['ratioVsLoop'] = f / l;
      }
      tf.dispose([x, dy, s0.v]);
    }
  }
  setKernelThreads(threads);
  if (simd) rows.push(...(await runWasm(Ts, Ns, baseline, bandwidth?.triadGbPerSecond ?? null, threads)));
  printTargets(rows);
  return rows;
}

/** The fused SIMD rows on the wasm backend, in place over its heap (see the module comment). */
async function runWasm(
  Ts: readonly number[],
  Ns: readonly number[],
  baseline: Baseline | null,
  bandwidth: number | null,
  threads: number,
): Promise<BenchRow[]> {
  await setBackend('wasm');
  const neuron = lifNode();
  const rows: BenchRow[] = [];
  for (const T of Ts) {
    for (const N of Ns) {
      const x = tf.tensor(uniform2(T * N, 1234 + T), [T, N], 'float32');
      const dy = tf.onesLike(x);
      const s0 = neuron.initialState({}, [N], key(0));
      const body = (fwdBwd: boolean, n: number) => () => {
        setKernelThreads(n);
        if (fwdBwd) tf.dispose(tf.grads((xx: tf.Tensor) => neuron.sequence({}, s0, xx)[1])([x], dy));
        else tf.dispose(neuron.sequence({}, s0, x) as unknown as tf.TensorContainer);
      };
      const variants: Array<readonly [Name, boolean, number]> = [
        ['fused-fwd#simd', false, 1],
        ['fused-fwd-bwd#simd', true, 1],
        ...(threads > 1
          ? ([
              ['fused-fwd#simd-threads', false, threads],
              ['fused-fwd-bwd#simd-threads', true, threads],
            ] as const)
          : []),
      ];
      const { times, repeats } = await timeInterleaved(variants.map(([name, fb, n]) => [name, body(fb, n)] as const));
      for (const [name, fwdBwd, n] of variants) {
        const { ms, cpuMs } = times.get(name) as { ms: number; cpuMs: number };
        const ns = (ms * 1e6) / (T * N);
        const sj = (fwdBwd ? baseline?.fwdBwd : baseline?.fwd)?.get(`${T}x${N}`);
        const floor = bandwidth === null ? undefined : (fwdBwd ? BYTES_PER_NEURON_STEP.fwdBwd : BYTES_PER_NEURON_STEP.fwd) / bandwidth;
        rows.push({
          suite: SUITE,
          name: name.split('#')[0] as string,
          backend: 'wasm',
          inPlace: N % 4 === 0,
          T,
          N,
          simd: true,
          threads: n,
          ms,
          nsPerNeuronStep: ns,
          cpuNsPerNeuronStep: (cpuMs * 1e6) / (T * N),
          repeats,
          load1: loadavg()[0],
          ...(sj === undefined ? {} : { spikingjellyNs: sj, speedupVsSpikingjelly: sj / ns }),
          ...(floor === undefined ? {} : { bandwidthGbPerSecond: bandwidth, floorNsPerNeuronStep: floor, ratioVsFloor: ns / floor }),
        });
      }
      tf.dispose([x, dy, s0.v]);
    }
  }
  setKernelThreads(threads);
  await setBackend('cpu');
  return rows;
}

function printTargets(rows: readonly BenchRow[]): void {
  console.log('\nlif targets (fused forward+backward, cpu):');
  for (const r of rows) {
    if (r['name'] !== 'fused-fwd-bwd') continue;
    const fmt = (v: unknown, d = 1): string => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
    const N = r['N'] as number;
    const vsComposed = r['speedupVsComposed'];
    const vsLoop = r['ratioVsLoop'];
    const vsSj = r['speedupVsSpikingjelly'];
    const ok = (cond: boolean | null): string => (cond === null ? '-' : cond ? 'met' : 'NOT met');
    const floor =
      typeof r['floorNsPerNeuronStep'] === 'number'
        ? `; floor ${fmt(r['floorNsPerNeuronStep'], 2)} ns (${fmt(r['ratioVsFloor'], 1)}x)`
        : '';
    console.log(
      `  ${r['backend']} T=${r['T']} N=${N} ${r['simd'] === true ? `SIMD ${r['threads']}t` : 'JS     '}: ${fmt(r['nsPerNeuronStep'], 2)} ns${floor}; vs composed ${fmt(vsComposed)}x (${N >= 1e5 ? ok(typeof vsComposed === 'number' ? vsComposed >= 10 : null) : 'n/a'})` +
        `; vs loop ${fmt(vsLoop, 2)}x (${ok(typeof vsLoop === 'number' ? vsLoop <= 1.5 : null)})` +
        `; vs SpikingJelly ${fmt(vsSj, 2)}x (${ok(typeof vsSj === 'number' ? vsSj >= 2 : null)})`,
    );
  }
}

/** The `lifNode` suite. */
export const suite: BenchSuite = { name: SUITE, run };
