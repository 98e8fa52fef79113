/**
 * Parity handlers for the seed's containers, built from core's combinators and spikefn's layers:
 * multistep_container (multiStep), seq_to_ann_container (seqToANN), elementwise_recurrent_container
 * (elementWiseRecurrent), linear_recurrent_container (linearRecurrent). PyTorch `state_dict` keys (`"0.weight"`,
 * `"1.running_mean"`, `"rc.weight"`, `"sub_module.0.bias"`) are mapped onto spikefn's named records: module `i` of a
 * container is the member `m{i}` of a `sequential`; BatchNorm's running statistics are state, not params.
 */
import * as tf from '@spikefn/core/tf';
import {
  elementWiseRecurrent,
  type ElementWise,
  key,
  type AnyLayer,
  type Ctx,
  linearRecurrent,
  multiStep,
  scan,
  seqToANN,
  sequential,
} from '@spikefn/core';
import type { Tree } from '@spikefn/core';
import { batchNorm1d, batchNorm2d, conv2d, flatten, linear } from '@spikefn/layers';
import { ifNode, lifNode, atan, sigmoid, type Surrogate } from '@spikefn/neurons';
import type { FixtureCase, Nested } from '../fixtures.js';
import { register, UnknownCaseError } from '../registry.js';
import { check, close, dot, field, num, onlyKeys, optNum, rec, ten } from './seed-helpers.js';

const K0 = key(0);

function surrogateOf(v: Nested | undefined, where: string): Surrogate {
  const s = rec(v, `${where}.surrogate`);
  if (s['spiking'] !== true) throw new UnknownCaseError(`${where}: surrogate spiking ${JSON.stringify(s['spiking'])}`);
  const alpha = num(s, 'alpha', where);
  if (s['name'] === 'Sigmoid') return sigmoid(alpha);
  if (s['name'] === 'ATan') return atan(alpha);
  throw new UnknownCaseError(`${where}: surrogate ${JSON.stringify(s['name'])}`);
}

const vResetOf = (m: Record<string, Nested>, where: string): number | null => {
  const v = field(m, 'v_reset', where);
  if (v !== null && typeof v !== 'number') throw new UnknownCaseError(`${where}: v_reset ${JSON.stringify(v)}`);
  return v;
};

const pairOf = (v: Nested | undefined, dflt: number): number | [number, number] => {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2) return [v[0] as number, v[1] as number];
  throw new UnknownCaseError(`not a size: ${JSON.stringify(v)}`);
};

