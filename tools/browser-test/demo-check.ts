/**
 * The demo-page checks of the browser tests: on each backend, load examples/browser, draw digits on the pad with
 * real pointer events (Chromium's input pipeline, through CDP), inject a held-out MNIST digit, and check the predicted
 * classes, that the rasters were drawn (spike marks counted and spike-coloured pixels present), and the backend shown;
 * then Clear, "not sure" and the layout at three widths ({@link checkClear}, {@link checkUnsure}, {@link checkLayout}).
 * A screenshot per backend and per width goes to `test-output/`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Session } from './browser.js';
import type {} from '../../examples/browser/src/demo-api.js';
import { loadNet } from '../../examples/browser/src/net.js';
import { checkClear, checkLayout, checkUnsure, panelSnapshot, unsureCases } from './demo-ui-check.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type CheckResult = { readonly ok: boolean; readonly what: string; readonly detail: string };

type Stroke = ReadonlyArray<readonly [number, number]>;

/** Strokes in pad units (0..1) of digits a person might draw. */
export const DIGIT_STROKES: Readonly<Record<number, readonly Stroke[]>> = {
  1: [
    [
      [0.52, 0.18],
      [0.5, 0.5],
      [0.48, 0.82],
    ],
  ],
  0: [
    Array.from(
      { length: 25 },
      (_, i) => [0.5 + 0.2 * Math.sin((2 * Math.PI * i) / 24), 0.5 - 0.3 * Math.cos((2 * Math.PI * i) / 24)] as const,
    ),
  ],
  7: [
    [
      [0.28, 0.22],
      [0.72, 0.22],
      [0.6, 0.45],
      [0.45, 0.82],
    ],
  ],
};

/** Clears the pad and draws `strokes` on it with the mouse (pointer events through Chromium's input pipeline). */
export async function drawDigit(page: Page, strokes: readonly Stroke[]): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('the drawing pad is not visible');
  await page.click('#clear');
  for (const stroke of strokes) {
    const [first, ...rest] = stroke;
    await page.mouse.move(box.x + first![0] * box.width, box.y + first![1] * box.height);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 8 });
    await page.mouse.up();
  }
}

/** Waits for the run started by the last action to finish and returns the page's state. */
async function settled(
  page: Page,
  runsBefore: number,
): Promise<{
  predicted: number | undefined;
  rates: number[];
  rasterSpikes: Record<string, number>;
  backend: string;
  error: string | undefined;
}> {
  await page.waitForFunction((n) => (window.spikefnDemo?.state.runs ?? 0) > n && !window.spikefnDemo!.state.busy, runsBefore, {
    timeout: 120_000,
  });
  return page.evaluate(() => ({ ...window.spikefnDemo!.state }));
}

/** Spike-coloured pixels on each raster canvas (what a person sees). */
const rasterPixels = (page: Page): Promise<Record<string, number>> =>
  page.evaluate(() => {
    const out: Record<string, number> = {};
    document.querySelectorAll<HTMLCanvasElement>('#rasters canvas').forEach((c) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! < 120 && d[i + 1]! > 170 && d[i + 2]! > 220) n++; // the spike colour #5ad1ff
      out[c.dataset['layer'] ?? '?'] = n;
    });
    return out;
  });

/** A held-out digit and what Node computed for it (key(1000 + index)). */
export type Reference = { readonly predicted: number; readonly rates: readonly number[] };

