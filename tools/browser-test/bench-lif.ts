/**
 * LIF multi-step forward in the page, ns per neuron-step, as the `lifNode` bench suite configures it: `lifNode()` (τ 2,
 * V_th 1, hard reset to 0), input `2·U(0, 1)` of shape `[T, N]`. One timed call runs the whole sequence and reads the
 * spikes back (`dataSync`), so the GPU's work is inside the timing.
 *
 * Methods: `sequence` (what `multiStep(lifNode())` runs: the fused kernel where the backend has one — cpu —, else the
 * composed scan), `composed` (`sequenceComposed`: scan of the single step) and, on WebGL, `webgl-fused` (one shader
 * program for the whole sequence, see packages/neurons/src/fused/webgl.ts).
 */
import * as tf from '@spikefn/core/tf';
import { key } from '@spikefn/core';
import { lifNode } from '@spikefn/neurons';
import { lifForwardWebgl } from '../../packages/neurons/src/fused/webgl.js';

/** One bench row (the suite adds `suite`). */
export type LifBenchRow = { backend: string; method: string; T: number; N: number; ms: number; nsPerNeuronStep: number; repeats: number };

/** The methods available on the current backend. */
export const lifMethods = (): string[] => (tf.getBackend() === 'webgl' ? ['sequence', 'webgl-fused'] : ['sequence', 'composed']);

export async function benchLif(method: string, T: number, N: number, repeats: number, chunk?: number): Promise<LifBenchRow> {
  const neuron = lifNode();
  const xs = tf.tidy(() => tf.mul(tf.randomUniform([T, N], 0, 1, 'float32', 1), 2));
  const s0 = neuron.initialState({}, [N], key(0));
  const call = (): void => {
    const [s, spikes] =
      method === 'sequence'
        ? neuron.sequence({}, s0, xs)
        : method === 'composed'
          ? neuron.sequenceComposed({}, s0, xs)
          : (() => {
              const r = lifForwardWebgl(xs, s0.v, { k: 0.5, vThreshold: 1, vReset: 0 }, chunk);
              return [{ v: r.v }, r.spikes] as const;
            })();
    spikes.dataSync();
    tf.dispose([s.v, spikes]);
  };
  call(); // warm-up: shader compilation, kernel registration
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    call();
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 0));
  }
  tf.dispose([xs, s0.v]);
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)] as number;
  return { backend: tf.getBackend(), method, T, N, ms, nsPerNeuronStep: (ms * 1e6) / (T * N), repeats };
}
