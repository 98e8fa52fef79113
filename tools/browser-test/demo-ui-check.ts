/**
 * The demo page's interface checks (issue 12, item 6), run by {@link checkDemo} on the page it has loaded:
 *
 * - **Clear** puts every panel back as on a fresh load (pad, network input, input frames, rasters, rates, prediction,
 *   status), also while a run is still unfolding: compared panel by panel (text, and a digest of every canvas's
 *   pixels) with a snapshot taken right after the page loaded, and no spike- or accent-coloured pixel left.
 * - **"not sure"**: images on which Node's run of the same network and keys is silent, ties or has a low top rate
 *   (found among a blank pad and overlays of two held-out digits) make the page say "not sure" with the reason of
 *   `verdict.ts`, and a clear digit is named.
 * - **layout** at 360, 800 and 1280 px wide: no horizontal overflow, every panel visible inside the viewport, every
 *   canvas inside its panel, the rasters' time axes (one label per step, under its column) and the output raster's
 *   class labels (one per row, beside it); a digit drawn with pointer events on the pad at 360 px is classified.
 *   Screenshots: `test-output/browser-demo-<width>px.png`.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { key } from '@spikefn/core';
import type { Net } from '../../examples/browser/src/net.js';
import { describeVerdict, MIN_TOP_RATE, verdict, type Verdict } from '../../examples/browser/src/verdict.js';
import { DIGIT_CLASSES } from '../../examples/browser/src/classes.js';
import type {} from '../../examples/browser/src/demo-api.js';
import type { CheckResult } from './demo-check.js';

/** What a person sees in each panel: texts, and per canvas its size, a pixel digest and the spike/accent pixels. */
export type PanelSnapshot = {
  readonly texts: Record<string, string>;
  readonly canvases: Record<string, { readonly size: string; readonly digest: string; readonly spike: number; readonly accent: number }>;
  readonly rasterCanvases: number;
};

/** Takes a {@link PanelSnapshot} of the demo page. */
export const panelSnapshot = (page: Page): Promise<PanelSnapshot> =>
  page.evaluate(() => {
    const texts: Record<string, string> = {};
    for (const id of ['prediction', 'confidence', 'rasters', 'status']) texts[id] = document.getElementById(id)?.textContent ?? '';
    const canvases: PanelSnapshot['canvases'] = {};
    const all = document.querySelectorAll<HTMLCanvasElement>('main canvas');
    all.forEach((c, i) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let h = 0x811c9dc5; // FNV-1a over the RGBA bytes
      let spike = 0;
      let accent = 0;
      for (let j = 0; j < d.length; j++) h = Math.imul(h ^ d[j]!, 0x01000193) >>> 0;
      for (let j = 0; j < d.length; j += 4) {
        if (d[j]! < 120 && d[j + 1]! > 170 && d[j + 2]! > 220) spike++; // #5ad1ff
        if (d[j]! > 230 && d[j + 1]! > 150 && d[j + 1]! < 200 && d[j + 2]! < 110) accent++; // #ffb347
      }
      canvases[c.id === '' ? `${c.dataset['layer'] ?? 'canvas'}#${i}` : c.id] = {
        size: `${c.width}x${c.height}`,
        digest: h.toString(16),
        spike,
        accent,
      };
    });
    return { texts, canvases, rasterCanvases: document.querySelectorAll('#rasters canvas').length };
  });

/** The panels where `a` and `b` differ, as `name: a → b`. */
function diffSnapshots(a: PanelSnapshot, b: PanelSnapshot): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a.texts), ...Object.keys(b.texts)]))
    if (a.texts[k] !== b.texts[k]) out.push(`#${k}: "${a.texts[k]}" → "${b.texts[k]}"`);
  for (const k of new Set([...Object.keys(a.canvases), ...Object.keys(b.canvases)])) {
    const x = a.canvases[k];
    const y = b.canvases[k];
    if (x?.size !== y?.size || x?.digest !== y?.digest) out.push(`canvas ${k}: ${x?.size}/${x?.digest} → ${y?.size}/${y?.digest}`);
  }
  return out;
}

