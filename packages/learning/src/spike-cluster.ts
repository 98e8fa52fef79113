/**
 * Spike clusters of STCA (P. Gu, R. Xiao, G. Pan, H. Tang, "STCA: Spatio-Temporal Credit Assignment with Delayed
 * Feedback in Deep Spiking Neural Networks", IJCAI 2019): SpikingJelly 0.0.0.0.8's `functional.spike_cluster`,
 * ported loop for loop. With v `[T, N]` the membranes of N neurons, spikes s_t = v_t ≥ V_th and a distance T_in:
 * consecutive spikes no more than T_in steps apart belong to one cluster.
 *
 * - `clusters` (SpikingJelly's N_o) `[N]`: the number of clusters of each neuron.
 * - `kNegative` `[T, N]` bool: the time of the last spike of the cluster with the fewest spikes (the earliest such
 *   cluster on ties; a later cluster replaces it only when strictly smaller). A neuron that never fires has no true
 *   entry. STCA lowers v there to remove a cluster.
 * - `kPositive` `[T, N]` bool: the step with the largest v among the steps that could start a new cluster: v with
 *   every spike step and every silent step within T_in of a spike (before or after) set to the global minimum of v,
 *   then argmax over t (the first maximum). It is cleared when every step of the neuron is at that minimum (no such
 *   step exists), unless the neuron's v never exceeds the global minimum at all. STCA raises v there to add a cluster.
 *
 * As in SpikingJelly: the "last spike" starts at −2·T_in, so a spike at t = 0 opens a cluster; `v.min()` is over the
 * whole `[T, N]` tensor, not per neuron; nothing here has a gradient. The STCA loss built from these
 * (SpikingJelly's docstring): loss = Σ_n [N_o > N_d]·(v_kNegative − 1) + [N_o < N_d]·(1 − v_kPositive).
 *
 * @category losses
 */
import * as tf from '@spikefn/core/tf';
import { checkPositiveInt as positiveInt, checkRank as rank, SpikefnArgumentError, showShape } from '@spikefn/core';

/** What {@link spikeCluster} returns. @category losses */
export type SpikeClusters = {
  /** N_o, the number of spike clusters of each neuron: float32 `[N]`. */
  readonly clusters: tf.Tensor;
  /** True at the step where a new cluster is best started (see the file header): bool `[T, N]`. */
  readonly kPositive: tf.Tensor;
  /** True at the last spike of the smallest cluster (see the file header): bool `[T, N]`. */
  readonly kNegative: tf.Tensor;
};

/**
 * STCA spike clusters (SpikingJelly's `functional.spike_cluster(v, v_threshold, T_in)`): v `[T, N]`, the threshold a
 * number or a tensor `[N]`, T_in an integer ≥ 1. Returns N_o (clusters per neuron), kPositive and kNegative as in
 * the file header. Runs on the host (it reads v), like SpikingJelly's Python loops; no gradient.
 *
 * @category losses
 */
export function spikeCluster(v: tf.Tensor, vThreshold: number | tf.Tensor, tIn: number): SpikeClusters {
  const fn = 'spikeCluster';
  rank(fn, 'v', v, 2, '[T, N]');
  positiveInt(fn, 'tIn', tIn);
  const [T, N] = v.shape as [number, number];
  let th: ArrayLike<number>;
  if (typeof vThreshold === 'number') {
    if (!Number.isFinite(vThreshold))
      throw new SpikefnArgumentError(fn, 'vThreshold', 'a finite number or a tensor [N]', String(vThreshold));
    th = new Float64Array(N).fill(vThreshold);
  } else {
    if (vThreshold === null || typeof vThreshold !== 'object' || !('shape' in vThreshold))
      throw new SpikefnArgumentError(fn, 'vThreshold', 'a finite number or a tensor [N]', String(vThreshold));
    if (vThreshold.rank !== 1 || vThreshold.shape[0] !== N)
      throw new SpikefnArgumentError(fn, 'vThreshold', `a number or a tensor [${N}] (one per neuron)`, showShape(vThreshold.shape));
    th = vThreshold.dataSync();
  }
  const vs = v.dataSync();
  const at = (t: number, n: number): number => vs[t * N + n] as number;
  const spike = (t: number, n: number): boolean => at(t, n) >= (th[n] as number);

  // N_o and k_negative: one pass over t, per neuron, as SpikingJelly's masked updates.
  const clusters = new Float32Array(N);
  const kNegative = new Uint8Array(T * N);
  for (let n = 0; n < N; n++) {
    let spikesNum = 2 * T;
    let minSpikesNum = 2 * T;
    let minSpikesNumT = 2 * T;
    let last = -2 * tIn;
    for (let t = 0; t < T; t++) {
      const s = spike(t, n);
      const delta = s ? t - last : 0;
      const opens = delta > tIn; // a spike more than T_in after the last one: a new cluster
      const joins = s && delta <= tIn;
      if (opens && minSpikesNum > spikesNum) {
        minSpikesNumT = last;
        minSpikesNum = spikesNum;
      }
      if (opens) {
        spikesNum = 1;
        clusters[n] = (clusters[n] as number) + 1;
      }
      if (joins) spikesNum += 1;
      if (s) last = t;
    }
    if (spikesNum < minSpikesNum) minSpikesNumT = last;
    if (minSpikesNumT >= 0 && minSpikesNumT < T) kNegative[minSpikesNumT * N + n] = 1;
  }

  // k_positive: mask the spikes and the silent steps within T_in of a spike to the global minimum, then argmax over t.
  let vMin = Number.POSITIVE_INFINITY;
  for (const x of vs) vMin = Math.min(vMin, x);
  const masked = Float64Array.from(vs);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) if (spike(t, n)) masked[t * N + n] = vMin;
  const kPositive = new Uint8Array(T * N);
  for (let n = 0; n < N; n++) {
    let last = -2 * tIn;
    for (let t = 0; t < T; t++) {
      if (!spike(t, n) && t - last <= tIn) masked[t * N + n] = vMin;
      if (spike(t, n)) last = t;
    }
    let next = 2 * tIn + T;
    for (let t = T - 1; t >= 0; t--) {
      if (!spike(t, n) && next - t <= tIn) masked[t * N + n] = vMin;
      if (spike(t, n)) next = t;
    }
    // argmax over t, the first maximum (PyTorch's argmax).
    let best = 0;
    let vMax = masked[n] as number;
    for (let t = 1; t < T; t++) {
      const m = masked[t * N + n] as number;
      if (m > vMax) {
        vMax = m;
        best = t;
      }
    }
    let rawMax = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < T; t++) rawMax = Math.max(rawMax, at(t, n));
    const keep = vMax !== vMin || rawMax === vMin;
    if (keep) kPositive[best * N + n] = 1;
  }
  return {
    clusters: tf.tensor1d(clusters, 'float32'),
    kPositive: tf.tensor2d(kPositive, [T, N], 'bool'),
    kNegative: tf.tensor2d(kNegative, [T, N], 'bool'),
  };
}
