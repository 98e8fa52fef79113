import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
tf.env().set('PROD', true);
function time(label: string, f: () => tf.Tensor | tf.Tensor[], reps = 3) {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = f();
    const rr = Array.isArray(r) ? r : [r];
    rr[0]!.dataSync();
    ts.push(performance.now() - t0);
    tf.dispose(rr);
  }
  ts.sort((a, b) => a - b);
  console.log(label, ts.map((t) => t.toFixed(1)).join(' '));
}
const backend = process.argv[2] ?? 'wasm';
await tf.setBackend(backend);
const B = Number(process.argv[3] ?? 256);
const x = tf.randomNormal([B, 14, 14, 32]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 32, 32]) as tf.Tensor4D;
const dy = tf.randomNormal([B, 14, 14, 32]) as tf.Tensor4D;
const p = tf.cast(tf.greater(tf.randomUniform([B, 28, 28, 32]), 0.5), "float32") as tf.Tensor4D;
const pdy = tf.randomNormal([B, 14, 14, 32]) as tf.Tensor4D;
time('conv2d', () => tf.conv2d(x, w, 1, 'same'));
time('bpInput', () => tf.conv2dTranspose(dy, w, x.shape, 1, 'same'));
time('maxpool', () => tf.maxPool(p, 2, 2, 'valid'));
time('maxPoolGrad', () => tf.engine().runKernel('MaxPoolGrad', { dy: pdy, input: p, output: pdy }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor);
const cols = tf.randomNormal([B * 196, 288]);
const dy2 = tf.reshape(dy, [B * 196, 32]);
time('matmul TA', () => tf.matMul(cols, dy2, true, false));
const colsT = tf.randomNormal([288, B * 196]);
time('matmul colsT', () => tf.matMul(colsT, dy2, false, false));
time('matmul dyT cols (Cout x K)', () => tf.matMul(dy2, cols, true, false));
time('matmul for col2im (M x K)', () => tf.matMul(dy2, tf.reshape(w, [288, 32]), false, true));
if (backend === 'wasm') {
  const big = tf.randomNormal([128, 100000]);
  time('unstack', () => tf.unstack(big), 2);
}