const litPixels = (s: PanelSnapshot): number => Object.values(s.canvases).reduce((n, c) => n + c.spike + c.accent, 0);

/** Clear after a finished run, and Clear in the middle of an unfolding run, both give the fresh page back. */
export async function checkClear(page: Page, b: string, fresh: PanelSnapshot, digit: readonly number[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const freshOk = litPixels(fresh) === 0 && fresh.rasterCanvases === 0 && fresh.texts['prediction'] === '–';
  results.push({
    ok: freshOk,
    what: `demo ${b}: a freshly loaded page shows no prediction, no rasters and no lit pixels`,
    detail: `prediction "${fresh.texts['prediction']}", ${fresh.rasterCanvases} raster canvases, ${litPixels(fresh)} spike/accent pixels`,
  });

  // after a finished run
  const done = await page.evaluate((px) => window.spikefnDemo!.classifyImage(px, 1), [...digit]);
  const ran = await panelSnapshot(page);
  await page.click('#clear');
  const cleared = await panelSnapshot(page);
  const st = await page.evaluate(() => ({ ...window.spikefnDemo!.state }));
  const diff = diffSnapshots(fresh, cleared);
  results.push({
    ok:
      done !== undefined &&
      ran.rasterCanvases > 0 &&
      litPixels(ran) > 0 &&
      diff.length === 0 &&
      litPixels(cleared) === 0 &&
      st.predicted === undefined &&
      st.verdict === undefined &&
      st.shown === '' &&
      st.rates.length === 0 &&
      Object.keys(st.rasterSpikes).length === 0,
    what: `demo ${b}: Clear resets every panel (pad, input, input frames, rasters, rates, prediction) as on a fresh load`,
    detail:
      `before Clear: "${ran.texts['prediction']}", ${ran.rasterCanvases} raster canvases, ${litPixels(ran)} lit pixels; after: ` +
      (diff.length === 0 ? `same as fresh, ${litPixels(cleared)} lit pixels` : diff.join('; ')),
  });

  // in the middle of a run (each step held 300 ms on screen): the stale run must not draw on after Clear
  await page.evaluate(() => window.spikefnDemo!.setStepMs(300));
  await page.evaluate((px) => void window.spikefnDemo!.classifyImage(px, 2), [...digit]);
  await page.waitForFunction(() => document.querySelectorAll('#rasters canvas').length > 0, undefined, { timeout: 60_000 });
  const unfolding = await page.evaluate(() => window.spikefnDemo!.state.busy);
  await page.click('#clear');
  await page.waitForTimeout(1000); // more than 3 steps: a run that went on would have drawn again
  await page.evaluate(() => window.spikefnDemo!.setStepMs(20));
  const midway = await panelSnapshot(page);
  const busy = await page.evaluate(() => window.spikefnDemo!.state.busy);
  const diff2 = diffSnapshots(fresh, midway);
  results.push({
    ok: unfolding && !busy && diff2.length === 0 && litPixels(midway) === 0,
    what: `demo ${b}: Clear during an unfolding run stops it and resets every panel`,
    detail: `${unfolding ? 'run was unfolding' : 'run had finished before Clear'}; ${diff2.length === 0 ? 'same as fresh' : diff2.join('; ')}`,
  });
  return results;
}

/** An image, its key and what the page must show for it (from Node's run of the same network and key). */
export type UnsureCase = {
  readonly what: string;
  readonly pixels: number[];
  readonly seed: number;
  readonly rates: readonly number[];
  readonly verdict: Verdict;
};

/**
 * Candidate images for the "not sure" check, classified in Node with the page's network code: a blank image, and
 * overlays (pixelwise max) of two held-out digits of different classes. Returns the first case of each kind:
 * silent, tie (at a top rate of at least {@link MIN_TOP_RATE} if there is one), low rate, and a named class.
 */
export function unsureCases(net: Net, heldOut: readonly { label: number; pixels: number[] }[]): Partial<Record<string, UnsureCase>> {
  const found: Partial<Record<string, UnsureCase>> = {};
  const consider = (what: string, pixels: number[], seed: number): void => {
    const a = net.classify(Float32Array.from(pixels), key(seed));
    const v = verdict(a.rates);
    const kind = v.sure ? 'sure' : v.reason;
    // a tie is wanted at a top rate the page would otherwise accept, so that the tie alone makes it unsure
    const better = kind === 'tie' && (found[kind]?.verdict.top ?? 1) < MIN_TOP_RATE && v.top >= MIN_TOP_RATE;
    if (found[kind] === undefined || better) found[kind] = { what, pixels, seed, rates: Array.from(a.rates), verdict: v };
  };
  const done = (): boolean => Object.keys(found).length === 4 && (found['tie']?.verdict.top ?? 0) >= MIN_TOP_RATE;
  consider('a blank image', new Array<number>(784).fill(0), 1);
  for (let i = 0; i < heldOut.length && !done(); i++)
    for (let j = i + 1; j < heldOut.length && !done(); j++) {
      const x = heldOut[i]!;
      const y = heldOut[j]!;
      if (x.label === y.label) continue;
      consider(
        `a ${x.label} overlaid on a ${y.label}`,
        x.pixels.map((p, k) => Math.max(p, y.pixels[k]!)),
        7,
      );
    }
  return found;
}

/** Injects each case and checks the prediction panel's headline and detail against `verdict` of Node's rates. */
export async function checkUnsure(
  page: Page,
  b: string,
  outDir: string,
  cases: Partial<Record<string, UnsureCase>>,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const kind of ['silent', 'tie', 'low-rate', 'sure']) {
    const c = cases[kind];
    const what = `demo ${b}: ${kind === 'sure' ? 'a clear result names the class' : `a ${kind} result says "not sure"`}`;
    if (c === undefined) {
      results.push({ ok: false, what, detail: 'no such image found among the candidates (blank, overlays of two digits)' });
      continue;
    }
    const want = describeVerdict(c.verdict, DIGIT_CLASSES);
    const got = await page.evaluate(([px, seed]) => window.spikefnDemo!.classifyImage(px, seed), [c.pixels, c.seed] as [number[], number]);
    const shown = { headline: (await page.textContent('#prediction')) ?? '', detail: (await page.textContent('#confidence')) ?? '' };
    const sameRates = got?.rates.every((r, k) => r === c.rates[k]) === true;
    if (kind === 'tie') {
      const shot = join(outDir, `browser-demo-not-sure-${b}.png`);
      await page.locator('#result').screenshot({ path: shot });
      console.log(`  screenshot: ${shot}`);
    }
    results.push({
      ok:
        sameRates &&
        shown.headline === want.headline &&
        shown.detail === want.detail &&
        got?.shown === want.headline &&
        (kind === 'sure') === (want.headline !== 'not sure'),
      what,
      detail: `${c.what}: rates [${c.rates.map((r) => r.toFixed(3)).join(' ')}] → shows "${shown.headline}" / "${shown.detail}"${sameRates ? '' : ' (rates differ from Node)'}`,
    });
  }
  return results;
}

