/**
 * The demo page: draw a digit, a spiking CNN (the MNIST example's network and checkpoint) classifies it, and the
 * page shows the input spike trains, a spike raster of the hidden layers unfolding over the T time steps, and the
 * output firing rates. The backend (WebGL or CPU) is switched on the page (or `?backend=cpu`).
 *
 * For tests, `window.spikefnDemo` exposes the page's state and a way to inject an image.
 *
 * @category example
 */
// Backends are opt-in: a page imports the ones it offers; setBackend then selects one.
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@spikefn/core/tf';
import { setBackend, key } from '@spikefn/core';
import { padToMnist, SIDE } from './preprocess.js';
import { clearRaster, drawImage, drawInputFrame, drawRasterColumn, drawRates, shownNeurons, type Raster } from './render.js';
import { loadNet, type Activity, type Net } from './net.js';
import type { DemoState } from './demo-api.js';

const $ = <E extends HTMLElement>(id: string): E => document.getElementById(id) as E;
const pad = $<HTMLCanvasElement>('pad');
const status = (s: string): void => {
  $('status').textContent = s;
};

const state: DemoState = {
  ready: false,
  busy: false,
  backend: '',
  runs: 0,
  predicted: undefined,
  rates: [],
  rasterSpikes: {},
  error: undefined,
};

let net: Net | undefined;
let checkpoint: Uint8Array | undefined;
let rasters: Raster[] = [];
let runId = 0;
let seed = 0;
/** Milliseconds each time step stays on screen while a run unfolds (`?stepMs=`). */
const stepMs = Number(new URLSearchParams(location.search).get('stepMs') ?? 150);

// ---- drawing pad (pointer events: mouse, pen, touch)
const pctx = pad.getContext('2d', { willReadFrequently: true })!;
const clearPad = (): void => {
  pctx.fillStyle = '#000';
  pctx.fillRect(0, 0, pad.width, pad.height);
};
clearPad();
let drawing = false;
let last: [number, number] | undefined;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  last = at(e);
  stroke(last, last);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const p = at(e);
  stroke(last ?? p, p);
  last = p;
});
const end = (): void => {
  if (!drawing) return;
  drawing = false;
  last = undefined;
  void classifyPad();
};
pad.addEventListener('pointerup', end);
pad.addEventListener('pointercancel', end);
function stroke(a: [number, number], b: [number, number]): void {
  pctx.strokeStyle = '#fff';
  pctx.lineWidth = 22;
  pctx.lineCap = 'round';
  pctx.lineJoin = 'round';
  pctx.beginPath();
  pctx.moveTo(a[0], a[1]);
  pctx.lineTo(b[0], b[1]);
  pctx.stroke();
}
$('clear').addEventListener('click', () => {
  clearPad();
  drawImage($('input'), new Float32Array(SIDE * SIDE), SIDE);
});

// ---- sample digits shipped with the page (real MNIST digits from the `mnist` package)
let samples: { label: number; pixels: number[] }[] = [];
let sampleAt = 0;
$('sample').addEventListener('click', () => {
  const s = samples[sampleAt++ % Math.max(1, samples.length)];
  if (s !== undefined) void showImageOnPad(Float32Array.from(s.pixels));
});
async function showImageOnPad(img: Float32Array, withSeed?: number): Promise<Activity | undefined> {
  const tmp = document.createElement('canvas');
  tmp.width = SIDE;
  tmp.height = SIDE;
  drawImage(tmp, img, SIDE);
  clearPad();
  pctx.imageSmoothingEnabled = true;
  pctx.drawImage(tmp, 0, 0, pad.width, pad.height);
  return classifyImage(img, withSeed);
}

// ---- classification and display
async function classifyPad(): Promise<Activity | undefined> {
  return classifyImage(padToMnist(pad));
}

const frame = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rasters for a run: per hidden layer, the neurons that fired at least once (at most 120, in index order). */
function buildRasters(a: Activity): void {
  const host = $('rasters');
  host.replaceChildren();
  const MAX = 120;
  const make = (name: string, title: string, shown: number[], height: number): Raster => {
    const wrap = document.createElement('div');
    const head = document.createElement('div');
    head.className = 'raster-title';
    head.innerHTML = `<span>${title}</span><span data-count></span>`;
    const canvas = document.createElement('canvas');
    canvas.width = 560;
    canvas.height = height;
    canvas.dataset['layer'] = name;
    wrap.append(head, canvas);
    host.append(wrap);
    return { canvas, shown, T: a.T, counts: 0 };
  };
  rasters = a.hidden.map((layer) => {
    const n = layer.shape.reduce((x, y) => x * y, 1);
    const active: number[] = [];
    for (let i = 0; i < n && active.length < MAX; i++) if (layer.spikes.some((st) => (st[i] as number) > 0)) active.push(i);
    let total = 0;
    for (let i = 0; i < n; i++) if (layer.spikes.some((st) => (st[i] as number) > 0)) total++;
    const shown = active.length > 0 ? active : shownNeurons(n, MAX);
    return make(
      layer.name,
      `${layer.name}: LIF [${layer.shape.join('×')}] = ${n} neurons; ${total} fired (${Math.min(total, MAX)} shown)`,
      shown,
      2 * MAX,
    );
  });
  rasters.push(make('output', 'output: LIF, 10 neurons (classes 0–9, top to bottom)', shownNeurons(10, 10), 100));
}

