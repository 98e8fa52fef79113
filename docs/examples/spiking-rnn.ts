import * as tf from '@spikefn/core/tf';
import { evalCtx, key, multiStep, split, trainCtx, treeDispose, uniform, type Key } from '@spikefn/core';
import { spikingGruCell, spikingLstm } from '@spikefn/layers';
import { valueAndGradTree } from '@spikefn/learning';
import { erf } from '@spikefn/neurons';

export const T = 8; // time steps
export const B = 4; // batch

/** A 2-layer bidirectional spiking LSTM over [T, B, 3]; a spiking GRU cell scanned over time; a gradient through Θ. */
export function spikingRnn() {
  const [kInit, kData, kState, kRun] = split(key(7), 4) as [Key, Key, Key, Key];
  const rnn = spikingLstm({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, dropoutP: 0.2, surrogate: erf(2) });
  const params = rnn.init(kInit); // { cells: [cell₀, cell₁], cellsReverse: [cell₀, cell₁] }, all ~ U(−1/√5, 1/√5)
  const xs = uniform(kData, [T, B, 3], -2, 2);
  const s0 = rnn.initialState(params, xs.shape, kState); // { h, c }: zeros [numLayers·2, B, 5]

  // Eval mode: no dropout. ys[t] = [forward h of layer 1 at t, reverse h of layer 1 at t]: [T, B, 10].
  const [sT, ys] = rnn.step(params, s0, xs, evalCtx(kRun));

  // Train mode: dropout between the layers drawn from the run's key; Θ's gradient is the surrogate's erf'(u).
  const { value: loss, grads } = valueAndGradTree((p) => {
    const [s, y] = rnn.step(p, s0, xs, trainCtx(kRun));
    treeDispose(s);
    return tf.mean(tf.square(tf.sub(tf.gather(y, T - 1), 1))); // the last step's outputs towards 1
  }, params);

  // A cell is a one-step layer: h' = (1 − z) ⊙ n + z ⊙ h, run over time by multiStep (a scan).
  const gru = spikingGruCell({ inputSize: 3, hiddenSize: 4 });
  const gp = gru.init(kInit);
  const g0 = gru.initialState(gp, [B, 3], kState); // { h }: zeros [B, 4]
  const [gruState, gruHs] = multiStep(gru).step(gp, g0, xs, evalCtx(kRun)); // gruHs: [T, B, 4], all 0 or 1

  return { params, xs, s0, sT, ys, loss, grads, gp, g0, gruState, gruHs };
}