/** A PyTorch / SpikingJelly module description → a spikefn layer, and which of its tensors are state. */
function moduleOf(m: Record<string, Nested>, where: string): { readonly layer: AnyLayer; readonly stateKeys: Record<string, string> } {
  const type = field(m, 'type', where);
  const known = (keys: readonly string[]): void => onlyKeys(m, ['type', ...keys], where);
  switch (type) {
    case 'Linear':
      known(['in_features', 'out_features', 'bias']);
      return {
        layer: linear({ inFeatures: num(m, 'in_features', where), outFeatures: num(m, 'out_features', where), bias: m['bias'] !== false }),
        stateKeys: {},
      };
    case 'Conv2d':
      known(['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'bias']);
      return {
        layer: conv2d({
          inChannels: num(m, 'in_channels', where),
          outChannels: num(m, 'out_channels', where),
          kernelSize: pairOf(m['kernel_size'], 1),
          stride: pairOf(m['stride'], 1),
          padding: pairOf(m['padding'], 0),
          bias: m['bias'] !== false,
        }),
        stateKeys: {},
      };
    case 'BatchNorm1d':
    case 'BatchNorm2d': {
      known(['num_features', 'eps', 'momentum']);
      const config = { numFeatures: num(m, 'num_features', where), eps: optNum(m, 'eps', 1e-5), momentum: optNum(m, 'momentum', 0.1) };
      return {
        layer: type === 'BatchNorm1d' ? batchNorm1d(config) : batchNorm2d(config),
        stateKeys: { running_mean: 'runningMean', running_var: 'runningVar' },
      };
    }
    case 'Flatten':
      known([]);
      return { layer: flatten(), stateKeys: {} };
    case 'IFNode':
      known(['v_threshold', 'v_reset', 'surrogate']);
      return {
        layer: ifNode({
          vThreshold: num(m, 'v_threshold', where),
          vReset: vResetOf(m, where),
          surrogate: surrogateOf(m['surrogate'], where),
        }),
        stateKeys: {},
      };
    case 'LIFNode':
      known(['tau', 'v_threshold', 'v_reset', 'surrogate']);
      return {
        layer: lifNode({
          tau: num(m, 'tau', where),
          vThreshold: num(m, 'v_threshold', where),
          vReset: vResetOf(m, where),
          surrogate: surrogateOf(m['surrogate'], where),
        }),
        stateKeys: {},
      };
    default:
      throw new UnknownCaseError(`${where}: module type ${JSON.stringify(type)}`);
  }
}

const paramNames: Record<string, string> = { weight: 'weight', bias: 'bias' };

type Loaded = {
  readonly params: Record<string, Record<string, tf.Tensor>>;
  readonly stateOverrides: Record<string, Record<string, tf.Tensor>>;
  readonly gradKeys: string[];
};

/** Splits a container state_dict into per-member params and state overrides. */
function loadStateDict(c: FixtureCase, mods: ReturnType<typeof moduleOf>[], init: Record<string, Tree>): Loaded {
  const params: Record<string, Record<string, tf.Tensor>> = {};
  const stateOverrides: Record<string, Record<string, tf.Tensor>> = {};
  mods.forEach((_, i) => {
    params[`m${i}`] = { ...(init[`m${i}`] as Record<string, tf.Tensor>) };
  });
  const gradKeys: string[] = [];
  for (const k of Object.keys(c.params)) {
    const [idx, name] = k.split('.') as [string, string];
    const mod = mods[Number(idx)];
    if (mod === undefined || name === undefined) throw new UnknownCaseError(`${c.id}: param ${k}`);
    const member = `m${idx}`;
    if (name === 'num_batches_tracked') continue; // spikefn keeps no counter (momentum is fixed)
    const stateName = mod.stateKeys[name];
    if (stateName !== undefined) {
      stateOverrides[member] = { ...(stateOverrides[member] ?? {}), [stateName]: ten(c.params, k, c.id) };
      continue;
    }
    const pName = paramNames[name];
    if (pName === undefined || (params[member] as Record<string, tf.Tensor>)[pName] === undefined)
      throw new UnknownCaseError(`${c.id}: param ${k}`);
    (params[member] as Record<string, tf.Tensor>)[pName] = ten(c.params, k, c.id);
    gradKeys.push(k);
  }
  return { params, stateOverrides, gradKeys };
}

function containerCase(c: FixtureCase, wrap: 'multiStep' | 'seqToANN'): void {
  onlyKeys(c.outputs, ['y_seq', 'state_after'], c.id);
  const want = wrap === 'multiStep' ? 'MultiStepContainer' : 'SeqToANNContainer';
  check(field(c.config, 'container', c.id) === want, `container ${want}`);
  const modsDesc = field(c.config, 'modules', c.id) as Record<string, Nested>[];
  const mods = modsDesc.map((m, i) => moduleOf(m, `${c.id}.modules[${i}]`));
  const net = sequential(Object.fromEntries(mods.map((m, i) => [`m${i}`, m.layer])));
  const layer = wrap === 'multiStep' ? multiStep(net) : seqToANN(net);
  const init = layer.init(K0) as Record<string, Tree>;
  const { params, stateOverrides, gradKeys } = loadStateDict(c, mods, init);
  const mode = field(c.config, 'mode', c.id);
  if (mode !== 'eval' && mode !== 'train') throw new UnknownCaseError(`${c.id}: mode ${JSON.stringify(mode)}`);
  const ctx: Ctx = { training: mode === 'train', key: K0 };
  const xs = ten(c.inputs, 'x_seq', c.id);
  const outShape = layer.outputShape(params as never, xs.shape);
  check(outShape.join() === (field(c.config, 'output_shape', c.id) as number[]).join(), `outputShape [${outShape}]`);
  const state0 = (): Record<string, Tree> => {
    const s = layer.initialState(params as never, xs.shape, K0) as Record<string, Tree>;
    return Object.fromEntries(
      Object.entries(s).map(([name, st]) => [
        name,
        stateOverrides[name] !== undefined ? { ...(st as Record<string, tf.Tensor>), ...stateOverrides[name] } : st,
      ]),
    );
  };
  const run = (p: Record<string, Record<string, tf.Tensor>>, x: tf.Tensor): [Record<string, Tree>, tf.Tensor] =>
    layer.step(p as never, state0() as never, x, ctx) as [Record<string, Tree>, tf.Tensor];
  const [sT, ys] = run(params, xs);
  close('y_seq', ys, field(c.outputs, 'y_seq', c.id));
  const after = c.outputs['state_after'];
  if (after !== undefined) {
    for (const [k, v] of Object.entries(rec(after, `${c.id}.state_after`))) {
      const [idx, name] = k.split('.') as [string, string];
      const member = `m${idx}`;
      const mod = mods[Number(idx)];
      if (mod === undefined) throw new UnknownCaseError(`${c.id}: state_after ${k}`);
      if (name === 'num_batches_tracked') {
        // T updates (multiStep) or one (seqToANN): the running statistics below pin the same count.
        check(v === (wrap === 'multiStep' ? (xs.shape[0] as number) : 1), `${k} = ${JSON.stringify(v)}`);
        continue;
      }
      const stateName = mod.stateKeys[name];
      const got =
        stateName !== undefined
          ? (sT[member] as Record<string, tf.Tensor>)[stateName]
          : (params[member] as Record<string, tf.Tensor>)[paramNames[name] ?? ''];
      if (got === undefined) throw new UnknownCaseError(`${c.id}: state_after ${k}`);
      close(`state_after.${k}`, got, v);
    }
  }
  if (c.grads === undefined) return;
  onlyKeys(c.grads, ['x_seq', ...gradKeys], c.id);
  const g = ten(c.inputs, 'g', c.id);
  const leavesOf = gradKeys.map((k) => {
    const [idx, name] = k.split('.') as [string, string];
    return [`m${idx}`, paramNames[name] as string] as const;
  });
  const grads = tf.grads((x: tf.Tensor, ...ps: tf.Tensor[]) => {
    const p = Object.fromEntries(Object.entries(params).map(([m, r]) => [m, { ...r }]));
    leavesOf.forEach(([m, n], i) => {
      (p[m] as Record<string, tf.Tensor>)[n] = ps[i] as tf.Tensor;
    });
    return dot(run(p, x)[1], g);
  })([xs, ...leavesOf.map(([m, n]) => (params[m] as Record<string, tf.Tensor>)[n] as tf.Tensor)]);
  close('grads.x_seq', grads[0] as tf.Tensor, field(c.grads, 'x_seq', c.id), 'grad');
  gradKeys.forEach((k, i) => {
    close(`grads.${k}`, grads[i + 1] as tf.Tensor, field(c.grads, k, c.id), 'grad');
  });
}

register('multistep_container', (c) => containerCase(c, 'multiStep'));
register('seq_to_ann_container', (c) => containerCase(c, 'seqToANN'));

// ---------------------------------------------------------------- ElementWiseRecurrentContainer

const elementWiseFunctions: Record<string, ElementWise> = {
  'a + b': (a, b) => tf.add(a, b),
  '2*a + b': (a, b) => tf.add(tf.mul(a, 2), b),
};

register('elementwise_recurrent_container', (c) => {
  onlyKeys(c.outputs, ['y_seq', 'sub_v_seq'], c.id);
  onlyKeys(c.grads, ['x_seq'], c.id);
  const sub = rec(field(c.config, 'sub_module', c.id), `${c.id}.sub_module`);
  if (field(sub, 'type', c.id) !== 'IFNode') throw new UnknownCaseError(`${c.id}: sub_module ${JSON.stringify(sub['type'])}`);
  const fName = field(c.config, 'element_wise_function', c.id) as string;
  const f = elementWiseFunctions[fName];
  if (f === undefined) throw new UnknownCaseError(`${c.id}: element_wise_function ${fName}`);
  // SpikingJelly's code calls f(y[t-1], x[t]); spikefn's elementWiseRecurrent passes (yPrev, x) in that order.
  check(String(field(c.config, 'call_convention', c.id)).includes('f(y[t-1], x[t])'), 'call convention f(y[t-1], x[t])');
  const node = moduleOf(sub, `${c.id}.sub_module`).layer;
  const layer = elementWiseRecurrent(node, f);
  const xs = ten(c.inputs, 'x_seq', c.id);
  const run = (x: tf.Tensor): { y: tf.Tensor; v: tf.Tensor } => {
    const s0 = layer.initialState({}, x.shape.slice(1), K0);
    return scan(
      (s, xt, k) => {
        const [s2, y] = layer.step({}, s, xt, { training: false, key: k });
        return [s2, { y, v: (s2.inner as { v: tf.Tensor }).v }];
      },
      s0,
      x,
      K0,
    )[1];
  };
  const out = run(xs);
  close('y_seq', out.y, field(c.outputs, 'y_seq', c.id), 'exact');
  close('sub_v_seq', out.v, field(c.outputs, 'sub_v_seq', c.id));
  const g = ten(c.inputs, 'g', c.id);
  close('grads.x_seq', tf.grad((x: tf.Tensor) => dot(run(x).y, g))(xs), field(c.grads, 'x_seq', c.id), 'grad');
});

// ---------------------------------------------------------------- LinearRecurrentContainer

register('linear_recurrent_container', (c) => {
  onlyKeys(c.outputs, ['y_seq', 'lif_v_seq'], c.id);
  const inF = num(c.config, 'in_features', c.id);
  const outF = num(c.config, 'out_features', c.id);
  const bias = field(c.config, 'bias', c.id) === true;
  const sub = rec(field(c.config, 'sub_module', c.id), `${c.id}.sub_module`);
  if (field(sub, 'type', c.id) !== 'Sequential') throw new UnknownCaseError(`${c.id}: sub_module type`);
  const parts = (field(sub, 'layers', c.id) as Record<string, Nested>[]).map((m, i) => moduleOf(m, `${c.id}.sub_module.layers[${i}]`));
  if (parts.length !== 2) throw new UnknownCaseError(`${c.id}: sub_module of ${parts.length} layers`);
  const inner = sequential({ m0: (parts[0] as { layer: AnyLayer }).layer, m1: (parts[1] as { layer: AnyLayer }).layer });
  const layer = linearRecurrent(inner, inF, outF, bias);
  const known = ['rc.weight', 'rc.bias', 'sub_module.0.weight', 'sub_module.0.bias'];
  onlyKeys(c.params, known, c.id);
  onlyKeys(c.grads, ['x_seq', ...known], c.id);
  const xs = ten(c.inputs, 'x_seq', c.id);
  const g = ten(c.inputs, 'g', c.id);
  const names = Object.keys(c.params);
  const build = (ts: readonly tf.Tensor[]): Tree => {
    const get = (n: string): tf.Tensor | undefined => {
      const i = names.indexOf(n);
      return i < 0 ? undefined : ts[i];
    };
    const rcW = get('rc.weight') as tf.Tensor;
    const rcB = get('rc.bias');
    const fcB = get('sub_module.0.bias');
    const fc =
      fcB === undefined
        ? { weight: get('sub_module.0.weight') as tf.Tensor }
        : { weight: get('sub_module.0.weight') as tf.Tensor, bias: fcB };
    return { rc: rcB === undefined ? { weight: rcW } : { weight: rcW, bias: rcB }, inner: { m0: fc, m1: {} } };
  };
  check(bias === names.includes('rc.bias'), 'rc.bias present iff bias');
  const loaded = names.map((n) => ten(c.params, n, c.id));
  const run = (x: tf.Tensor, p: Tree): { y: tf.Tensor; v: tf.Tensor } => {
    const s0 = layer.initialState(p as never, x.shape.slice(1), K0);
    return scan(
      (s, xt, k) => {
        const [s2, y] = layer.step(p as never, s, xt, { training: false, key: k });
        return [s2, { y, v: ((s2.inner as Record<string, Tree>)['m1'] as { v: tf.Tensor }).v }];
      },
      s0,
      x,
      K0,
    )[1];
  };
  const out = run(xs, build(loaded));
  close('y_seq', out.y, field(c.outputs, 'y_seq', c.id), 'exact');
  close('lif_v_seq', out.v, field(c.outputs, 'lif_v_seq', c.id));
  const grads = tf.grads((x: tf.Tensor, ...ps: tf.Tensor[]) => dot(run(x, build(ps)).y, g))([xs, ...loaded]);
  close('grads.x_seq', grads[0] as tf.Tensor, field(c.grads, 'x_seq', c.id), 'grad');
  names.forEach((n, i) => {
    close(`grads.${n}`, grads[i + 1] as tf.Tensor, field(c.grads, n, c.id), 'grad');
  });
});
