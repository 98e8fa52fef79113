/**
 * Drawing the network's activity on canvases: the input image, the input spike frames, spike rasters (time on the
 * x axis, neurons on the y axis, one mark per spike) and the output firing rates. Pure drawing: no tensors.
 *
 * @category example
 */

const SPIKE = '#5ad1ff';
const GRID = '#2a2e3b';
const INK = '#e6e6e6';
const DIM = '#8a8fa3';
const ACCENT = '#ffb347';

/** A grey-level image `side × side` in [0, 1], scaled to the canvas. */
export function drawImage(c: HTMLCanvasElement, img: Float32Array, side: number): void {
  const ctx = c.getContext('2d')!;
  const data = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, img[i] as number)));
    data.data.set([v, v, v, 255], 4 * i);
  }
  const tmp = document.createElement('canvas');
  tmp.width = side;
  tmp.height = side;
  tmp.getContext('2d')!.putImageData(data, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.drawImage(tmp, 0, 0, c.width, c.height);
}

/** Input spike frames: step `t`'s 28×28 spikes as tile `t` of a grid of `T` tiles, at most 4 per row. */
export function drawInputFrame(c: HTMLCanvasElement, spikes: Float32Array, t: number, T: number, side: number): void {
  const gap = 4;
  const label = 13;
  const perRow = Math.min(T, 4);
  const tile = Math.floor((c.width - gap * (perRow - 1)) / perRow);
  if (t === 0) {
    const height = Math.ceil(T / perRow) * (tile + label + gap);
    if (c.height !== height)
      c.height = height; // resizing clears
    else c.getContext('2d')!.clearRect(0, 0, c.width, c.height);
  }
  const ctx = c.getContext('2d')!;
  const x0 = (t % perRow) * (tile + gap);
  const y0 = Math.floor(t / perRow) * (tile + label + gap);
  ctx.fillStyle = '#000';
  ctx.fillRect(x0, y0, tile, tile);
  ctx.fillStyle = SPIKE;
  const px = tile / side;
  for (let i = 0; i < side * side; i++) {
    if ((spikes[i] as number) > 0)
      ctx.fillRect(Math.floor(x0 + (i % side) * px), Math.floor(y0 + Math.floor(i / side) * px), Math.ceil(px), Math.ceil(px));
  }
  ctx.fillStyle = DIM;
  ctx.font = '10px ui-monospace, monospace';
  ctx.fillText(`t=${t}`, x0, y0 + tile + 10);
}

/** A raster canvas for one layer: neurons shown, columns for T steps. */
export type Raster = { readonly canvas: HTMLCanvasElement; readonly shown: readonly number[]; readonly T: number; counts: number };

/** Picks at most `max` neurons of `n`, evenly spaced, for a raster. */
export const shownNeurons = (n: number, max: number): number[] =>
  Array.from({ length: Math.min(n, max) }, (_, i) => Math.floor((i * n) / Math.min(n, max)));

/** Clears a raster to black and draws its grid (a line between time steps); its spike count goes back to 0. */
export function clearRaster(r: Raster): void {
  const ctx = r.canvas.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, r.canvas.width, r.canvas.height);
  ctx.strokeStyle = GRID;
  for (let t = 1; t < r.T; t++) {
    const x = Math.round((t * r.canvas.width) / r.T) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, r.canvas.height);
    ctx.stroke();
  }
  r.counts = 0;
}

/** Draws step `t`'s spikes of the shown neurons (one mark per spike); returns how many were drawn. */
export function drawRasterColumn(r: Raster, spikes: Float32Array, t: number): number {
  const ctx = r.canvas.getContext('2d')!;
  const colW = r.canvas.width / r.T;
  const rowH = r.canvas.height / r.shown.length;
  ctx.fillStyle = SPIKE;
  let n = 0;
  // whole pixels, so that marks keep the spike colour (no anti-aliasing)
  const w = Math.max(2, Math.min(Math.round(colW) - 4, 14));
  const x0 = Math.round(t * colW + (colW - w) / 2);
  const h = Math.max(1, Math.floor(rowH) - (rowH >= 3 ? 1 : 0));
  r.shown.forEach((neuron, row) => {
    if ((spikes[neuron] as number) > 0) {
      ctx.fillRect(x0, Math.floor(row * rowH), w, h);
      n++;
    }
  });
  r.counts += n;
  return n;
}

/**
 * Bars of the output firing rates (spikes / T), one row per class named by `labels` (default: the digits), the
 * winner highlighted (`undefined`: none, e.g. while the run unfolds or when the page is not sure).
 */
export function drawRates(
  c: HTMLCanvasElement,
  rates: Float32Array | readonly number[],
  winner: number | undefined,
  labels: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
): void {
  const ctx = c.getContext('2d')!;
  ctx.clearRect(0, 0, c.width, c.height);
  const rows = labels.length;
  const rowH = c.height / rows;
  ctx.font = '13px ui-monospace, monospace';
  const left = Math.ceil(Math.max(...labels.map((l) => ctx.measureText(l).width))) + 10;
  const barW = c.width - left - 44;
  for (let k = 0; k < rows; k++) {
    const r = Math.max(0, Math.min(1, (rates[k] as number | undefined) ?? 0));
    const y = k * rowH;
    ctx.fillStyle = k === winner ? ACCENT : INK;
    ctx.fillText(labels[k] as string, 4, y + rowH * 0.7);
    ctx.fillStyle = GRID;
    ctx.fillRect(left, y + 3, barW, rowH - 6);
    ctx.fillStyle = k === winner ? ACCENT : SPIKE;
    ctx.fillRect(left, y + 3, Math.round(barW * r), rowH - 6);
    ctx.fillStyle = DIM;
    ctx.fillText(r.toFixed(2), c.width - 38, y + rowH * 0.7);
  }
}

/** Erases a canvas (transparent: the panel's background shows). */
export function clearCanvas(c: HTMLCanvasElement): void {
  c.getContext('2d')!.clearRect(0, 0, c.width, c.height);
}
