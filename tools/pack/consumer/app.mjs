/**
 * spikefn as an npm user gets it: run with `node app.mjs` in a project (outside the workspace) that npm-installed the
 * packed tarballs and tfjs 4.22. Prints one `PASS`/`FAIL` line per check (tools/pack/run.ts reads them) and exits 1
 * on any failure. Every expected value is derived by hand from the equations in the comments, not from spikefn.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  evalCtx,
  getBackend,
  getWasmThreads,
  isKey,
  key,
  runSequence,
  scanLayer,
  sequential,
  setBackend,
  trainCtx,
  treeDispose,
  treeLeaves,
} from '@spikefn/core';
import * as tf from '@spikefn/core/tf';
import { lifNode } from '@spikefn/neurons';
import { hasNeuronKernels, isRegistered, kernelNames, register, unregister } from '@spikefn/kernels';
import { linear, linearApply, synapseFilter } from '@spikefn/layers';
import {
  adam,
  decodeCheckpoint,
  encodeCheckpoint,
  optimizerStep,
  rateMse,
  readCount,
  SPIKEFN_VERSION,
  valueAndGradTree,
} from '@spikefn/learning';
import { CLASSES, loadCheckpoint, mnistDigitsDir, PIXELS, progressBar, saveCheckpoint } from '@spikefn/node';
import { checkLayerLaws, keyArb, testKey } from '@spikefn/testing';

let failures = 0;
const check = async (what, body) => {
  try {
    const detail = await body();
    console.log(`PASS ${what}${detail ? ` — ${detail}` : ''}`);
  } catch (e) {
    failures++;
    const message = String(e?.message ?? e)
      .split('\n')
      .filter(Boolean)
      .slice(0, 4)
      .join(' | ');
    console.log(`FAIL ${what} — ${message}`);
  }
};
const numTensors = () => tf.memory().numTensors;
const close = (actual, expected, tol, what) => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (const [i, a] of actual.entries())
    assert.ok(Math.abs(a - expected[i]) <= tol, `${what}[${i}] = ${a}, expected ${expected[i]} ± ${tol}`);
};

// --- LIF by hand. decayInput, tau = 2, vThreshold = 1, hard reset to 0, v_0 = 0:
//   h_t = v_{t-1} + (x - v_{t-1})/2 = (v_{t-1} + x)/2;   s_t = [h_t >= 1];   v_t = s_t ? 0 : h_t
// Five neurons with constant inputs x, six steps:
//   x = 0.4: h = .2 .3 .35 .375 .3875 .39375       never reaches 1 (limit 0.4); v_6 = 0.4·(1 - 2^-6) = 0.39375
//   x = 1.0: h = .5 .75 .875 .9375 .96875 .984375   approaches 1 from below, never fires; v_6 = 0.984375
//   x = 1.2: h = .6 .9 1.05↑ .6 .9 1.05↑            fires at t = 3, 6; v_6 = 0
//   x = 1.5: h = .75 1.125↑ .75 1.125↑ .75 1.125↑  fires at t = 2, 4, 6; v_6 = 0
//   x = 2.5: h = 1.25↑ every step                  fires at every step; v_6 = 0
const lifInputs = [0.4, 1.0, 1.2, 1.5, 2.5];
const T = 6;
// biome-ignore format: one row per time step
const lifSpikes = [
  0, 0, 0, 0, 1,
  0, 0, 0, 1, 1,
  0, 0, 1, 0, 1,
  0, 0, 0, 1, 1,
  0, 0, 0, 0, 1,
  0, 0, 1, 1, 1,
];
const lifFinalV = [0.39375, 0.984375, 0, 0, 0];

const lifCheck = (backend) =>
  check(`lifNode({ tau: 2 }) on ${backend}: spikes and final v of hand-derived trains`, () => {
    const before = numTensors();
    const neuron = lifNode({ tau: 2, vThreshold: 1, vReset: 0 });
    const xs = tf.tidy(() => tf.tile(tf.tensor3d([[lifInputs]]), [T, 1, 1]));
    const v0 = neuron.initialState({}, [1, 5], key(0));
    const [state, spikes] = neuron.sequence({}, v0, xs);
    assert.deepEqual(spikes.shape, [T, 1, 5]);
    assert.deepEqual([...spikes.dataSync()], lifSpikes, 'spike train');
    close([...state.v.dataSync()], lifFinalV, 1e-6, 'v_T');
    // The composed path (a scan of `step`) agrees with the fused kernel.
    const [state2, spikes2] = scanLayer(neuron, {}, v0, xs, evalCtx(key(0)));
    assert.deepEqual([...spikes2.dataSync()], lifSpikes, 'spike train, scan of step');
    tf.dispose([xs, v0.v, state.v, spikes, state2.v, spikes2]);
    assert.equal(numTensors(), before, 'tensors leaked');
    return `${lifSpikes.filter((s) => s === 1).length} spikes over ${T} steps`;
  });

await check("setBackend('cpu') loads @tensorflow/tfjs-backend-cpu", async () => {
  assert.equal(await setBackend('cpu'), 'cpu');
  assert.equal(getBackend(), 'cpu');
});
await lifCheck('cpu');

// --- synapseFilter by hand: I_t = I_{t-1} - (1 - S_t)·I_{t-1}·r + S_t, r = 1/tau = 0.5, I_{-1} = 0:
//   S = 1 0 0 1 1 0  →  I = 1, 1 - .5 = .5, .25, .25 + 1 = 1.25, 1.25 + 1 = 2.25, 2.25·.5 = 1.125
await check('synapseFilter({ tau: 2 }) over a spike train', () => {
  const before = numTensors();
  const layer = synapseFilter({ tau: 2 });
  const params = layer.init(key(0));
  const xs = tf.tensor2d([1, 0, 0, 1, 1, 0], [6, 1]);
  const i0 = layer.initialState(params, [1], key(0));
  const [state, ys] = runSequence(layer, params, i0, xs, evalCtx(key(0)));
  assert.deepEqual([...ys.dataSync()], [1, 0.5, 0.25, 1.25, 2.25, 1.125]);
  tf.dispose([xs, ys, i0.i, state.i]);
  assert.equal(numTensors(), before, 'tensors leaked');
});

await check("setBackend('wasm') loads @tensorflow/tfjs-backend-wasm", async () => {
  assert.equal(await setBackend('wasm'), 'wasm');
  assert.equal(getBackend(), 'wasm');
});
await check("setBackend('wasm') runs tfjs's threaded build on every core from the installed files (no patch)", async () => {
  assert.equal(getWasmThreads(), Math.min(8, availableParallelism()));
  const y = tf.tidy(() => tf.sum(tf.conv2d(tf.ones([2, 6, 6, 3]), tf.ones([3, 3, 3, 4]), 1, 'same')));
  // All ones: output (i, j) = 3 channels × (window rows inside the image) × (window columns inside); per axis those
  // counts are 2, 3, 3, 3, 3, 2 (sum 16), so each image and output channel sums to 3 · 16 · 16 = 768.
  assert.equal(y.dataSync()[0], 2 * 4 * 768);
  y.dispose();
});
await lifCheck('wasm');

// --- @spikefn/kernels: setBackend registered spikefn's kernels; unregister puts tfjs's stock ones back.
await check("@spikefn/kernels: setBackend('wasm') registered its kernels; unregister / register round trip", () => {
  const before = numTensors();
  assert.ok(hasNeuronKernels('wasm'), 'fused neuron kernels on wasm');
  assert.ok(isRegistered('Conv2DBackpropFilter', 'wasm'), 'Conv2DBackpropFilter on wasm');
  unregister('wasm', ['overrides']);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'stock tfjs-backend-wasm has no Conv2DBackpropFilter');
  assert.ok(!isRegistered('MaxPoolGrad', 'wasm'), 'stock MaxPoolGrad back');
  register('wasm');
  assert.ok(isRegistered('Conv2DBackpropFilter', 'wasm'), 'registered again');
  assert.equal(numTensors(), before, 'tensors created');
  return `${kernelNames('wasm').length} kernels for wasm`;
});

// --- Gradients (registered in Node by @spikefn/core/tf's dist/tfjs-gradients.node.js) and one Adam step.
// y = x·w + b with loss L = mean_n (y_n - t_n)²:  dL/dw_j = (2/N) Σ_n (y_n - t_n)·x_nj,  dL/db = (2/N) Σ_n (y_n - t_n).
await check('valueAndGradTree: gradients of an MSE equal the hand-written ones; one Adam step lowers the loss', () => {
  const before = numTensors();
  const X = [
    [1, 2],
    [3, -1],
    [-2, 0.5],
    [0, 1],
  ];
  const target = X.map(([a, b]) => a - 2 * b + 0.5);
  const x = tf.tensor2d(X);
  const t = tf.tensor2d(target, [4, 1]);
  const mse = (p) => tf.mean(tf.square(tf.sub(linearApply(p, x), t)));
  const layer = linear({ inFeatures: 2, outFeatures: 1 });
  const params = layer.init(key(4));
  const w = [...params.weight.dataSync()];
  const b = params.bias.dataSync()[0];
  const err = X.map(([a, c], n) => a * w[0] + c * w[1] + b - target[n]);
  const expected = {
    loss: err.reduce((s, e) => s + e * e, 0) / 4,
    w: [0, 1].map((j) => (2 / 4) * err.reduce((s, e, n) => s + e * X[n][j], 0)),
    b: (2 / 4) * err.reduce((s, e) => s + e, 0),
  };
  const { value, grads } = valueAndGradTree(mse, params);
  const loss0 = value.dataSync()[0];
  close([loss0], [expected.loss], 1e-4 * expected.loss, 'loss');
  close([...grads.weight.dataSync()], expected.w, 1e-4 * Math.max(...expected.w.map(Math.abs)), 'dL/dw');
  close([...grads.bias.dataSync()], [expected.b], 1e-4 * Math.abs(expected.b) + 1e-6, 'dL/db');
  const opt = adam({ lr: 0.05 });
  const [params1, state1] = optimizerStep(opt, grads, opt.init(params), params);
  const loss1 = tf.tidy(() => mse(params1).dataSync()[0]);
  assert.ok(loss1 < loss0, `loss ${loss0} → ${loss1}`);
  assert.equal(readCount(state1.count), 1);
  tf.dispose([x, t, value]);
  treeDispose([params1, state1]);
  assert.equal(numTensors(), before, 'tensors leaked');
  return `loss ${loss0.toFixed(4)} → ${loss1.toFixed(4)}`;
});

// Adam's first step (m = (1-β1)g, v = (1-β2)g², bias-corrected m̂ = g, v̂ = g²) moves every parameter by
// -lr·g/(|g| + ε), i.e. -lr·sign(g) wherever |g| ≫ ε = 1e-8: here through a LIF layer's surrogate gradient (BPTT).
await check('one Adam step through linear → LIF (surrogate gradients) moves each param by -lr·sign(g)', () => {
  const before = numTensors();
  const lr = 0.01;
  const net = sequential({ fc: linear({ inFeatures: 3, outFeatures: 2 }), lif: lifNode({ tau: 2 }) });
  const params = net.init(key(1));
  const xs = tf.tensor3d(
    Array.from({ length: 4 * 2 * 3 }, (_, i) => 0.5 + ((i * 7) % 11) / 5),
    [4, 2, 3],
  );
  const labels = tf.tensor1d([0, 1], 'int32');
  const loss = (p) => {
    const [, spikes] = runSequence(net, p, net.initialState(p, [2, 3], key(2)), xs, trainCtx(key(3)));
    return rateMse(spikes, labels);
  };
  const { value, grads } = valueAndGradTree(loss, params);
  const p0 = treeLeaves(params).map((l) => [...l.dataSync()]);
  const g = treeLeaves(grads).map((l) => [...l.dataSync()]);
  const opt = adam({ lr });
  const [params1, state1] = optimizerStep(opt, grads, opt.init(params), params);
  const p1 = treeLeaves(params1).map((l) => [...l.dataSync()]);
  let full = 0;
  for (const [i, leaf] of p0.entries()) {
    for (const [j, p] of leaf.entries()) {
      const gij = g[i][j];
      const step = p1[i][j] - p;
      const expected = (-lr * gij) / (Math.abs(gij) + 1e-8);
      assert.ok(Math.abs(step - expected) <= 2e-6, `param ${i}.${j}: moved ${step}, expected ${expected} (g = ${gij})`);
      if (Math.abs(gij) > 1e-5) full++;
    }
  }
  assert.ok(full >= 4, `only ${full} params had a gradient > 1e-5`);
  value.dispose();
  labels.dispose();
  xs.dispose();
  treeDispose([params1, state1]);
  assert.equal(numTensors(), before, 'tensors leaked');
  return `${full} params moved by ±${lr}`;
});

// --- Checkpoints: bytes and files round-trip bit for bit; a flipped byte is caught.
await check('encodeCheckpoint/decodeCheckpoint and @spikefn/node saveCheckpoint/loadCheckpoint round trips', () => {
  const before = numTensors();
  const params = linear({ inFeatures: 3, outFeatures: 2 }).init(key(5));
  const count = tf.scalar(7, 'int32');
  const trees = { params, opt: { count } };
  const bytes = encodeCheckpoint({ meta: { epoch: 3, note: 'pack' }, trees });
  const decoded = decodeCheckpoint(bytes);
  assert.equal(decoded._tag, 'Right', decoded.left?.message);
  const version = createRequire(import.meta.url)('@spikefn/learning/package.json').version;
  assert.equal(decoded.right.spikefnVersion, version, 'the checkpoint records the installed version');
  assert.equal(SPIKEFN_VERSION, version);
  assert.deepEqual(decoded.right.meta, { epoch: 3, note: 'pack' });
  const same = (a, b) => {
    assert.deepEqual(a.shape, b.shape);
    assert.equal(a.dtype, b.dtype);
    assert.deepEqual([...a.dataSync()], [...b.dataSync()]);
  };
  same(decoded.right.trees.params.weight, params.weight);
  same(decoded.right.trees.params.bias, params.bias);
  same(decoded.right.trees.opt.count, count);
  const corrupt = bytes.slice();
  corrupt[corrupt.length - 1] ^= 1;
  const bad = decodeCheckpoint(corrupt);
  assert.equal(bad._tag, 'Left');
  assert.equal(bad.left.reason, 'checksum');

  const dir = mkdtempSync(join(tmpdir(), 'spikefn-ckpt-'));
  try {
    const file = join(dir, 'sub', 'model.ckpt');
    assert.equal(saveCheckpoint(file, { meta: { epoch: 3, note: 'pack' }, trees }), bytes.length, 'the file holds the same bytes');
    const loaded = loadCheckpoint(file);
    assert.equal(loaded._tag, 'Right', loaded.left?.message);
    same(loaded.right.trees.params.weight, params.weight);
    assert.equal(loadCheckpoint(join(dir, 'missing.ckpt')).left?.reason, 'io');
    treeDispose([decoded.right.trees, loaded.right.trees]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  treeDispose(trees);
  assert.equal(numTensors(), before, 'tensors leaked');
  return `${bytes.length} bytes`;
});

// --- @spikefn/testing with the application's fast-check (a peer dependency).
await check('@spikefn/testing: keyArb samples keys; checkLayerLaws holds for lifNode', () => {
  const keys = fc.sample(keyArb(), 5);
  assert.ok(keys.every(isKey));
  assert.ok(isKey(testKey));
  const before = numTensors();
  checkLayerLaws({ name: 'lif', layer: lifNode({ tau: 2 }), params: {} }, [3], { numRuns: 3 });
  assert.equal(numTensors(), before, 'tensors leaked');
});

// --- @spikefn/node: exports and its `mnist` dependency.
await check('@spikefn/node: exports, mnist digits installed, progressBar writes to a stream', () => {
  assert.equal(PIXELS, 784);
  assert.equal(CLASSES, 10);
  assert.ok(existsSync(join(mnistDigitsDir(), '0.json')), 'mnist/src/digits/0.json');
  let written = '';
  const bar = progressBar({ total: 4, label: 'epoch 1/1', stream: { write: (s) => (written += s) }, tty: false });
  bar.update(2, { loss: 0.5 });
  const last = bar.finish({ loss: 0.25 });
  assert.match(last, /4\/4/);
  assert.match(written, /loss 0\.2500/);
});

// --- The exports maps: only the entry points are importable.
await check('exports maps refuse deep imports (ERR_PACKAGE_PATH_NOT_EXPORTED)', async () => {
  const refused = [
    '@spikefn/core/src/key',
    '@spikefn/core/dist/key.js',
    '@spikefn/neurons/dist/lif.js',
    '@spikefn/learning/dist/grad.js',
    '@spikefn/kernels/dist/registry.js',
  ];
  for (const specifier of refused) {
    await assert.rejects(import(specifier), (e) => e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED', specifier);
  }
  assert.ok(import.meta.resolve('@spikefn/core/package.json').endsWith('/package.json'));
  return `${refused.length} refused`;
});

process.exitCode = failures === 0 ? 0 : 1;
