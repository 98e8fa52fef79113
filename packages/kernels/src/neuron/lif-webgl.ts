/**
 * A fused multi-step LIF forward for the WebGL backend: a kernel registered for `webgl` in tfjs's kernel registry
 * (`SpikefnLifForwardWebgl`) that runs custom shader programs with the backend's `runWebGLProgram`, as tfjs's own
 * WebGL kernels do. Measured against the composed ops in docs/browser.md. The op that runs it (attrs, reshapes) is
 * `lifForwardWebgl` in `@spikefn/neurons`.
 *
 * A fragment shader writes one value per output element and cannot carry state from one output texel to another,
 * so the time loop lives inside the shader: the sequence is cut into chunks of C steps; per chunk,
 *
 *   spikes program  output [C, N]: texel (t, i) starts from v_start[i] and runs steps 0..t of the chunk, writes s_t
 *   state program   output [N]:    texel i runs the C steps of the chunk, writes v_end[i] (the next chunk's v_start)
 *
 * That is 2·⌈T/C⌉ dispatches instead of about ten per step for the composed ops, at the price of recomputing the
 * chunk's prefix (C/2 steps per texel on average). Equations as neuron.ts ('decay-input' charge, hard or soft reset):
 *
 *   h = v + (x − (v − V_r))·k;   s = [h ≥ V_th];   v' = s ? V_reset : h  (hard)   or  h − V_th·s  (soft)
 *
 * Forward only: `lifNode().sequence` runs it on webgl when no gradient tape is recording (inference) and the neuron is
 * a LIF with a constant τ; training on webgl runs the composed ops (and their gradients).
 *
 * Kernel `SpikefnLifForwardWebgl`: inputs `x [T, N]`, `v0 [N]`, attrs {@link LifWebglAttrs}; outputs
 * `[spikes [T, N], v_T [N]]`.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { callKernel } from '../backend-access.js';

/** LIF constants of the shader (float32 values). `vReset` null = soft reset. */
type LifWebglSettings = { readonly k: number; readonly vThreshold: number; readonly vReset: number | null };

const glFloat = (x: number): string => (Number.isInteger(x) ? `${x}.0` : String(Math.fround(x)));

function stepCode(p: LifWebglSettings): string {
  const vr = glFloat(p.vReset ?? 0);
  const reset = p.vReset === null ? `v = h - ${glFloat(p.vThreshold)} * s;` : `v = s > 0.5 ? ${vr} : h;`;
  return `
          float h = v + (x - (v - ${vr})) * ${glFloat(p.k)};
          s = h >= ${glFloat(p.vThreshold)} ? 1.0 : 0.0;
          ${reset}`;
}

/** Spikes of one chunk: texel (t, i) runs the chunk's steps 0..t from v_start[i]. */
class ChunkSpikes implements GPGPUProgram {
  variableNames = ['X', 'V'];
  outputShape: number[];
  userCode: string;
  customUniforms = [{ name: 't0', type: 'int' as const }];
  constructor(C: number, N: number, p: LifWebglSettings) {
    this.outputShape = [C, N];
    this.userCode = `
      void main() {
        ivec2 c = getOutputCoords();
        int t = c.x;
        int i = c.y;
        float v = getV(i);
        float s = 0.0;
        for (int j = 0; j < ${C}; j++) {
          if (j > t) break;
          float x = getX(t0 + j, i);${stepCode(p)}
        }
        setOutput(s);
      }`;
  }
}

/** The membrane after one chunk: texel i runs the chunk's C steps from v_start[i]. */
class ChunkState implements GPGPUProgram {
  variableNames = ['X', 'V'];
  outputShape: number[];
  userCode: string;
  customUniforms = [{ name: 't0', type: 'int' as const }];
  constructor(C: number, N: number, p: LifWebglSettings) {
    this.outputShape = [N];
    this.userCode = `
      void main() {
        int i = getOutputCoords();
        float v = getV(i);
        float s = 0.0;
        for (int j = 0; j < ${C}; j++) {
          float x = getX(t0 + j, i);${stepCode(p)}
        }
        setOutput(v);
      }`;
  }
}

/**
 * Chunk length: all of T up to 16 steps, else 16. Measured in Chromium on SwiftShader, methods interleaved, median of
 * 3 (ns per neuron-step; composed = `lifNode().sequence` on webgl):
 *
 *   T, N        composed  C=8  C=16  C=32
 *   32, 1e4        981    396   289   331
 *   32, 1e5        616    532   425   465
 *   128, 1e4       882    908   528   640
 *
 * Shorter chunks pay more dispatches, longer ones recompute longer prefixes.
 *
 * @category neuron kernels
 */
export const lifWebglChunkLength = (T: number): number => Math.min(T, 16);

/** The kernel's name in tfjs's registry (registered for `webgl` only). @category neuron kernels */
export const LIF_FORWARD_WEBGL = 'SpikefnLifForwardWebgl';

/** The attributes of `SpikefnLifForwardWebgl` (float32 values). @category neuron kernels */
export type LifWebglAttrs = {
  /** The decay k = 1/τ of h = v + (x − (v − V_r))·k. */
  readonly k: number;
  /** V_th. */
  readonly vThreshold: number;
  /** V_reset of a hard reset, and the V_r of the charge (0 for a soft reset). */
  readonly vReset: number;
  /** Hard reset (v = V_reset after a spike) or soft (v = h − V_th). */
  readonly hard: boolean;
  /** Steps per chunk (see {@link lifWebglChunkLength}). */
  readonly chunk: number;
};

/**
 * The kernel: inputs `x [T, N]`, `v0 [N]`; outputs `[spikes [T, N], v_T [N]]`. It runs the chunk programs with
 * `runWebGLProgram` and joins the chunks with the backend's own `Concat` kernel, as tfjs's kernels compose.
 */
export const lifForwardWebglKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const gl = backend as MathBackendWebGL;
  const { x, v0 } = inputs as { x: TensorInfo; v0: TensorInfo };
  const a = attrs as unknown as LifWebglAttrs;
  const p: LifWebglSettings = { k: a.k, vThreshold: a.vThreshold, vReset: a.hard ? a.vReset : null };
  const [T, N] = x.shape as [number, number];
  const chunks: TensorInfo[] = [];
  let v = v0;
  for (let t0 = 0; t0 < T; t0 += a.chunk) {
    const c = Math.min(a.chunk, T - t0);
    chunks.push(gl.runWebGLProgram(new ChunkSpikes(c, N, p), [x, v], 'float32', [[t0]]));
    const next = gl.runWebGLProgram(new ChunkState(c, N, p), [x, v], 'float32', [[t0]]);
    if (v !== v0) gl.disposeIntermediateTensorInfo(v);
    v = next;
  }
  if (chunks.length === 1) return [chunks[0] as TensorInfo, v];
  const spikes = callKernel('Concat', 'webgl', backend, chunks as unknown as NamedTensorInfoMap, { axis: 0 });
  for (const ch of chunks) gl.disposeIntermediateTensorInfo(ch);
  return [spikes, v];
};

/** The kernel config (backend `webgl`). */
export const lifWebglConfigs: readonly KernelConfig[] = [
  { kernelName: LIF_FORWARD_WEBGL, backendName: 'webgl', kernelFunc: lifForwardWebglKernel },
];
