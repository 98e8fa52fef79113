/**
 * `lif-browser`: LIF multi-step forward in headless Chromium (Debian's, as the browser tests drive it), on the WebGL
 * backend (WebGL 2 on SwiftShader here: software rendering on the CPU) and the CPU backend, ns per neuron-step, for
 * the sizes of the `lifNode` suite (T in {8, 32, 128}, N in {1e4, 1e5, 1e6}; `--quick`: T in {8, 32}, N in {1e4, 1e5}).
 *
 * Methods: `sequence` is what `multiStep(lifNode())` runs (cpu: the fused JS kernel; webgl: the composed scan, as
 * spikefn has no fused WebGL kernel registered), `composed` the scan of the single step (cpu), `webgl-fused` the
 * chunked shader of packages/neurons/src/fused/webgl.ts. One call = the whole sequence plus reading the spikes back.
 * A size whose time extrapolated from the previous N is over 6 s per call is not run (its row has `skipped`).
 *
 * Rows: `{suite, backend, method, T, N, ms, nsPerNeuronStep, repeats, browser}`.
 */
import type { BenchOptions, BenchRow, BenchSuite } from '../suite.js';
import { withBrowser } from '../../browser-test/browser.js';
import type {} from '../../browser-test/page/main.js';

const SUITE = 'lif-browser';
const TOO_SLOW_MS = 6_000;

export const suite: BenchSuite = {
  name: SUITE,
  async run(options: BenchOptions): Promise<readonly BenchRow[]> {
    const Ts = options.quick ? [8, 32] : [8, 32, 128];
    const Ns = options.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
    const rows: BenchRow[] = [];
    await withBrowser(async (s) => {
      const browser = `Chromium ${s.version} (headless)`;
      for (const backend of ['webgl', 'cpu']) {
        await s.page.evaluate((b) => window.spikefnTests!.setBackend(b), backend);
        const methods = await s.page.evaluate(() => window.spikefnTests!.lifMethods());
        for (const method of methods) {
          for (const T of Ts) {
            let lastNs: number | undefined;
            for (const N of Ns) {
              const est = lastNs === undefined ? 0 : (lastNs * T * N) / 1e6;
              if (est > TOO_SLOW_MS) {
                const row = {
                  suite: SUITE,
                  backend,
                  method,
                  T,
                  N,
                  skipped: `extrapolated ${(est / 1000).toFixed(0)} s per call (> ${TOO_SLOW_MS / 1000} s)`,
                  browser,
                };
                console.log(`  ${backend} ${method} T=${T} N=${N}: skipped (${row.skipped})`);
                rows.push(row);
                continue;
              }
              const repeats = est > 1500 ? 2 : 4;
              const r = await s.page.evaluate(([m, t, n, k]) => window.spikefnTests!.benchLif(m, t, n, k), [method, T, N, repeats] as [
                string,
                number,
                number,
                number,
              ]);
              lastNs = r.nsPerNeuronStep;
              console.log(`  ${backend} ${method} T=${T} N=${N}: ${r.nsPerNeuronStep.toFixed(1)} ns/neuron-step (${r.ms.toFixed(0)} ms)`);
              rows.push({ suite: SUITE, ...r, browser });
            }
          }
        }
      }
    });
    return rows;
  },
};
