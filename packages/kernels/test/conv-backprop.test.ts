// Conv2DBackpropFilter / Conv2DBackpropInput: spikefn's kernels against tfjs's
// own. On cpu the reference is the stock cpu kernel; on wasm it is also the
// stock cpu kernel (wasm has no stock Conv2DBackpropFilter). The stock kernels
// ignore dilations, so with dilation d the reference runs on the filter dilated
// by hand (zeros inserted), which is the same convolution.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, initBackends, randomArray, runKernel, size, use, withTuning } from './helpers.js';
import type { Backend } from './helpers.js';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];
type Pad = 'same' | 'valid' | number | Explicit;

interface Case {
  n: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  fH: number;
  fW: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  rounding: 'floor' | 'ceil' | 'round' | undefined;
  format: 'NHWC' | 'NCHW';
  seed: number;
}

const padArb = (format: 'NHWC' | 'NCHW'): fc.Arbitrary<Pad> =>
  fc.oneof(
    fc.constant<Pad>('same'),
    fc.constant<Pad>('valid'),
    fc.integer({ min: 0, max: 2 }),
    fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(
      ([t, b, l, r]): Pad =>
        format === 'NHWC'
          ? [
              [0, 0],
              [t, b],
              [l, r],
              [0, 0],
            ]
          : [
              [0, 0],
              [0, 0],
              [t, b],
              [l, r],
            ],
    ),
  );

const caseArb = (formats: ReadonlyArray<'NHWC' | 'NCHW'>): fc.Arbitrary<Case> =>
  fc.constantFrom(...formats).chain((format) =>
    fc.record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 8 }),
      w: fc.integer({ min: 1, max: 8 }),
      inC: fc.integer({ min: 1, max: 4 }),
      outC: fc.integer({ min: 1, max: 5 }),
      fH: fc.integer({ min: 1, max: 3 }),
      fW: fc.integer({ min: 1, max: 3 }),
      strides: fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2)),
      dilations: fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2)),
      pad: padArb(format),
      rounding: fc.constantFrom<Case['rounding']>(undefined, 'floor', 'ceil', 'round'),
      format: fc.constant(format),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    }),
  );

/** Shapes of x, dy and the filter, or undefined when the convolution is empty/invalid. */
function shapes(c: Case): { x: number[]; dy: number[]; filter: number[]; rounding: Case['rounding'] } | undefined {
  const x = c.format === 'NHWC' ? [c.n, c.h, c.w, c.inC] : [c.n, c.inC, c.h, c.w];
  const filter = [c.fH, c.fW, c.inC, c.outC];
  const rounding = typeof c.pad === 'number' ? c.rounding : undefined;
  try {
    const info = tf.backend_util.computeConv2DInfo(
      x as [number, number, number, number],
      filter as [number, number, number, number],
      c.strides,
      c.dilations,
      c.pad,
      rounding,
      false,
      c.format === 'NHWC' ? 'channelsLast' : 'channelsFirst',
    );
    if (!(info.outHeight > 0 && info.outWidth > 0)) return undefined;
    return { x, dy: info.outShape.slice(), filter, rounding };
  } catch {
    return undefined;
  }
}

function baseAttrs(c: Case, rounding: Case['rounding']): tf.NamedAttrMap {
  const a: tf.NamedAttrMap = { strides: c.strides, pad: c.pad, dataFormat: c.format };
  if (rounding !== undefined) a['dimRoundingMode'] = rounding;
  return a;
}

/** The filter with (d − 1) zeros between taps: the dilation-1 filter of the same convolution. */
function dilateFilter(f: Float32Array, c: Case): { data: Float32Array; shape: number[] } {
  const [dH, dW] = c.dilations;
  const eH = (c.fH - 1) * dH + 1;
  const eW = (c.fW - 1) * dW + 1;
  const inner = c.inC * c.outC;
  const out = new Float32Array(eH * eW * inner);
  for (let fh = 0; fh < c.fH; fh++) {
    for (let fw = 0; fw < c.fW; fw++) {
      out.set(f.subarray((fh * c.fW + fw) * inner, (fh * c.fW + fw + 1) * inner), (fh * dH * eW + fw * dW) * inner);
    }
  }
  return { data: out, shape: [eH, eW, c.inC, c.outC] };
}

/** Picks the taps of a dilated filter gradient back out. */
function undilateFilter(g: Float32Array, c: Case): Float32Array {
  const [dH, dW] = c.dilations;
  const eW = (c.fW - 1) * dW + 1;
  const inner = c.inC * c.outC;
  const out = new Float32Array(c.fH * c.fW * inner);
  for (let fh = 0; fh < c.fH; fh++) {
    for (let fw = 0; fw < c.fW; fw++) {
      out.set(g.subarray((fh * dH * eW + fw * dW) * inner, (fh * dH * eW + fw * dW + 1) * inner), (fh * c.fW + fw) * inner);
    }
  }
  return out;
}

const dilated = (c: Case): boolean => c.dilations[0] !== 1 || c.dilations[1] !== 1;