async function classifyImage(img: Float32Array, withSeed?: number): Promise<Activity | undefined> {
  if (net === undefined) return undefined;
  const id = ++runId;
  state.busy = true;
  drawImage($('input'), img, SIDE);
  let a: Activity;
  try {
    a = net.classify(img, key(withSeed ?? seed++));
  } catch (e) {
    state.error = String((e as Error).message ?? e);
    status(`error: ${state.error}`);
    state.busy = false;
    throw e;
  }
  buildRasters(a);
  for (const r of rasters) clearRaster(r);
  $('prediction').textContent = '…';
  const counts = new Array<number>(10).fill(0);
  // Unfold the run over its T steps: one raster column, one input frame and the running rates per step.
  for (let t = 0; t < a.T; t++) {
    if (id !== runId) return undefined; // a newer drawing took over
    drawInputFrame($('input-spikes'), a.input[t]!, t, a.T, SIDE);
    a.hidden.forEach((layer, i) => {
      drawRasterColumn(rasters[i]!, layer.spikes[t]!, t);
    });
    drawRasterColumn(rasters[rasters.length - 1]!, a.output[t]!, t);
    for (let c = 0; c < 10; c++) counts[c]! += a.output[t]![c]!;
    drawRates(
      $('rates'),
      counts.map((n) => n / a.T),
      undefined,
    );
    status(`step ${t + 1}/${a.T}`);
    await frame(stepMs);
  }
  drawRates($('rates'), a.rates, a.predicted);
  $('prediction').textContent = String(a.predicted);
  const sorted = [...a.rates].sort((x, y) => y - x);
  $('confidence').textContent = `rate ${a.rates[a.predicted]!.toFixed(2)}, runner-up ${sorted[1]!.toFixed(2)}`;
  document.querySelectorAll<HTMLElement>('[data-count]').forEach((el, i) => {
    el.textContent = `${rasters[i]?.counts ?? 0} spikes shown`;
  });
  status(`T = ${a.T} steps in ${a.ms.toFixed(0)} ms on ${tf.getBackend()}`);
  state.predicted = a.predicted;
  state.rates = Array.from(a.rates);
  state.rasterSpikes = Object.fromEntries(rasters.map((r) => [r.canvas.dataset['layer']!, r.counts]));
  state.runs++;
  state.busy = false;
  return a;
}

// ---- backend switch
async function useBackend(name: string): Promise<void> {
  state.ready = false;
  $('backend-in-use').textContent = `switching to ${name}…`;
  net?.dispose();
  net = undefined;
  try {
    await setBackend(name);
  } catch (e) {
    state.error = `backend ${name}: ${String((e as Error).message ?? e)}`;
    $('backend-in-use').textContent = `${name} unavailable`;
    status(state.error);
    return;
  }
  state.backend = tf.getBackend();
  const renderer = state.backend === 'webgl' ? ` · WebGL ${tf.env().getNumber('WEBGL_VERSION')}` : '';
  $('backend-in-use').textContent = `in use: ${state.backend}${renderer}`;
  document.querySelectorAll<HTMLInputElement>('input[name=backend]').forEach((r) => {
    r.checked = r.value === state.backend;
  });
  net = loadNet(checkpoint!);
  const m = net.meta;
  const testAcc = (m['history'] as { testAcc?: number[] } | undefined)?.testAcc?.at(-1);
  const acc = typeof testAcc === 'number' ? `, held-out accuracy ${(100 * testAcc).toFixed(1)} %` : '';
  $('about').textContent =
    `Conv-BN-LIF ×2 + linear-LIF, channels ${net.config.channels.join('/')}, T = ${net.config.timeSteps}, τ = ${net.config.tau}, ` +
    `${net.config.encoding} encoding${acc}. Weights: the checkpoint written by examples/mnist (checkpoint.spikefn). ` +
    `The prediction is the output neuron that fires most over the T steps.`;
  $('input-title').textContent =
    net.config.encoding === 'poisson'
      ? 'Input spike trains (Poisson rate code, one frame per step)'
      : "Input at each step (direct encoding: the image is a constant current; the first spikes are lif1's)";
  state.ready = true;
}
document.querySelectorAll<HTMLInputElement>('input[name=backend]').forEach((r) => {
  r.addEventListener('change', () => {
    // Switch, then run the current drawing again on the new backend.
    if (r.checked) void useBackend(r.value).then(() => (state.ready && state.runs > 0 ? classifyPad() : undefined));
  });
});

// ---- start
window.spikefnDemo = {
  state,
  useBackend,
  classifyImage: async (pixels, withSeed) => {
    const a = await showImageOnPad(Float32Array.from(pixels), withSeed);
    return a === undefined ? undefined : { predicted: a.predicted, rates: Array.from(a.rates) };
  },
  samples: () => samples,
};

async function start(): Promise<void> {
  const base = import.meta.env.BASE_URL;
  const [ckpt, smp] = await Promise.all([fetch(`${base}checkpoint.spikefn`), fetch(`${base}samples.json`)]);
  if (!ckpt.ok) throw new Error(`cannot load ${base}checkpoint.spikefn: HTTP ${ckpt.status}`);
  checkpoint = new Uint8Array(await ckpt.arrayBuffer());
  samples = smp.ok ? ((await smp.json()) as typeof samples) : [];
  const wanted = new URLSearchParams(location.search).get('backend') ?? 'webgl';
  await useBackend(wanted);
  if (!state.ready && wanted !== 'cpu') await useBackend('cpu');
  status('ready: draw a digit');
}
start().catch((e: unknown) => {
  state.error = String((e as Error).message ?? e);
  status(`error: ${state.error}`);
});
