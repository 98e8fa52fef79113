/**
 * `pnpm test:browser`: the browser tests. Serves pages with Vite on 127.0.0.1, drives Debian's headless Chromium
 * through playwright-core (no browser download: `executablePath` is `/usr/bin/chromium`, or `SPIKEFN_CHROMIUM`), and
 * checks, on the WebGL and CPU backends:
 *
 * 1. parity: every SpikingJelly fixture file (one without a handler fails), at the fixtures' float32 tolerances;
 * 2. determinism: the same key gives bit-identical dropout masks, Poisson spikes and samples as in Node;
 * 3. the demo page (examples/browser): a digit drawn with pointer events and an MNIST test digit are classified,
 *    the spike raster is drawn; a screenshot goes to `test-output/`.
 *
 * Prints one `PASS`/`FAIL` line per check and exits 1 on any failure. `--only parity,determinism,demo` runs a subset;
 * `bundle` builds the demo with `vite build` and checks the bundle in the browser (needs `demo`). `modules` checks that every module of the browser-facing packages loads in the page. `--backends cpu` restricts backends. The time loop of `tools/bench/suites/lif-browser.ts` reuses {@link withBrowser}.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDemoBundle, withBrowser, type Session } from './browser.js';
import { draws, diffDraws } from './determinism.js';
import { setBackend, key } from '@spikefn/core';
import { loadFixtures } from '../parity/fixtures.js';
import '../parity/handlers/index.js';
import { checkDemo } from './demo-check.js';
import { checkIsolation } from './isolation-check.js';
import { loadNet } from '../../examples/browser/src/net.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const outDir = join(repo, 'test-output');

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = new Set((flag('--only') ?? 'modules,quickstart,webgl-lif,parity,determinism,demo,bundle').split(','));
const backends = (flag('--backends') ?? 'webgl,cpu').split(',');

let failures = 0;
let passes = 0;
const report = (ok: boolean, what: string, detail = ''): void => {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}${detail === '' ? '' : ` — ${detail}`}`);
};
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const t0 = performance.now();
mkdirSync(outDir, { recursive: true });
await setBackend('cpu');
const nodeDraws = only.has('determinism') ? draws() : {};
// Every fixture file goes to the page: one without a handler fails there, as in Node (never skipped).
const runnable = only.has('parity') ? loadFixtures() : [];

await withBrowser(
  async (s: Session) => {
    console.log(`browser: ${s.version}; test page ${s.testUrl}`);
    const info = await s.page.evaluate(() => window.spikefnTests!.webglInfo());
    console.log(`webgl: ${JSON.stringify(info)}`);
    const iso = await checkIsolation(s.page);
    report(
      iso.isolated && iso.sharedArrayBuffer,
      'test page is cross-origin isolated (COOP + COEP): SharedArrayBuffer for the threaded wasm build',
      JSON.stringify(iso),
    );
    if (only.has('modules')) {
      const m = await s.page.evaluate(() => window.spikefnTests!.importAll());
      report(
        m.failed.length === 0 && m.ok.length > 0,
        'every module of core, neurons, layers, learning and testing loads in the browser',
        `${m.ok.length} modules${m.failed.length > 0 ? `; failed: ${m.failed.join(' | ')}` : ''}`,
      );
    }
    if (only.has('quickstart')) {
      // The README's browser example (imports the WebGL backend itself, runs a LIF, writes the spike count), and the
      // same program with only the WebGL kernels it dispatches (docs/browser.md, "Smaller bundles").
      for (const [html, what] of [
        ['quickstart.html', 'README browser example'],
        ['small-bundle.html', 'small-bundle browser example (six WebGL kernels)'],
      ] as const) {
        const page = await s.context.newPage();
        try {
          await page.goto(`${s.testUrl}${html}`);
          await page.waitForFunction(() => document.body.textContent?.includes('spikes:') === true, undefined, { timeout: 60_000 });
          const text = (await page.textContent('body'))?.trim() ?? '';
          // 100 neurons, 16 steps, input 1.5, τ = 2: h = 0.75, 1.125 (spike, reset), … → 8 spikes each.
          report(text === 'spikes: 800', `${what} runs on WebGL and gives the hand-derived spike count`, `"${text}"`);
        } finally {
          await page.close();
        }
      }
    }
    for (const b of backends) {
      const got = await s.page.evaluate((name) => window.spikefnTests!.setBackend(name), b);
      report(got === b, `${b}: backend initialises`, `tf.getBackend() = ${got}`);
      if (got !== b) continue;
      if (only.has('determinism')) {
        const d = await s.page.evaluate(() => window.spikefnTests!.draws());
        const diffs = diffDraws(nodeDraws, d);
        report(
          diffs.length === 0,
          `${b}: same key, same dropout mask / Poisson spikes / samples as Node`,
          diffs.length === 0 ? `${Object.keys(nodeDraws).length} draws, bit-identical` : diffs.join('; '),
        );
      }
      if (only.has('webgl-lif') && b === 'webgl') {
        const r = await s.page.evaluate(() => window.spikefnTests!.webglFusedLifAgrees());
        for (const c of r)
          report(
            c.spikeMismatches === 0 && c.maxVDiff <= 1e-5,
            `webgl: fused LIF shader equals the composed ops (${c.case})`,
            `${c.spikeMismatches} spike mismatches of ${c.spikes} spikes, max |Δv_T| ${c.maxVDiff.toExponential(1)}`,
          );
      }
      if (only.has('parity')) {
        if (runnable.length === 0) report(false, `${b}: parity`, 'no fixture file has a registered handler');
        for (const f of runnable) {
          const [r] = await s.page.evaluate((json) => window.spikefnTests!.runParity([JSON.parse(json)]), JSON.stringify(f));
          const ok = r !== undefined && r.failed === 0 && r.passed === f.cases.length;
          report(
            ok,
            `${b}: parity ${f.file}`,
            r === undefined
              ? 'no result'
              : `${r.passed}/${f.cases.length} cases in ${secs(r.ms)}${r.leaked !== 0 ? `, ${r.leaked} tensors leaked` : ''}${ok ? '' : `: ${r.failures.slice(0, 3).join(' | ')}`}`,
          );
        }
      }
    }
    if (only.has('demo') || only.has('bundle')) {
      const samplesFile = join(repo, 'examples/browser/public/samples.json');
      const heldOut = existsSync(samplesFile)
        ? (JSON.parse(readFileSync(samplesFile, 'utf8')) as { label: number; pixels: number[] }[])
        : [];
      // The page's network code, run here in Node on the cpu backend: the reference the browser must reproduce.
      await setBackend('cpu');
      const net = loadNet(new Uint8Array(readFileSync(join(repo, 'examples/browser/public/checkpoint.spikefn'))));
      const node = heldOut.map((d, i) => {
        const a = net.classify(Float32Array.from(d.pixels), key(1000 + i));
        return { predicted: a.predicted, rates: Array.from(a.rates) };
      });
      net.dispose();
      if (only.has('demo')) for (const r of await checkDemo(s, backends, outDir, heldOut, node)) report(r.ok, r.what, r.detail);
      if (only.has('bundle')) {
        // The production bundle (vite build): the same page, minified and split, served statically.
        const t1 = performance.now();
        const bundle = await serveDemoBundle();
        const page = await s.context.newPage();
        try {
          for (const b of backends) {
            await page.goto(`${bundle.url}?backend=${b}&stepMs=0`);
            await page.waitForFunction(
              () => window.spikefnDemo?.state.ready === true || window.spikefnDemo?.state.error !== undefined,
              undefined,
              { timeout: 120_000 },
            );
            const got: ({ predicted: number; rates: number[] } | undefined)[] = [];
            for (const [i, d] of heldOut.slice(0, 5).entries())
              got.push(
                await page.evaluate(([px, seed]) => window.spikefnDemo!.classifyImage(px, seed), [d.pixels, 1000 + i] as [
                  number[],
                  number,
                ]),
              );
            const same = got.filter(
              (g, i) => g !== undefined && g.predicted === node[i]?.predicted && g.rates.every((r, c) => r === node[i]?.rates[c]),
            ).length;
            const shown = (await page.textContent('#backend-in-use')) ?? '';
            report(
              same === got.length && got.length > 0 && shown.includes(b),
              `bundle ${b}: the built demo (vite build) runs and matches Node`,
              `${same}/${got.length} digits with Node's prediction and rates; badge "${shown}" (build + load ${secs(performance.now() - t1)})`,
            );
          }
        } finally {
          await page.close();
          await bundle.close();
        }
      }
    }
  },
  { demo: only.has('demo') || only.has('bundle') },
);

console.log(`browser tests: ${passes} passed, ${failures} failed in ${secs(performance.now() - t0)}`);
process.exit(failures === 0 && passes > 0 ? 0 : 1);
