/**
 * Spike-timing-dependent plasticity (STDP) as pure updates `(traces, W, s_pre, s_post) -> [traces', W']`.
 *
 * **Trace-based pair STDP** ({@link stdpLinearStep}, {@link stdpConv2dStep}): the all-to-all pair rule of Bi & Poo,
 * "Synaptic modifications in cultured hippocampal neurons", J. Neurosci. 1998, in the online trace form of
 * Morrison, Diesmann & Gerstner, "Phenomenological models of synaptic plasticity based on spike timing", Biol.
 * Cybern. 2008 (§4.1.2), discretised as SpikingJelly ≥ 0.0.0.0.13 (`learning.stdp_linear_single_step`):
 *
 *   tr_pre'  = tr_pre  - tr_pre/τ_pre   + s_pre          (per presynaptic neuron and sample, starts at 0)
 *   tr_post' = tr_post - tr_post/τ_post + s_post
 *   ΔW = f_post(W) ⊙ Σ_b corr(s_post, tr_pre')  -  f_pre(W) ⊙ Σ_b corr(tr_post', s_pre)
 *   W' = W + lr·ΔW
 *
 * where `corr(post, pre)[o, i]` pairs every synapse's post and pre sides: for a linear weight `W: [out, in]` it is
 * the outer product `post[b, o]·pre[b, i]`; for a convolution weight `[out, in/groups, kh, kw]` it is the
 * correlation `Σ_{y,x} post[b, o, y, x]·pre[b, c, y·s + u·d - p, x·s + v·d - p]` over the positions where the
 * synapse is used (the weight gradient of a convolution, computed as one convolution). Batched spikes (`[B, ...]`)
 * are summed over the batch.
 *
 * Signs: a post spike reads the pre trace and **potentiates** (pre before post: Δw > 0); a pre spike reads the post
 * trace and **depresses** (post before pre: Δw < 0). `f_pre`, `f_post` are the non-negative weight dependences
 * (amplitudes A₋, A₊ or soft bounds such as `f_post(w) = 1 - w`, `f_pre(w) = w`); both default to 1 (additive
 * STDP). Both terms use the old W. A pre and a post spike in the same step count in both terms (the traces already
 * include the current spikes), giving `f_post(W) - f_pre(W)`.
 *
 * **The seed's rule** ({@link legacyStdpStep}): SpikingJelly 0.0.0.0.8's `STDPLearner.stdp` updates its traces but
 * never reads them: `W' = W + lr·(f_pre(W) ⊙ s_pre[None, :] + f_post(W) ⊙ s_post[:, None])`, with signed `f_pre`,
 * `f_post` (its docstring: `|w| + 0.1` and `-(|w| + 0.1)`). It accepts only unbatched spikes (`s_pre: [in]`,
 * `s_post: [out]`) on a linear weight; it is kept, under this explicit name, to reproduce that library.
 *
 * @category learning
 */
