/**
 * Parity handler for the seed's STDPLearner: the legacy rule (`legacyStdpStep`) reproduces every recorded trace and
 * weight; the descriptive `batched_spikes_unsupported` case is checked for what it states: the legacy rule rejects
 * batched spikes with an error naming the argument, while the trace-based rule (`stdpLinearStep`) accepts them.
 */
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { legacyStdpStep, stdpInitialTraces, stdpLinearStep, type WeightFn } from '@spikefn/learning';
import type { Nested } from '../fixtures.js';
import { register, UnknownCaseError } from '../registry.js';
import { check, close, field, num, onlyKeys, rec, ten } from './seed-helpers.js';

const functionPairs: Record<string, readonly [WeightFn, WeightFn]> = {
  'abs_plus_0.1': [(w) => tf.add(tf.abs(w), 0.1), (w) => tf.neg(tf.add(tf.abs(w), 0.1))],
  soft_bound: [(w) => tf.sub(1, w), (w) => tf.neg(w)],
  constant: [(w) => tf.onesLike(w), (w) => tf.neg(tf.onesLike(w))],
};

register('stdp_learner', (c) => {
  if (c.id === 'batched_spikes_unsupported') {
    const inF = num(c.config, 'in_features', c.id);
    const outF = num(c.config, 'out_features', c.id);
    const pres = rec(field(c.config, 's_pre_shapes_tried', c.id), c.id);
    const posts = rec(field(c.config, 's_post_shapes_tried', c.id), c.id);
    const props = c.properties ?? {};
    for (const [name, preShape] of Object.entries(pres)) {
      check(typeof props[name] === 'string' && String(props[name]).includes('must match'), `${name}: the library failed`);
      const postShape = field(posts, name, c.id) as number[];
      const sPre = tf.ones(preShape as number[]);
      const sPost = tf.ones(postShape);
      const w = tf.fill([outF, inF], 0.5);
      const traces = stdpInitialTraces(sPre.shape, sPost.shape);
      let err: unknown = null;
      try {
        legacyStdpStep(
          { tauPre: 2, tauPost: 2, lr: 0.1, fPre: (x) => tf.onesLike(x), fPost: (x) => tf.onesLike(x) },
          traces,
          w,
          sPre,
          sPost,
        );
      } catch (e) {
        err = e;
      }
      check(
        err instanceof SpikefnArgumentError && err.argument === 'sPre' && /batch/.test(err.message),
        `${name}: legacyStdpStep rejects batched spikes naming sPre (got ${String(err)})`,
      );
      const [t2, w2] = stdpLinearStep({ tauPre: 2, tauPost: 2, lr: 0.1 }, traces, w, sPre, sPost);
      check(
        w2.shape.join() === w.shape.join() && t2.pre.shape.join() === sPre.shape.join(),
        `${name}: stdpLinearStep accepts batched spikes`,
      );
    }
    for (const name of Object.keys(props)) if (!(name in pres)) throw new UnknownCaseError(`${c.id}: property ${name}`);
    return;
  }
  onlyKeys(c.outputs, ['trace_pre_seq', 'trace_post_seq', 'weight_seq'], c.id);
  if (!String(field(c.config, 'module', c.id)).startsWith('nn.Linear')) throw new UnknownCaseError(`${c.id}: module`);
  const fns = functionPairs[field(c.config, 'functions', c.id) as string];
  if (fns === undefined) throw new UnknownCaseError(`${c.id}: functions ${JSON.stringify(c.config['functions'])}`);
  const config = {
    tauPre: num(c.config, 'tau_pre', c.id),
    tauPost: num(c.config, 'tau_post', c.id),
    lr: num(c.config, 'learning_rate', c.id),
    fPre: fns[0],
    fPost: fns[1],
  };
  const sPre = tf.unstack(ten(c.inputs, 's_pre_seq', c.id));
  const sPost = tf.unstack(ten(c.inputs, 's_post_seq', c.id));
  let w = ten(c.params, 'weight_init', c.id);
  let traces = stdpInitialTraces(sPre[0]?.shape ?? [], sPost[0]?.shape ?? []);
  const want = (name: string, t: number): Nested => (field(c.outputs, name, c.id) as Nested[])[t] as Nested;
  sPre.forEach((s, t) => {
    [traces, w] = legacyStdpStep(config, traces, w, s, sPost[t] as tf.Tensor);
    close(`trace_pre[${t}]`, traces.pre, want('trace_pre_seq', t));
    close(`trace_post[${t}]`, traces.post, want('trace_post_seq', t));
    close(`weight[${t}]`, w, want('weight_seq', t));
  });
  check(sPre.length === num(c.config, 'T', c.id), 'T steps');
});
