/**
 * Plots as SVG strings (no DOM, no dependency): a spike raster, line charts (membrane-potential traces, training
 * curves). Open the written `.svg` file in a browser or image viewer.
 *
 * - {@link rasterSvg}: one panel per layer, time on x, neuron index on y, a dot per spike.
 * - {@link lineChartSvg}: one panel of named series over x, with optional dashed horizontal reference lines
 *   (e.g. the firing threshold).
 * - {@link stackSvg}: panels one under the other in one SVG (e.g. loss over accuracy).
 * - {@link heatmapSvg}: a matrix of shaded cells with their values (e.g. a confusion matrix).
 *
 * @category plots
 */

/** One raster panel: `spikes[t][n]` is 1 (or true) when neuron n fired at step t. @category plots */
export type RasterPanel = {
  /** The panel's name, e.g. the layer's. */
  readonly label: string;
  /** `spikes[t][n]`: time steps × neurons, nonzero where neuron n fired at step t. */
  readonly spikes: readonly (readonly number[])[];
};

/** A named series of y values, at `x` (default 0, 1, 2, …). @category plots */
export type Series = {
  /** The legend entry. */
  readonly label: string;
  /** The values; non-finite ones are left out of the y range. */
  readonly y: readonly number[];
  /** The x of each value, as long as `y`. Default 0, 1, 2, …. */
  readonly x?: readonly number[];
};

/** Options of {@link lineChartSvg}. @category plots */
export type LineChart = {
  /** The title above the plot. */
  readonly title: string;
  /** The x-axis label. */
  readonly xLabel: string;
  /** The y-axis label. */
  readonly yLabel: string;
  /** The lines to draw, in order (colours cycle through ten). */
  readonly series: readonly Series[];
  /** Dashed horizontal reference lines (e.g. the firing threshold), included in the default y range. */
  readonly hlines?: readonly {
    /** Where the line is, in data units. */
    readonly y: number;
    /** The text written at its right end. */
    readonly label: string;
  }[];
  /** The width in pixels, legend included. Default 720. */
  readonly width?: number;
  /** The height in pixels. Default 360 ({@link lineChartSvg}) or 300 per panel ({@link stackSvg}). */
  readonly height?: number;
  /** Fixed y range; default from the data (and the reference lines). */
  readonly yRange?: readonly [number, number];
  /** Fixed x range; default from the data. */
  readonly xRange?: readonly [number, number];
};

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string =>
  Number.isInteger(v) && Math.abs(v) < 1e7
    ? String(v)
    : Math.abs(v) >= 1e7 || (Math.abs(v) < 0.01 && v !== 0)
      ? v.toExponential(1)
      : String(Number(v.toPrecision(3)));
const num = (v: number): string => (Math.round(v * 100) / 100).toString();

const svgOpen = (w: number, h: number): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">\n<rect width="${w}" height="${h}" fill="white"/>\n`;