export async function checkDemo(
  s: Session,
  backends: readonly string[],
  outDir: string,
  heldOut: { label: number; pixels: number[] }[],
  node: readonly Reference[],
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (ok: boolean, what: string, detail: string): void => void results.push({ ok, what, detail });
  if (s.demoUrl === undefined) return [{ ok: false, what: 'demo page', detail: 'not served' }];
  // Images on which Node's run (the page's network code, the backend Node is on) is silent, ties, or fires low.
  const net = loadNet(new Uint8Array(readFileSync(join(repo, 'examples/browser/public/checkpoint.spikefn'))));
  const unsure = unsureCases(net, heldOut);
  net.dispose();
  const page = await s.context.newPage();
  page.on('pageerror', (e) => console.log(`  demo page error: ${e.message}`));
  try {
    for (const b of backends) {
      const t0 = performance.now();
      await page.goto(`${s.demoUrl}?backend=${b}&stepMs=20`);
      await page.waitForFunction(
        () => window.spikefnDemo?.state.ready === true || window.spikefnDemo?.state.error !== undefined,
        undefined,
        { timeout: 180_000 },
      );
      const shown = (await page.textContent('#backend-in-use')) ?? '';
      const st = await page.evaluate(() => ({ ...window.spikefnDemo!.state }));
      add(
        st.ready && st.backend === b && shown.includes(b),
        `demo ${b}: page loads the checkpoint and shows the backend in use`,
        `badge "${shown}"${st.error === undefined ? '' : `, error: ${st.error}`} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      if (!st.ready) continue;
      const fresh = await panelSnapshot(page);

      for (const [digit, strokes] of Object.entries(DIGIT_STROKES)) {
        const runs = await page.evaluate(() => window.spikefnDemo!.state.runs);
        await drawDigit(page, strokes);
        const r = await settled(page, runs);
        add(
          r.predicted === Number(digit),
          `demo ${b}: a "${digit}" drawn with pointer events is classified as ${digit}`,
          `predicted ${r.predicted}, rates [${r.rates.map((x) => x.toFixed(2)).join(' ')}]`,
        );
        if (digit === '1') {
          const px = await rasterPixels(page);
          const layers = Object.keys(r.rasterSpikes);
          const okRaster = layers.length >= 3 && layers.every((l) => (r.rasterSpikes[l] ?? 0) > 0 && (px[l] ?? 0) > 0);
          add(
            okRaster,
            `demo ${b}: the spike raster rendered`,
            layers.map((l) => `${l}: ${r.rasterSpikes[l]} spikes, ${px[l]} spike pixels`).join('; '),
          );
          const shot = join(outDir, `browser-demo-${b}.png`);
          await page.screenshot({ path: shot, fullPage: true });
          console.log(`  screenshot: ${shot}`);
        }
      }
      let right = 0;
      let samePrediction = 0;
      let sameRates = 0;
      const wrong: string[] = [];
      for (const [i, d] of heldOut.entries()) {
        const got = await page.evaluate(([px, seed]) => window.spikefnDemo!.classifyImage(px, seed), [d.pixels, 1000 + i] as [
          number[],
          number,
        ]);
        const want = node[i];
        if (got?.predicted === d.label) right++;
        else wrong.push(`${d.label}→${got?.predicted}`);
        if (got !== undefined && want !== undefined && got.predicted === want.predicted) samePrediction++;
        if (got !== undefined && want !== undefined && got.rates.every((r, c) => r === want.rates[c])) sameRates++;
      }
      add(
        heldOut.length > 0 && right >= Math.ceil(0.8 * heldOut.length),
        `demo ${b}: injected held-out MNIST digits are classified`,
        `${right}/${heldOut.length} right${wrong.length > 0 ? ` (wrong: ${wrong.join(', ')})` : ''}`,
      );
      add(
        heldOut.length > 0 && samePrediction === heldOut.length && sameRates === heldOut.length,
        `demo ${b}: same predictions and output firing rates as in Node (same checkpoint, same keys)`,
        `${samePrediction}/${heldOut.length} same predictions, ${sameRates}/${heldOut.length} identical rate vectors`,
      );
      const digit = heldOut[0]?.pixels ?? [];
      for (const r of await checkClear(page, b, fresh, digit)) results.push(r);
      for (const r of await checkUnsure(page, b, outDir, unsure)) results.push(r);
      if (b === backends[0]) {
        const drawOne = async (p: Page): Promise<number | undefined> => {
          const runs = await p.evaluate(() => window.spikefnDemo!.state.runs);
          await drawDigit(p, DIGIT_STROKES[1]!);
          return (await settled(p, runs)).predicted;
        };
        for (const r of await checkLayout(page, outDir, [360, 800, 1280], digit, drawOne)) results.push(r);
      }
    }
  } finally {
    await page.close();
  }
  return results;
}
