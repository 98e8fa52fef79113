/**
 * Plots of what a `monitor` recorded (`@spikefn/core`'s `monitor(...).run`, records stacked over time as
 * `records[layer][probe]: [T, B, ...]`), drawn with the SVG plots of plot-svg.ts:
 *
 * - {@link monitorRasterSvg}: the spikes of one sample, one raster panel per layer (neurons flattened).
 * - {@link membraneTraceSvg}: one layer's membrane (or any state probe) of a few neurons of one sample over time,
 *   with the firing threshold as a dashed line.
 * - {@link firingRateSvg}: each layer's firing rate over time, r_t = mean over the batch and the neurons of s_t
 *   (from the `'rate'` probe, else the `'spikes'` probe), its mean over time in the legend.
 *
 * The data behind each plot is returned by {@link monitorRasterPanels}, {@link membraneTraceSeries} and
 * {@link firingRateSeries}. Records `[T, N]` (no batch axis) are read as one sample. Reading records copies them to
 * plain numbers; no tensor is kept or created beyond the call.
 *
 * @category plots
 */
import * as tf from '@spikefn/core/tf';
import { type LayerRecords, type SequentialRecords, SpikefnArgumentError, showShape } from '@spikefn/core';
import { lineChartSvg, rasterSvg, type RasterPanel, type Series } from './plot-svg.js';

const records = (fn: string, r: unknown): SequentialRecords => {
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    throw new SpikefnArgumentError(fn, 'records', 'the records of a monitor run { layer: { probe: tensor } }', String(r));
  return r as SequentialRecords;
};

const probeOf = (fn: string, rec: SequentialRecords, layer: string, probe: string): tf.Tensor => {
  const lr = rec[layer] as LayerRecords | undefined;
  if (lr === undefined)
    throw new SpikefnArgumentError(
      fn,
      'layer',
      `a layer of the records (${Object.keys(rec)
        .map((k) => `'${k}'`)
        .join(', ')})`,
      `'${layer}'`,
    );
  const t = lr[probe];
  if (!(t instanceof tf.Tensor))
    throw new SpikefnArgumentError(
      fn,
      `records.${layer}`,
      `a '${probe}' record (it has ${Object.keys(lr)
        .map((k) => `'${k}'`)
        .join(', ')})`,
      'none',
    );
  return t;
};

/** `x: [T, B, ...]` → sample `b` as `[T][N]` (features flattened); `[T, N]` is one sample. */
function sampleRows(fn: string, name: string, x: tf.Tensor, b: number): number[][] {
  if (x.rank < 2) throw new SpikefnArgumentError(fn, name, 'a record [T, B, ...] or [T, N]', `shape ${showShape(x.shape)}`);
  const T = x.shape[0] as number;
  if (x.rank === 2) {
    if (b !== 0) throw new SpikefnArgumentError(fn, 'sample', 'sample 0 (the record has no batch axis)', String(b));
    return x.arraySync() as number[][];
  }
  const B = x.shape[1] as number;
  if (!Number.isInteger(b) || b < 0 || b >= B) throw new SpikefnArgumentError(fn, 'sample', `an integer in [0, ${B - 1}]`, String(b));
  return tf.tidy(() => tf.reshape(tf.gather(x, b, 1), [T, -1]).arraySync() as number[][]);
}

/** Options of {@link monitorRasterSvg} and {@link monitorRasterPanels}. @category plots */
export type MonitorRasterOptions = {
  /** The plot's title. Default `'spikes'`. */
  readonly title?: string;
  /** Which sample of the batch (axis 1 of `[T, B, ...]`). Default 0. */
  readonly sample?: number;
  /** The probe holding the spikes. Default `'spikes'` (layers without it are left out). */
  readonly probe?: string;
  /** The width in pixels. Default 720. */
  readonly width?: number;
};

/** One raster panel per layer that recorded `probe`: `spikes[t][n]` of one sample, neurons flattened. @category plots */
export function monitorRasterPanels(recs: SequentialRecords, options: MonitorRasterOptions = {}): RasterPanel[] {
  const fn = 'monitorRasterPanels';
  const probe = options.probe ?? 'spikes';
  return Object.entries(records(fn, recs))
    .filter(([, lr]) => lr[probe] instanceof tf.Tensor)
    .map(([layer, lr]) => ({
      label: layer,
      spikes: sampleRows(fn, `records.${layer}.${probe}`, lr[probe] as tf.Tensor, options.sample ?? 0),
    }));
}

/** A spike raster of one sample: one panel per recorded layer, time on x, neuron on y. @category plots */
export function monitorRasterSvg(recs: SequentialRecords, options: MonitorRasterOptions = {}): string {
  const panels = monitorRasterPanels(recs, options);
  if (panels.length === 0)
    throw new SpikefnArgumentError('monitorRasterSvg', 'records', `a layer with a '${options.probe ?? 'spikes'}' record`, 'none');
  return rasterSvg({ title: options.title ?? 'spikes', panels, ...(options.width === undefined ? {} : { width: options.width }) });
}

