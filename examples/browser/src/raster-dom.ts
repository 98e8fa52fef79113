/**
 * The page elements of one spike raster: a title line, the canvas (columns = time steps, rows = neurons), the row
 * labels on its left (class names for the output layer, the first and last neuron index for a hidden layer) and
 * the time axis under it (one label per step, see {@link stepTicks}). Labels are HTML laid out on CSS grids with as
 * many tracks as the canvas has rows and columns, so they stay aligned with the marks at any page width.
 *
 * @category example
 */
import { stepTicks } from './axes.js';
import type { Raster } from './render.js';

/** What a raster shows. */
export type RasterSpec = {
  /** The layer's name, also `data-layer` of its canvas (`lif1`, `lif2`, `output`). */
  readonly name: string;
  /** The title line, e.g. the layer's shape and how many neurons fired. */
  readonly title: string;
  /** The neurons shown, one row each, top to bottom. */
  readonly shown: readonly number[];
  /** Time steps, one column each. */
  readonly T: number;
  /** Canvas height in CSS pixels (= its backing height). */
  readonly height: number;
  /** One label per row (the output layer's class names); without it, the first and last neuron index. */
  readonly rowLabels?: readonly string[];
};

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  e.className = className;
  e.textContent = text;
  return e;
};

/** Builds a raster's elements at the end of `host` and returns the {@link Raster} to draw on (cleared by the caller). */
export function makeRaster(host: HTMLElement, spec: RasterSpec): Raster {
  const fig = el('figure', 'raster');
  fig.dataset['layer'] = spec.name;
  const head = el('figcaption', 'raster-title');
  const count = el('span', 'raster-count');
  count.dataset['count'] = '';
  head.append(el('span', '', spec.title), count);

  const plot = el('div', 'raster-plot');
  const rows = el('div', spec.rowLabels === undefined ? 'raster-rows raster-rows-edges' : 'raster-rows');
  if (spec.rowLabels === undefined) {
    rows.title = 'neuron index';
    rows.append(el('span', '', `#${spec.shown[0] ?? 0}`), el('span', '', `#${spec.shown.at(-1) ?? 0}`));
  } else {
    rows.style.gridTemplateRows = `repeat(${spec.rowLabels.length}, 1fr)`;
    for (const l of spec.rowLabels) rows.append(el('span', '', l));
  }
  rows.style.height = `${spec.height}px`;
  const canvas = el('canvas', 'raster-canvas');
  canvas.dataset['layer'] = spec.name;
  canvas.style.height = `${spec.height}px`;
  const steps = el('div', 'raster-steps');
  steps.style.gridTemplateColumns = `repeat(${spec.T}, 1fr)`;
  for (const tick of stepTicks(spec.T)) steps.append(el('span', '', tick));
  plot.append(rows, canvas, el('span', 'raster-axis-name', 't'), steps);
  fig.append(head, plot);
  host.append(fig);

  // Backing store at the displayed size (whole device pixels), so marks stay crisp; 560 if not laid out yet.
  const dpr = window.devicePixelRatio || 1;
  canvas.width = canvas.clientWidth > 0 ? Math.round(canvas.clientWidth * dpr) : 560;
  canvas.height = Math.round(spec.height * dpr);
  return { canvas, shown: spec.shown, T: spec.T, counts: 0 };
}