/** Nice tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5, integer = false): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const found = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const step = integer ? Math.max(1, Math.round(found)) : found;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The body of one line chart at (ox, oy), without the `<svg>` wrapper. */
function chartBody(c: LineChart, ox: number, oy: number, w: number, h: number): string {
  const m = { l: 60, r: 170, t: 28, b: 40 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const xsOf = (s: Series): readonly number[] => s.x ?? s.y.map((_, i) => i);
  const allX = c.series.flatMap(xsOf);
  const allY = [...c.series.flatMap((s) => s.y.filter(Number.isFinite)), ...(c.hlines ?? []).map((l) => l.y)];
  const [x0, x1] = c.xRange ?? [allX.length ? Math.min(...allX) : 0, allX.length ? Math.max(...allX) : 1];
  let [y0, y1] = c.yRange ?? [allY.length ? Math.min(...allY) : 0, allY.length ? Math.max(...allY) : 1];
  if (c.yRange === undefined) {
    const pad = (y1 - y0 || 1) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const sx = (x: number): number => ox + m.l + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number): number => oy + m.t + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  let s = `<text x="${ox + m.l + pw / 2}" y="${oy + 18}" text-anchor="middle" font-size="14" font-weight="bold">${esc(c.title)}</text>\n`;
  s += `<rect x="${ox + m.l}" y="${oy + m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>\n`;
  for (const v of ticks(y0, y1))
    s += `<line x1="${ox + m.l}" x2="${ox + m.l + pw}" y1="${num(sy(v))}" y2="${num(sy(v))}" stroke="#eee"/><text x="${ox + m.l - 6}" y="${num(sy(v) + 4)}" text-anchor="end">${fmt(v)}</text>\n`;
  for (const v of ticks(x0, x1, 5, allX.every(Number.isInteger)))
    s += `<text x="${num(sx(v))}" y="${oy + m.t + ph + 16}" text-anchor="middle">${fmt(v)}</text>\n`;
  s += `<text x="${ox + m.l + pw / 2}" y="${oy + h - 6}" text-anchor="middle">${esc(c.xLabel)}</text>\n`;
  s += `<text transform="translate(${ox + 14},${oy + m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>\n`;
  for (const l of c.hlines ?? []) {
    s += `<line x1="${ox + m.l}" x2="${ox + m.l + pw}" y1="${num(sy(l.y))}" y2="${num(sy(l.y))}" stroke="#555" stroke-dasharray="6 4"/>`;
    s += `<text x="${ox + m.l + pw - 4}" y="${num(sy(l.y) - 4)}" text-anchor="end" fill="#555">${esc(l.label)}</text>\n`;
  }
  c.series.forEach((ser, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const xs = xsOf(ser);
    const pts = ser.y.map((y, j) => (Number.isFinite(y) ? `${num(sx(xs[j] as number))},${num(sy(y))}` : '')).filter((p) => p !== '');
    if (pts.length === 1) s += `<circle cx="${pts[0]!.split(',')[0]}" cy="${pts[0]!.split(',')[1]}" r="3" fill="${color}"/>`;
    else s += `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/>\n`;
    s += `<line x1="${ox + w - m.r + 10}" x2="${ox + w - m.r + 30}" y1="${oy + m.t + 10 + 16 * i}" y2="${oy + m.t + 10 + 16 * i}" stroke="${color}" stroke-width="2"/>`;
    s += `<text x="${ox + w - m.r + 34}" y="${oy + m.t + 14 + 16 * i}">${esc(ser.label)}</text>\n`;
  });
  return s;
}

/** A line chart as a standalone SVG document. @category plots */
export function lineChartSvg(c: LineChart): string {
  const w = c.width ?? 720;
  const h = c.height ?? 360;
  return `${svgOpen(w, h)}${chartBody(c, 0, 0, w, h)}</svg>\n`;
}

/** Several line charts stacked vertically in one SVG document. @category plots */
export function stackSvg(charts: readonly LineChart[]): string {
  const w = Math.max(...charts.map((c) => c.width ?? 720));
  const hs = charts.map((c) => c.height ?? 300);
  let s = svgOpen(
    w,
    hs.reduce((a, b) => a + b, 0),
  );
  let y = 0;
  charts.forEach((c, i) => {
    s += chartBody(c, 0, y, w, hs[i] as number);
    y += hs[i] as number;
  });
  return `${s}</svg>\n`;
}

/** A spike raster: one panel per layer (`spikes[t][n]`), time on x, neuron on y. @category plots */
export function rasterSvg(options: { readonly title: string; readonly panels: readonly RasterPanel[]; readonly width?: number }): string {
  const w = options.width ?? 720;
  const m = { l: 110, r: 20, t: 34, b: 40 };
  const pw = w - m.l - m.r;
  const heights = options.panels.map((p) => Math.max(60, Math.min(240, (p.spikes[0]?.length ?? 1) * 3)));
  const h = m.t + m.b + heights.reduce((a, b) => a + b + 12, 0);
  let s = svgOpen(w, h);
  s += `<text x="${m.l + pw / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(options.title)}</text>\n`;
  let y = m.t;
  const T = Math.max(1, ...options.panels.map((p) => p.spikes.length));
  options.panels.forEach((p, k) => {
    const ph = heights[k] as number;
    const N = p.spikes[0]?.length ?? 0;
    const color = COLORS[k % COLORS.length] as string;
    s += `<rect x="${m.l}" y="${y}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`;
    s += `<text x="${m.l - 8}" y="${y + ph / 2}" text-anchor="end">${esc(p.label)}</text>`;
    s += `<text x="${m.l - 8}" y="${y + ph / 2 + 14}" text-anchor="end" fill="#777" font-size="10">${N} neurons</text>\n`;
    const dw = pw / T;
    const dh = ph / Math.max(1, N);
    const rects: string[] = [];
    p.spikes.forEach((row, t) => {
      row.forEach((v, n) => {
        if (v)
          rects.push(
            `<rect x="${num(m.l + t * dw + (dw - Math.min(dw * 0.8, 14)) / 2)}" y="${num(y + n * dh)}" width="${num(Math.min(dw * 0.8, 14))}" height="${num(Math.max(dh, 0.6))}"/>`,
          );
      });
    });
    s += `<g fill="${color}">${rects.join('')}</g>\n`;
    y += ph + 12;
  });
  for (const v of ticks(0, T - 1, Math.min(T, 10), true))
    s += `<text x="${num(m.l + (v + 0.5) * (pw / T))}" y="${y + 6}" text-anchor="middle">${v}</text>`;
  s += `<text x="${m.l + pw / 2}" y="${h - 8}" text-anchor="middle">time step</text>\n`;
  return `${s}</svg>\n`;
}

/** Options of {@link heatmapSvg}. @category plots */
export type Heatmap = {
  /** The title above the map. */
  readonly title: string;
  /** `values[r][c]`: rows × columns, finite numbers ≥ 0 (e.g. a confusion matrix's counts). */
  readonly values: readonly (readonly number[])[];
  /** The label of each row (top to bottom). */
  readonly rowLabels: readonly string[];
  /** The label of each column (left to right). */
  readonly colLabels: readonly string[];
  /** The x-axis (columns) label, e.g. `'predicted class'`. */
  readonly xLabel: string;
  /** The y-axis (rows) label, e.g. `'true class'`. */
  readonly yLabel: string;
  /** Shade each cell by its share of its row (`'row'`, default: recall for a confusion matrix) or of the largest value (`'max'`). */
  readonly shade?: 'row' | 'max';
  /** The size of a cell in pixels. Default 44. */
  readonly cell?: number;
};

/**
 * A heatmap with the value written in each cell, e.g. a confusion matrix (rows: true class, columns: predicted).
 * The shade of a cell is `v / Σ_row v` (or `v / max v`) from white to dark blue.
 *
 * @category plots
 */
export function heatmapSvg(h: Heatmap): string {
  const rows = h.values.length;
  const cols = Math.max(0, ...h.values.map((r) => r.length));
  const cell = h.cell ?? 44;
  const labelW = Math.max(40, 7 * Math.max(0, ...h.rowLabels.map((l) => l.length)) + 12);
  const labelH = Math.max(24, 7 * Math.max(0, ...h.colLabels.map((l) => l.length)) + 12);
  const m = { l: 24 + labelW, t: 34 + labelH, r: 16, b: 16 };
  const w = Math.max(m.l + cols * cell + m.r, 320, Math.ceil(h.title.length * 8.5) + 20);
  const ht = m.t + rows * cell + m.b;
  const max = Math.max(0, ...h.values.flatMap((r) => r.filter(Number.isFinite)));
  let s = svgOpen(w, ht);
  s += `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(h.title)}</text>\n`;
  s += `<text x="${m.l + (cols * cell) / 2}" y="40" text-anchor="middle">${esc(h.xLabel)}</text>\n`;
  s += `<text transform="translate(14,${m.t + (rows * cell) / 2}) rotate(-90)" text-anchor="middle">${esc(h.yLabel)}</text>\n`;
  h.colLabels.forEach((l, c) => {
    s += `<text transform="translate(${num(m.l + (c + 0.5) * cell + 4)},${m.t - 6}) rotate(-60)">${esc(l)}</text>`;
  });
  s += '\n';
  h.values.forEach((r, i) => {
    const total = r.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
    const y = m.t + i * cell;
    s += `<text x="${m.l - 6}" y="${num(y + cell / 2 + 4)}" text-anchor="end">${esc(h.rowLabels[i] ?? '')}</text>`;
    r.forEach((v, c) => {
      const f = Number.isFinite(v) ? Math.min(1, Math.max(0, v / ((h.shade ?? 'row') === 'row' ? total || 1 : max || 1))) : 0;
      const shade = (a: number, b: number): number => Math.round(a + (b - a) * f);
      const fill = `rgb(${shade(255, 8)},${shade(255, 48)},${shade(255, 107)})`;
      s += `<rect x="${m.l + c * cell}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ddd"/>`;
      s += `<text x="${num(m.l + (c + 0.5) * cell)}" y="${num(y + cell / 2 + 4)}" text-anchor="middle" font-size="11" fill="${f > 0.5 ? 'white' : '#222'}">${Number.isFinite(v) ? fmt(v) : ''}</text>`;
    });
    s += '\n';
  });
  return `${s}</svg>\n`;
}
