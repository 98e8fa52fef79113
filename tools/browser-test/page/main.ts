/// <reference types="vite/client" />
/**
 * The in-page side of `pnpm test:browser`: exposes `window.spikefnTests` for the Node runner (run.ts), which passes
 * fixtures in and reads plain results out. Nothing here touches the file system; fixtures arrive as JSON.
 */
// Backends are opt-in: a page imports the ones it offers; setBackend then selects one.
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@spikefn/core/tf';
import { setBackend, key } from '@spikefn/core';
import { runFile } from '../../parity/run-file.js';
import type { FixtureFile } from '../../parity/fixtures.js';
import { draws, type Draws } from '../determinism.js';
import { benchLif, lifMethods, type LifBenchRow } from '../bench-lif.js';
import { lifNode } from '@spikefn/neurons';

/** One fixture file's outcome in the page. */
export type PageFileReport = { file: string; passed: number; failed: number; failures: string[]; ms: number; leaked: number };

function runFileTimed(f: FixtureFile): PageFileReport {
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  const r = runFile(f);
  return { ...r, failures: [...r.failures], ms: performance.now() - t0, leaked: tf.memory().numTensors - before };
}

/**
 * Every module of the packages a browser uses (core, neurons, layers, learning, testing), each its own entry point.
 * A module that imports a Node built-in (fs, path, …) fails to link here (Vite serves Node built-ins to the browser as
 * empty stand-ins without named exports).
 */
const browserModules = import.meta.glob(['../../../packages/{core,neurons,layers,learning,testing}/src/**/*.ts', '!**/*.d.ts']);

const api = {
  async importAll(): Promise<{ ok: string[]; failed: string[] }> {
    const ok: string[] = [];
    const failed: string[] = [];
    for (const [path, load] of Object.entries(browserModules)) {
      try {
        await load();
        ok.push(path.replace('../../../', ''));
      } catch (e) {
        failed.push(`${path.replace('../../../', '')}: ${String((e as Error).message ?? e)}`);
      }
    }
    return { ok, failed };
  },
  async setBackend(name: string): Promise<string> {
    await setBackend(name);
    return tf.getBackend();
  },
  webglInfo(): Record<string, unknown> {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (gl === null) return { webgl2: false };
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    return {
      webgl2: true,
      renderer: dbg === null ? gl.getParameter(gl.RENDERER) : gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL),
      floatColorBuffer: gl.getExtension('EXT_color_buffer_float') !== null,
      tfjsWebglVersion: tf.env().getNumber('WEBGL_VERSION'),
    };
  },
  runParity(files: FixtureFile[]): PageFileReport[] {
    return files.map(runFileTimed);
  },
  draws(): Draws {
    return draws();
  },
  lifMethods(): string[] {
    return lifMethods();
  },
  benchLif(method: string, T: number, N: number, repeats: number, chunk?: number): Promise<LifBenchRow> {
    return benchLif(method, T, N, repeats, chunk);
  },
  /** `lifNode().sequence` on webgl (the fused shader, no tape) against the composed scan: spikes and v_T that differ. */
  webglFusedLifAgrees(): { case: string; spikeMismatches: number; maxVDiff: number; spikes: number }[] {
    const cases = [
      { name: 'hard reset, T=5, N=3x7 (one chunk)', T: 5, shape: [3, 7], vReset: 0 as number | null, tau: 2 },
      { name: 'hard reset, T=40, N=1000 (3 chunks)', T: 40, shape: [1000], vReset: 0, tau: 2 },
      { name: 'soft reset, tau=3, T=20, N=500', T: 20, shape: [500], vReset: null, tau: 3 },
      { name: 'hard reset to -0.5, tau=1.5, T=17, N=64', T: 17, shape: [64], vReset: -0.5, tau: 1.5 },
    ];
    return cases.map((c) =>
      tf.tidy(() => {
        const neuron = lifNode({ tau: c.tau, vReset: c.vReset });
        const xs = tf.mul(tf.randomUniform([c.T, ...c.shape], 0, 1, 'float32', 7), 2);
        const s0 = neuron.initialState({}, c.shape, key(0));
        const [sRef, yRef] = neuron.sequenceComposed({}, s0, xs);
        const [sGot, yGot] = neuron.sequence({}, s0, xs);
        return {
          case: c.name,
          spikeMismatches: tf.sum(tf.notEqual(yGot, yRef)).dataSync()[0]!,
          maxVDiff: tf.max(tf.abs(tf.sub(sGot.v, sRef.v))).dataSync()[0]!,
          spikes: tf.sum(yRef).dataSync()[0]!,
        };
      }),
    );
  },
};

declare global {
  interface Window {
    spikefnTests?: typeof api;
  }
}
window.spikefnTests = api;
document.getElementById('log')!.textContent = 'ready';