import * as tf from '@spikefn/core/tf';
import {
  checkDim as dim,
  checkFinite as finite,
  checkRank as rank,
  checkSameShape as sameShape,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';
import { conv2dGeometry, conv2dOutputShape, conv2dWeightGrad, type Conv2dGeometry, type Pair } from '@spikefn/layers';

/** A weight dependence `f(W)`: a tensor of W's shape, or a number for a constant. @category learning */
export type WeightFn = (w: tf.Tensor) => tf.Tensor | number;

/** Settings of the trace-based rule. `fPre`, `fPost` default to 1; `lr` is the learning rate. @category learning */
export type StdpConfig = {
  /** τ_pre ≥ 1 (in steps), the decay of the presynaptic trace: `tr_pre' = tr_pre - tr_pre/τ_pre + s_pre`. */
  readonly tauPre: number;
  /** τ_post ≥ 1 (in steps), the decay of the postsynaptic trace. */
  readonly tauPost: number;
  /** The learning rate: `W' = W + lr·ΔW`. */
  readonly lr: number;
  /** f_pre(W) ≥ 0, the weight dependence of depression (pre spike after post). Default 1. */
  readonly fPre?: WeightFn;
  /** f_post(W) ≥ 0, the weight dependence of potentiation (post spike after pre). Default 1. */
  readonly fPost?: WeightFn;
};

/** Convolution geometry of the weight STDP acts on (as `conv2d`'s config). @category learning */
export type StdpConv2dConfig = StdpConfig & {
  /** The convolution's stride. Default 1. */
  readonly stride?: Pair;
  /** The convolution's zero padding. Default 0. */
  readonly padding?: Pair;
  /** The convolution's dilation. Default 1. */
  readonly dilation?: Pair;
  /** The convolution's channel groups. Default 1. */
  readonly groups?: number;
};

/** Pre- and postsynaptic traces, shaped as the spikes. @category learning */
export type StdpTraces = {
  /** tr_pre: the presynaptic spikes' shape, 0 initially. */
  readonly pre: tf.Tensor;
  /** tr_post: the postsynaptic spikes' shape, 0 initially. */
  readonly post: tf.Tensor;
};

/** Traces at 0 for spikes of these shapes. @category learning */
export const stdpInitialTraces = (preShape: Shape, postShape: Shape): StdpTraces => ({
  pre: tf.zeros([...preShape]),
  post: tf.zeros([...postShape]),
});

const checkTaus = (fn: string, config: { readonly tauPre: number; readonly tauPost: number; readonly lr: number }): void => {
  for (const name of ['tauPre', 'tauPost'] as const) {
    const tau = finite(fn, name, config[name]);
    if (!(tau >= 1)) throw new SpikefnArgumentError(fn, name, 'a time constant >= 1 (in steps)', String(tau));
  }
  finite(fn, 'lr', config.lr);
};

const weightFn = (f: WeightFn | undefined, w: tf.Tensor): tf.Tensor | number => (f === undefined ? 1 : f(w));

/** `tr - tr/τ + s`. */
const decay = (tr: tf.Tensor, tau: number, s: tf.Tensor): tf.Tensor => tf.add(tf.sub(tr, tf.div(tr, tau)), s);

function checkTraces(fn: string, traces: StdpTraces, sPre: tf.Tensor, sPost: tf.Tensor): void {
  sameShape(fn, 'traces.pre', traces.pre, sPre, 'the shape of sPre');
  sameShape(fn, 'traces.post', traces.post, sPost, 'the shape of sPost');
}

/** The shared update given the two batch-summed correlations. */
function update(
  config: StdpConfig,
  traces: StdpTraces,
  weight: tf.Tensor,
  sPre: tf.Tensor,
  sPost: tf.Tensor,
  corr: (post: tf.Tensor, pre: tf.Tensor) => tf.Tensor,
): [StdpTraces, tf.Tensor] {
  return tf.tidy(() => {
    const pre = decay(traces.pre, config.tauPre, sPre);
    const post = decay(traces.post, config.tauPost, sPost);
    const potentiation = tf.mul(weightFn(config.fPost, weight), corr(sPost, pre));
    const depression = tf.mul(weightFn(config.fPre, weight), corr(post, sPre));
    const w = tf.add(weight, tf.mul(tf.sub(potentiation, depression), config.lr));
    return [{ pre, post }, w] as unknown as tf.TensorContainer;
  }) as unknown as [StdpTraces, tf.Tensor];
}

/**
 * One trace-based STDP step on a linear weight `W: [out, in]` with batched spikes `sPre: [B, in]`, `sPost: [B, out]`.
 * Returns `[traces', W']`.
 *
 * @category learning
 */
export function stdpLinearStep(
  config: StdpConfig,
  traces: StdpTraces,
  weight: tf.Tensor,
  sPre: tf.Tensor,
  sPost: tf.Tensor,
): [StdpTraces, tf.Tensor] {
  const fn = 'stdpLinearStep';
  checkTaus(fn, config);
  rank(fn, 'weight', weight, 2, '[out, in]');
  const [out, inF] = weight.shape as [number, number];
  rank(fn, 'sPre', sPre, 2, '[B, in]: batched presynaptic spikes');
  rank(fn, 'sPost', sPost, 2, '[B, out]: batched postsynaptic spikes');
  dim(fn, 'sPre', sPre, 1, inF, 'in, the second axis of weight');
  dim(fn, 'sPost', sPost, 1, out, 'out, the first axis of weight');
  dim(fn, 'sPost', sPost, 0, sPre.shape[0] as number, 'the batch size of sPre');
  checkTraces(fn, traces, sPre, sPost);
  // Σ_b post[b, o]·pre[b, i] = postᵀ·pre
  return update(config, traces, weight, sPre, sPost, (post, pre) => tf.matMul(post, pre, true, false));
}

/**
 * One trace-based STDP step on a convolution weight `W: [out, in/groups, kh, kw]` with batched spikes
 * `sPre: [B, in, H, W]` (the convolution's input) and `sPost: [B, out, OH, OW]` (its output). Returns `[traces', W']`.
 *
 * @category learning
 */
export function stdpConv2dStep(
  config: StdpConv2dConfig,
  traces: StdpTraces,
  weight: tf.Tensor,
  sPre: tf.Tensor,
  sPost: tf.Tensor,
): [StdpTraces, tf.Tensor] {
  const fn = 'stdpConv2dStep';
  checkTaus(fn, config);
  const g: Conv2dGeometry = conv2dGeometry(fn, config);
  rank(fn, 'weight', weight, 4, '[out, in/groups, kh, kw]');
  const [out, inG, kh, kw] = weight.shape as [number, number, number, number];
  if (out % g.groups !== 0)
    throw new SpikefnArgumentError(fn, 'groups', `a divisor of the weight's out channels (${out})`, String(g.groups));
  rank(fn, 'sPre', sPre, 4, '[B, in, H, W]: batched presynaptic spikes');
  dim(fn, 'sPre', sPre, 1, inG * g.groups, 'in = weight.shape[1]·groups');
  const expected = conv2dOutputShape(sPre.shape, weight.shape, g);
  sameShape(fn, 'sPost', sPost, expected, "the convolution's output for sPre");
  checkTraces(fn, traces, sPre, sPost);
  return update(config, traces, weight, sPre, sPost, (post, pre) => conv2dWeightGrad(pre, post, [kh, kw], g));
}

/** Settings of the seed's rule: signed `fPre`, `fPost` (required), learning rate `lr`. @category learning */
export type LegacyStdpConfig = {
  /** τ_pre ≥ 1 (in steps), the decay of the presynaptic trace (updated but not used by the weight update). */
  readonly tauPre: number;
  /** τ_post ≥ 1 (in steps), the decay of the postsynaptic trace (updated but not used by the weight update). */
  readonly tauPost: number;
  /** The learning rate. */
  readonly lr: number;
  /** Signed weight term added where the presynaptic neuron fired, e.g. `|w| + 0.1`. */
  readonly fPre: WeightFn;
  /** Signed weight term added where the postsynaptic neuron fired, e.g. `-(|w| + 0.1)`. */
  readonly fPost: WeightFn;
};

/**
 * SpikingJelly 0.0.0.0.8's `STDPLearner.stdp` on a linear weight `W: [out, in]`, unbatched spikes `sPre: [in]`,
 * `sPost: [out]`: the traces are updated (`tr - tr/τ + s`) but the weight moves by
 * `lr·(fPre(W) ⊙ sPre[None, :] + fPost(W) ⊙ sPost[:, None])` only. Batched spikes are rejected (the library fails
 * on them with a broadcasting error); use {@link stdpLinearStep}. Returns `[traces', W']`.
 *
 * @category learning
 */
export function legacyStdpStep(
  config: LegacyStdpConfig,
  traces: StdpTraces,
  weight: tf.Tensor,
  sPre: tf.Tensor,
  sPost: tf.Tensor,
): [StdpTraces, tf.Tensor] {
  const fn = 'legacyStdpStep';
  checkTaus(fn, config);
  rank(fn, 'weight', weight, 2, '[out, in]');
  const [out, inF] = weight.shape as [number, number];
  const unbatched = 'unbatched spikes; the seed rule does not support a batch axis (use stdpLinearStep for batched spikes)';
  rank(fn, 'sPre', sPre, 1, `[in], ${unbatched}`);
  rank(fn, 'sPost', sPost, 1, `[out], ${unbatched}`);
  dim(fn, 'sPre', sPre, 0, inF, 'in, the second axis of weight');
  dim(fn, 'sPost', sPost, 0, out, 'out, the first axis of weight');
  checkTraces(fn, traces, sPre, sPost);
  return tf.tidy(() => {
    const pre = decay(traces.pre, config.tauPre, sPre);
    const post = decay(traces.post, config.tauPost, sPost);
    const dPre = tf.mul(config.fPre(weight), tf.reshape(sPre, [1, inF]));
    const dPost = tf.mul(config.fPost(weight), tf.reshape(sPost, [out, 1]));
    const w = tf.add(weight, tf.mul(tf.add(dPre, dPost), config.lr));
    return [{ pre, post }, w] as unknown as tf.TensorContainer;
  }) as unknown as [StdpTraces, tf.Tensor];
}