async function filterGradReference(
  c: Case,
  s: NonNullable<ReturnType<typeof shapes>>,
  x: Float32Array,
  dy: Float32Array,
): Promise<{ values: Float32Array; shape: number[] }> {
  const attrs = baseAttrs(c, s.rounding);
  if (!dilated(c)) {
    return runKernel(
      'cpu',
      'stock',
      'Conv2DBackpropFilter',
      { x: { data: x, shape: s.x }, dy: { data: dy, shape: s.dy } },
      { ...attrs, filterShape: s.filter },
    );
  }
  const eShape = dilateFilter(new Float32Array(size(s.filter)), c).shape;
  const r = await runKernel(
    'cpu',
    'stock',
    'Conv2DBackpropFilter',
    { x: { data: x, shape: s.x }, dy: { data: dy, shape: s.dy } },
    { ...attrs, filterShape: eShape },
  );
  return { values: undilateFilter(r.values, c), shape: s.filter };
}

async function inputGradReference(
  c: Case,
  s: NonNullable<ReturnType<typeof shapes>>,
  dy: Float32Array,
  filter: Float32Array,
): Promise<{ values: Float32Array; shape: number[] }> {
  const attrs = { ...baseAttrs(c, s.rounding), inputShape: s.x };
  const f = dilated(c) ? dilateFilter(filter, c) : { data: filter, shape: s.filter };
  return runKernel('cpu', 'stock', 'Conv2DBackpropInput', { dy: { data: dy, shape: s.dy }, filter: f }, attrs);
}

function withDilations(c: Case, attrs: tf.NamedAttrMap): tf.NamedAttrMap {
  return dilated(c) ? { ...attrs, dilations: c.dilations } : attrs;
}

const blockArb = fc.constantFrom(1, 40, 1 << 20);

beforeAll(initBackends);

describe.each<[Backend, ReadonlyArray<'NHWC' | 'NCHW'>]>([
  ['cpu', ['NHWC', 'NCHW']],
  ['wasm', ['NHWC', 'NCHW']],
])('spikefn kernels on %s', (backend, formats) => {
  it('Conv2DBackpropFilter equals tfjs (strides 1/2, same/valid/numeric/explicit pads, dilations 1/2; wasm: conv and im2col paths)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(formats), blockArb, fc.boolean(), async (c, block, asConv) => {
        const s = shapes(c);
        fc.pre(s !== undefined);
        if (s === undefined) return;
        const x = randomArray(size(s.x), c.seed);
        const dy = randomArray(size(s.dy), c.seed + 1);
        const want = await filterGradReference(c, s, x, dy);
        const got = await withTuning(
          { cpuBlockElements: block, wasmBlockElements: block, wasmFilterConvMinChannels: asConv ? 1 : Infinity },
          () =>
            runKernel(
              backend,
              'spikefn',
              'Conv2DBackpropFilter',
              { x: { data: x, shape: s.x }, dy: { data: dy, shape: s.dy } },
              withDilations(c, { ...baseAttrs(c, s.rounding), filterShape: s.filter }),
            ),
        );
        expectClose(got, want, `Conv2DBackpropFilter ${backend} ${JSON.stringify(c)} block ${block} asConv ${asConv}`);
      }),
      { numRuns: 60 },
    );
  });

  it('Conv2DBackpropInput equals tfjs (both wasm paths: flipped conv and matmul + col2im)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(formats), blockArb, fc.constantFrom(1, 1000), async (c, block, flipMin) => {
        const s = shapes(c);
        fc.pre(s !== undefined);
        if (s === undefined) return;
        const dy = randomArray(size(s.dy), c.seed);
        const filter = randomArray(size(s.filter), c.seed + 1);
        const want = await inputGradReference(c, s, dy, filter);
        const got = await withTuning({ cpuBlockElements: block, wasmBlockElements: block, flippedConvMinChannels: flipMin }, () =>
          runKernel(
            backend,
            'spikefn',
            'Conv2DBackpropInput',
            { dy: { data: dy, shape: s.dy }, filter: { data: filter, shape: s.filter } },
            withDilations(c, { ...baseAttrs(c, s.rounding), inputShape: s.x }),
          ),
        );
        expectClose(got, want, `Conv2DBackpropInput ${backend} ${JSON.stringify(c)} block ${block} flipMin ${flipMin}`);
      }),
      { numRuns: 60 },
    );
  });

  it('conv gradients through tf.grads equal the stock cpu ones (3x3 8->8 "same" on [2, 6, 6, 8])', async () => {
    const xs = [2, 6, 6, 8] as [number, number, number, number];
    const fs = [3, 3, 8, 8] as [number, number, number, number];
    const xv = randomArray(size(xs), 11);
    const wv = randomArray(size(fs), 12);
    const grads = async (b: Backend, mode: 'stock' | 'spikefn'): Promise<Float32Array[]> => {
      await use(b, mode);
      return tf.tidy(() => {
        const f = (x: tf.Tensor, w: tf.Tensor): tf.Scalar =>
          tf.sum(
            tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')),
          );
        const [gx, gw] = tf.grads(f)([tf.tensor4d(xv, xs), tf.tensor4d(wv, fs)]);
        return [Float32Array.from(gx!.dataSync()), Float32Array.from(gw!.dataSync())];
      });
    };
    const want = await grads('cpu', 'stock');
    const got = await grads(backend, 'spikefn');
    expectClose({ values: got[0]!, shape: xs }, { values: want[0]!, shape: xs }, 'dx');
    expectClose({ values: got[1]!, shape: fs }, { values: want[1]!, shape: fs }, 'dW');
    expect(got.length).toBe(2);
  });
});
