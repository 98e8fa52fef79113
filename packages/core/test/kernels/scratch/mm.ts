import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
tf.env().set('PROD', true);
function time(label: string, f: () => unknown, reps = 3) {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = f();
    if (r instanceof tf.Tensor) { r.dataSync(); r.dispose(); }
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(label, ts.map((t) => t.toFixed(1)).join(' '));
}
await tf.setBackend('wasm');
const M = 256 * 196, K = 288, C = 32;
const a1 = tf.randomNormal([K, M]), b1 = tf.randomNormal([M, C]);
time('wasm [K,M]x[M,C]', () => tf.matMul(a1, b1));
const a2 = tf.randomNormal([C, M]), b2 = tf.randomNormal([M, K]);
time('wasm [C,M]x[M,K]', () => tf.matMul(a2, b2));
const a3 = tf.randomNormal([M, C]), b3 = tf.randomNormal([C, K]);
time('wasm [M,C]x[C,K]', () => tf.matMul(a3, b3));
const a4 = tf.randomNormal([K, 4096]), b4 = tf.randomNormal([4096, C]);
time('wasm [K,4096]x[4096,C] x12', () => { for (let i = 0; i < 12; i++) tf.matMul(a4, b4).dispose(); });
const a5 = tf.randomNormal([9, M*4]), b5 = tf.randomNormal([M*4, C]);
time('wasm [9,4M]x[4M,C]', () => tf.matMul(a5, b5));
// JS kernels
const N = 256, H = 14, W = 14;
const x = new Float32Array(N * H * W * C).map(() => Math.random() - 0.5);
const dy = new Float32Array(N * H * W * C).map(() => Math.random() - 0.5);
const cols = new Float32Array(M * K);
time('js im2col [M,K]', () => {
  let o = 0;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < H; oh++) for (let ow = 0; ow < W; ow++) {
    for (let fh = 0; fh < 3; fh++) { const ih = oh + fh - 1;
      for (let fw = 0; fw < 3; fw++) { const iw = ow + fw - 1;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) { cols.fill(0, o, o + C); o += C; continue; }
        const src = ((n * H + ih) * W + iw) * C;
        for (let c = 0; c < C; c++) cols[o++] = x[src + c]!;
      } }
  }
});
const colsT = new Float32Array(M * K);
time('js im2col [K,M]', () => {
  let m = 0;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < H; oh++) for (let ow = 0; ow < W; ow++, m++) {
    let k = 0;
    for (let fh = 0; fh < 3; fh++) { const ih = oh + fh - 1;
      for (let fw = 0; fw < 3; fw++) { const iw = ow + fw - 1;
        const ok = !(ih < 0 || ih >= H || iw < 0 || iw >= W);
        const src = ((n * H + ih) * W + iw) * C;
        for (let c = 0; c < C; c++, k++) colsT[k * M + m] = ok ? x[src + c]! : 0;
      } }
  }
});
const out = new Float32Array(K * C);
const acc = new Float64Array(K * C);
time('js outer-product mm', () => {
  acc.fill(0);
  for (let m = 0; m < M; m++) {
    const ro = m * K, bo = m * C;
    for (let k = 0; k < K; k++) {
      const a = cols[ro + k]!; if (a === 0) continue;
      const co = k * C;
      for (let j = 0; j < C; j++) acc[co + j]! += a * dy[bo + j]!;
    }
  }
});
time('js outer-product mm f32 acc', () => {
  out.fill(0);
  for (let m = 0; m < M; m++) {
    const ro = m * K, bo = m * C;
    for (let k = 0; k < K; k++) {
      const a = cols[ro + k]!; if (a === 0) continue;
      const co = k * C;
      for (let j = 0; j < C; j++) out[co + j]! += a * dy[bo + j]!;
    }
  }
});
time('js 4x4 reg-blocked mm on colsT', () => {
  // out[k, j] = sum_m colsT[k*M+m] * dy[m*C+j]
  for (let k = 0; k < K; k += 4) {
    const r0 = k * M, r1 = r0 + M, r2 = r1 + M, r3 = r2 + M;
    for (let j = 0; j < C; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let m = 0, bo = j; m < M; m++, bo += C) {
        const b0 = dy[bo]!, b1 = dy[bo + 1]!, b2 = dy[bo + 2]!, b3 = dy[bo + 3]!;
        const a0 = colsT[r0 + m]!, a1 = colsT[r1 + m]!, a2 = colsT[r2 + m]!, a3 = colsT[r3 + m]!;
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
        s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
        s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
      }
      let o = k * C + j;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03; o += C;
      out[o] = s10; out[o + 1] = s11; out[o + 2] = s12; out[o + 3] = s13; o += C;
      out[o] = s20; out[o + 1] = s21; out[o + 2] = s22; out[o + 3] = s23; o += C;
      out[o] = s30; out[o + 1] = s31; out[o + 2] = s32; out[o + 3] = s33;
    }
  }
});