/** Geometry of the page at the current width (see the module header). */
const layoutProblems = (page: Page): Promise<{ problems: string[]; T: number }> =>
  page.evaluate(() => {
    const problems: string[] = [];
    const W = window.innerWidth;
    const doc = document.documentElement;
    if (doc.scrollWidth > W) problems.push(`horizontal overflow: scrollWidth ${doc.scrollWidth} > innerWidth ${W}`);
    // (no helper functions in here: tsx would wrap them in a `__name` call that the page does not define)
    const sections = Array.from(document.querySelectorAll('main section'));
    if (sections.length !== 6) problems.push(`${sections.length} panels, expected 6`);
    for (const s of sections) {
      const b = s.getBoundingClientRect();
      if (b.width < 100 || b.height < 20) problems.push(`#${s.id} is not visible (${b.width}×${b.height})`);
      if (b.left < -0.5 || b.right > W + 0.5) problems.push(`#${s.id} leaves the viewport (${b.left}..${b.right} of ${W})`);
    }
    for (const c of Array.from(document.querySelectorAll<HTMLCanvasElement>('main canvas'))) {
      const s = c.closest('section')!;
      const b = c.getBoundingClientRect();
      const p = s.getBoundingClientRect();
      if (b.width < 20 || b.height < 20) problems.push(`canvas ${c.id || c.dataset['layer']} is not visible`);
      if (b.left < p.left - 0.5 || b.right > p.right + 0.5)
        problems.push(`canvas ${c.id || c.dataset['layer']} overflows its panel (${b.left}..${b.right} in ${p.left}..${p.right})`);
    }
    // rasters: a time axis under every canvas, one label per column; class labels beside the output raster's rows
    const figs = Array.from(document.querySelectorAll<HTMLElement>('#rasters figure'));
    if (figs.length < 3) problems.push(`${figs.length} rasters, expected 3 (lif1, lif2, output)`);
    let T = 0;
    for (const f of figs) {
      const canvas = f.querySelector('canvas')!.getBoundingClientRect();
      const steps = Array.from(f.querySelectorAll('.raster-steps span'));
      T = steps.length;
      steps.forEach((s, t) => {
        const b = s.getBoundingClientRect();
        const mid = (b.left + b.right) / 2;
        const col = canvas.width / steps.length;
        if (s.textContent !== String(t)) problems.push(`${f.dataset['layer']}: time label ${t} reads "${s.textContent}"`);
        if (Math.abs(mid - (canvas.left + (t + 0.5) * col)) > col / 2)
          problems.push(`${f.dataset['layer']}: time label ${t} is not under its column`);
        if (b.top < canvas.bottom - 0.5) problems.push(`${f.dataset['layer']}: time label ${t} is not under the canvas`);
      });
      if (f.dataset['layer'] === 'output') {
        const rows = Array.from(f.querySelectorAll('.raster-rows span'));
        const names = rows.map((x) => x.textContent).join(',');
        if (names !== '0,1,2,3,4,5,6,7,8,9') problems.push(`output raster rows labelled "${names}"`);
        rows.forEach((x, k) => {
          const b = x.getBoundingClientRect();
          const mid = (b.top + b.bottom) / 2;
          const rowH = canvas.height / rows.length;
          if (Math.abs(mid - (canvas.top + (k + 0.5) * rowH)) > rowH / 2) problems.push(`output: class label ${k} is not beside its row`);
          if (b.right > canvas.left + 0.5) problems.push(`output: class label ${k} overlaps the canvas`);
        });
      }
    }
    return { problems, T };
  });

