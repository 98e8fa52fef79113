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
import { clearCanvas, clearRaster, drawImage, drawInputFrame, drawRasterColumn, drawRates, shownNeurons, type Raster } from './render.js';
import { loadNet, type Activity, type Net } from './net.js';
import type { DemoState } from './demo-api.js';
import { describeVerdict, verdict, type Verdict } from './verdict.js';
import { classNamesFor, DIGIT_CLASSES } from './classes.js';
import { makeRaster } from './raster-dom.js';

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
  verdict: undefined,
  shown: '',
  error: undefined,
};

let net: Net | undefined;
let checkpoint: Uint8Array | undefined;
let rasters: Raster[] = [];
let classNames: readonly string[] = DIGIT_CLASSES;
/** Whether the pad holds a drawing (a backend switch runs it again). */
let hasDrawing = false;
let runId = 0;
let seed = 0;
/** Milliseconds each time step stays on screen while a run unfolds (`?stepMs=`). */
let stepMs = Number(new URLSearchParams(location.search).get('stepMs') ?? 150);

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
  hasDrawing = true;
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
/**
 * Every panel as on a fresh load: blank pad and input, no input frames, no rasters, zero rates, no prediction; a
 * run still unfolding stops (its id is stale).
 */
function resetPanels(): void {
  runId++;
  clearPad();
  hasDrawing = false;
  drawImage($('input'), new Float32Array(SIDE * SIDE), SIDE);
  const frames = $<HTMLCanvasElement>('input-spikes');
  frames.height = 80; // the empty panel's height (a run resizes it to its T frames)
  clearCanvas(frames);
  rasters = [];
  const placeholder = document.createElement('p');
  placeholder.className = 'muted placeholder';
  placeholder.textContent = 'Draw a digit: the spikes of each layer appear here, one column per time step.';
  $('rasters').replaceChildren(placeholder);
  drawRates($('rates'), [], undefined, classNames);
  $('prediction').textContent = '–';
  $('prediction').className = '';
  $('confidence').textContent = '';
  state.busy = false;
  state.predicted = undefined;
  state.rates = [];
  state.rasterSpikes = {};
  state.verdict = undefined;
  state.shown = '';
  if (state.ready) status('ready: draw a digit');
}
$('clear').addEventListener('click', resetPanels);

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
  hasDrawing = true;
  pctx.imageSmoothingEnabled = true;
  pctx.drawImage(tmp, 0, 0, pad.width, pad.height);
  return classifyImage(img, withSeed);
}

// ---- classification and display
async function classifyPad(): Promise<Activity | undefined> {
  return classifyImage(padToMnist(pad));
}

const frame = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rasters for a run: per hidden layer, the neurons that fired at least once (at most 120, in index order); the output layer. */
function buildRasters(a: Activity): void {
  const host = $('rasters');
  host.replaceChildren();
  const MAX = 120;
  rasters = a.hidden.map((layer) => {
    const n = layer.shape.reduce((x, y) => x * y, 1);
    const fired: number[] = [];
    for (let i = 0; i < n; i++) if (layer.spikes.some((st) => (st[i] as number) > 0)) fired.push(i);
    const shown = fired.length > 0 ? fired.slice(0, MAX) : shownNeurons(n, MAX);
    return makeRaster(host, {
      name: layer.name,
      title: `${layer.name}: LIF [${layer.shape.join('×')}] = ${n} neurons; ${fired.length} fired (${Math.min(fired.length, MAX)} shown)`,
      shown,
      T: a.T,
      height: 2 * MAX,
    });
  });
  rasters.push(
    makeRaster(host, {
      name: 'output',
      title: `output: LIF, ${classNames.length} neurons, one per class`,
      shown: shownNeurons(classNames.length, classNames.length),
      T: a.T,
      height: 16 * classNames.length,
      rowLabels: classNames,
    }),
  );
}

/** Shows a finished run's reading of the output rates: the class, or "not sure" and why. */
function showVerdict(v: Verdict): void {
  const { headline, detail } = describeVerdict(v, classNames);
  const p = $('prediction');
  p.textContent = headline;
  p.className = v.sure ? (headline.length > 2 ? 'long' : '') : 'unsure';
  $('confidence').textContent = detail;
  state.verdict = v;
  state.shown = headline;
}

async function classifyImage(img: Float32Array, withSeed?: number): Promise<Activity | undefined> {
  if (net === undefined) return undefined;
  const id = ++runId;
  state.busy = true;
  drawImage($('input'), img, SIDE);
  $('prediction').textContent = '…';
  $('prediction').className = '';
  $('confidence').textContent = '';
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
      classNames,
    );
    status(`step ${t + 1}/${a.T}`);
    await frame(stepMs);
  }
  if (id !== runId) return undefined;
  const v = verdict(a.rates);
  drawRates($('rates'), a.rates, v.sure ? v.predicted : undefined, classNames);
  showVerdict(v);
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
  classNames = classNamesFor(net.meta);
  // The rasters' row-label column: as wide as the longest class name or a neuron index such as "#12543".
  $('rasters').style.setProperty('--label-w', `${Math.max(7, ...classNames.map((n) => n.length + 1))}ch`);
  const m = net.meta;
  const testAcc = (m['history'] as { testAcc?: number[] } | undefined)?.testAcc?.at(-1);
  const acc = typeof testAcc === 'number' ? `, held-out accuracy ${(100 * testAcc).toFixed(1)} %` : '';
  $('about').textContent =
    `Conv-BN-LIF ×2 + linear-LIF, channels ${net.config.channels.join('/')}, T = ${net.config.timeSteps}, τ = ${net.config.tau}, ` +
    `${net.config.encoding} encoding${acc}. Weights: the checkpoint written by examples/mnist (checkpoint.spikefn). ` +
    `The prediction is the output neuron that fires most over the T steps; the page says "not sure" when no output ` +
    `neuron fires, when classes tie, or when the top one fires on fewer than half of the steps.`;
  $('input-title').textContent =
    net.config.encoding === 'poisson'
      ? 'Input spike trains (Poisson rate code, one frame per step)'
      : "Input at each step (direct encoding: the image is a constant current; the first spikes are lif1's)";
  state.ready = true;
}
document.querySelectorAll<HTMLInputElement>('input[name=backend]').forEach((r) => {
  r.addEventListener('change', () => {
    // Switch, then run the current drawing again on the new backend.
    if (r.checked) void useBackend(r.value).then(() => (state.ready && hasDrawing ? classifyPad() : undefined));
  });
});

// ---- start
window.spikefnDemo = {
  state,
  useBackend,
  classifyImage: async (pixels, withSeed) => {
    const a = await showImageOnPad(Float32Array.from(pixels), withSeed);
    return a === undefined ? undefined : { predicted: a.predicted, rates: Array.from(a.rates), shown: state.shown };
  },
  samples: () => samples,
  setStepMs: (ms) => {
    stepMs = ms;
  },
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
  resetPanels();
  status('ready: draw a digit');
}
start().catch((e: unknown) => {
  state.error = String((e as Error).message ?? e);
  status(`error: ${state.error}`);
});
