/**
 * The WebGL LIF forward as an op: builds the attributes of `SpikefnLifForwardWebgl` (the shader kernel of
 * `@spikefn/kernels`, registered for `webgl`) and runs it. Forward only (inference): `lifNode().sequence` takes it on
 * webgl when no gradient tape is recording and the neuron is a LIF with a constant τ.
 *
 *   h = v + (x − (v − V_r))·k;   s = [h ≥ V_th];   v' = s ? V_reset : h  (hard)   or  h − V_th·s  (soft)
 *
 * @category fused
 */
import * as tf from '@spikefn/core/tf';
import { hasKernel, LIF_FORWARD_WEBGL, lifWebglChunkLength, type LifWebglAttrs } from '@spikefn/kernels';

/** LIF constants (float32 values). `vReset` null = soft reset. */
export type LifWebglSettings = { readonly k: number; readonly vThreshold: number; readonly vReset: number | null };

/**
 * LIF forward over `xs = [T, ...]` from `v0 = [...]` on the WebGL backend, through the registered kernel:
 * `{ spikes [T, ...], v [...] }` (the caller owns both). No gradient (inference). `C` is the shader's chunk length.
 */
export function lifForwardWebgl(
  xs: tf.Tensor,
  v0: tf.Tensor,
  p: LifWebglSettings,
  C = lifWebglChunkLength(xs.shape[0] as number),
): { spikes: tf.Tensor; v: tf.Tensor } {
  if (tf.getBackend() !== 'webgl') throw new Error(`lifForwardWebgl: needs the webgl backend, not ${tf.getBackend()}`);
  if (!hasKernel(LIF_FORWARD_WEBGL, 'webgl'))
    throw new Error("lifForwardWebgl: spikefn's webgl kernels were unregistered (`unregister('webgl')` of @spikefn/kernels)");
  const T = xs.shape[0] as number;
  const N = v0.size;
  return tf.tidy(() => {
    const attrs: LifWebglAttrs = {
      k: Math.fround(p.k),
      vThreshold: Math.fround(p.vThreshold),
      vReset: Math.fround(p.vReset ?? 0),
      hard: p.vReset !== null,
      chunk: C,
    };
    const [spikes, v] = tf
      .engine()
      .runKernel(
        LIF_FORWARD_WEBGL,
        { x: tf.reshape(xs, [T, N]), v0: tf.reshape(v0, [N]) },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return { spikes: tf.reshape(spikes as tf.Tensor, xs.shape), v: tf.reshape(v as tf.Tensor, v0.shape) };
  });
}