/** The layout at each width (module header), with a screenshot per width; a digit drawn at the narrowest. */
export async function checkLayout(
  page: Page,
  outDir: string,
  widths: readonly number[],
  sample: readonly number[],
  drawOne: (page: Page) => Promise<number | undefined>,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const before = page.viewportSize();
  try {
    for (const w of widths) {
      await page.setViewportSize({ width: w, height: 900 });
      // a run at this width, so that the rasters are built for it
      await page.evaluate((px) => window.spikefnDemo!.classifyImage(px, 3), [...sample]);
      const { problems, T } = await layoutProblems(page);
      const shot = join(outDir, `browser-demo-${w}px.png`);
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`  screenshot: ${shot}`);
      results.push({
        ok: problems.length === 0 && T > 0,
        what: `demo layout at ${w} px: no horizontal overflow, panels and canvases fit, raster time axes and class labels aligned`,
        detail: problems.length === 0 ? `T = ${T} time labels per raster; ${shot}` : problems.slice(0, 6).join('; '),
      });
      if (w === Math.min(...widths)) {
        const predicted = await drawOne(page);
        results.push({
          ok: predicted === 1,
          what: `demo layout at ${w} px: a "1" drawn with pointer events on the narrow pad is classified as 1`,
          detail: `predicted ${predicted}`,
        });
      }
    }
  } finally {
    if (before !== null) await page.setViewportSize(before);
  }
  return results;
}