/** Options of {@link membraneTraceSvg} and {@link membraneTraceSeries}. @category plots */
export type MembraneTraceOptions = {
  /** The layer whose probe is drawn. */
  readonly layer: string;
  /** The probe: a state record such as `'v'` (default) or `'h'`. */
  readonly probe?: string;
  /** Which sample of the batch. Default 0. */
  readonly sample?: number;
  /** Which neurons (indices into the flattened features). Default the first min(N, 5). */
  readonly neurons?: readonly number[];
  /** A dashed horizontal line at the firing threshold V_th (e.g. 1). Default none. */
  readonly threshold?: number;
  /** The title. Default `'<layer>.<probe>'`. */
  readonly title?: string;
};

/** The traces `v_t` of the chosen neurons of one sample, one series per neuron. @category plots */
export function membraneTraceSeries(recs: SequentialRecords, options: MembraneTraceOptions): Series[] {
  const fn = 'membraneTraceSeries';
  const probe = options.probe ?? 'v';
  const rows = sampleRows(
    fn,
    `records.${options.layer}.${probe}`,
    probeOf(fn, records(fn, recs), options.layer, probe),
    options.sample ?? 0,
  );
  const N = rows[0]?.length ?? 0;
  const neurons = options.neurons ?? Array.from({ length: Math.min(N, 5) }, (_, i) => i);
  neurons.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 0 || n >= N)
      throw new SpikefnArgumentError(fn, `neurons[${i}]`, `a neuron index in [0, ${N - 1}]`, String(n));
  });
  return neurons.map((n) => ({ label: `${options.layer}.${probe}[${n}]`, y: rows.map((r) => r[n] as number) }));
}

/** Membrane traces of one layer over time, with the threshold as a dashed line. @category plots */
export function membraneTraceSvg(recs: SequentialRecords, options: MembraneTraceOptions): string {
  const probe = options.probe ?? 'v';
  return lineChartSvg({
    title: options.title ?? `${options.layer}.${probe}`,
    xLabel: 'time step',
    yLabel: probe,
    series: membraneTraceSeries(recs, options),
    ...(options.threshold === undefined ? {} : { hlines: [{ y: options.threshold, label: `threshold ${options.threshold}` }] }),
  });
}

/** Options of {@link firingRateSvg} and {@link firingRateSeries}. @category plots */
export type FiringRateOptions = {
  /** The title. Default `'firing rate per layer'`. */
  readonly title?: string;
  /** Only these layers, in this order. Default every layer with a `'rate'` or `'spikes'` record. */
  readonly layers?: readonly string[];
};

/**
 * Each layer's firing rate over time, `r_t` = mean over the batch of the `'rate'` record (`[T, B]`), else the mean of
 * the `'spikes'` record over every axis but time; the legend carries the mean over time.
 *
 * @category plots
 */
export function firingRateSeries(recs: SequentialRecords, options: FiringRateOptions = {}): Series[] {
  const fn = 'firingRateSeries';
  const rec = records(fn, recs);
  const names =
    options.layers ?? Object.keys(rec).filter((k) => rec[k]?.['rate'] instanceof tf.Tensor || rec[k]?.['spikes'] instanceof tf.Tensor);
  return names.map((layer) => {
    const lr = rec[layer];
    const src = lr?.['rate'] instanceof tf.Tensor ? lr['rate'] : lr?.['spikes'];
    if (!(src instanceof tf.Tensor)) {
      if (lr === undefined) probeOf(fn, rec, layer, 'rate'); // throws, naming the layers there are
      throw new SpikefnArgumentError(fn, `records.${layer}`, "a 'rate' or 'spikes' record", 'neither');
    }
    if (src.rank < 1) throw new SpikefnArgumentError(fn, `records.${layer}`, 'a record with a time axis', `shape ${showShape(src.shape)}`);
    const y = tf.tidy(() =>
      Array.from(
        (src.rank === 1
          ? src
          : tf.mean(
              src,
              Array.from({ length: src.rank - 1 }, (_, i) => i + 1),
            )
        ).dataSync(),
      ),
    );
    const mean = y.reduce((a, v) => a + v, 0) / Math.max(1, y.length);
    return { label: `${layer} (mean ${Number(mean.toPrecision(3))})`, y };
  });
}

/** The firing rate of each recorded layer over time, one line per layer. @category plots */
export function firingRateSvg(recs: SequentialRecords, options: FiringRateOptions = {}): string {
  const series = firingRateSeries(recs, options);
  if (series.length === 0) throw new SpikefnArgumentError('firingRateSvg', 'records', "a layer with a 'rate' or 'spikes' record", 'none');
  return lineChartSvg({
    title: options.title ?? 'firing rate per layer',
    xLabel: 'time step',
    yLabel: 'fraction of neurons firing',
    series,
    yRange: [0, 1],
  });
}
