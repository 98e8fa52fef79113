/**
 * Gradient checkpointing for {@link scan} (`options.checkpointEvery = k`): backpropagation through time in memory
 * that grows with T/k instead of T (Chen et al., "Training Deep Nets with Sublinear Memory Cost", 2016; Griewank &
 * Walther, "Algorithm 799: revolve", ACM TOMS 2000; `jax.checkpoint`):
 *
 *   segments j = 0, 1, …:  [s_{(j+1)k}, ys[jk, (j+1)k)] = scan(f, s_{jk}, xs[jk, (j+1)k), key, { t0: t₀ + jk })
 *
 * Each segment is one `tf.customGrad` op. Its forward runs the segment's steps without a tape (a custom op's forward
 * is not recorded) and saves only its input carry and its slice of xs; its gradient runs the segment's forward again
 * with a tape, from the saved carry, and backpropagates the segment's cotangents through it. Memory held for the
 * backward pass: the T/k saved carries, xs and the outputs, instead of every step's intermediates; the backward pass
 * adds one segment's intermediates at a time. Values are those of the plain scan; gradients equal them up to the
 * order of floating-point sums.
 *
 * What `tf.customGrad` imposes (tfjs 4.22):
 * - its inputs must be tensors and its output one tensor: the carry leaves and the segment's xs are its inputs, and
 *   the float32 leaves of `[carry', ys]` are packed into one 1-D tensor, unpacked by one small custom op per leaf
 *   (their gradients pad the cotangent back; they save nothing, so unpacking holds no second copy of the outputs);
 * - gradients reach only its inputs: tensors that the body closes over (a layer's params) reach the gradient only
 *   when listed in `options.params`, and they must still be alive when the gradient is computed (the params given to
 *   `valueAndGradTree` are; a tensor derived from them outside the body and disposed after the forward pass is not:
 *   derive it inside the body);
 * - the recomputation calls `tf.engine().gradients` while the outer gradient is being computed, which resets the
 *   engine's active tape when it starts and clears it when it ends: the outer tape is put back afterwards.
 *
 * The body runs twice per step (forward and recomputation) with the same carry, input, key and step index: it must be
 * a function of those (spikefn's layers are; host-side effects such as logging happen twice).
 *
 * @category time
 */
import * as tf from './tf.js';
import { leaves, unflatten, type Tree } from './tree.js';
import { SpikefnArgumentError } from './validate.js';

/** The plain scan over one segment: `[carry', ys]` from `carry`, the segment's `xs` and its first step index. */
export type SegmentRun<S extends Tree, Y extends Tree> = (carry: S, xs: tf.Tensor, t0: number) => [S, Y];

const isFloat = (t: tf.Tensor): boolean => t.dtype === 'float32';

/** `tf.customGrad` typed for a list of tensor inputs and a save function. */
type CustomFn = (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};
const custom = (f: CustomFn): ((...args: tf.Tensor[]) => tf.Tensor) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

/** Leaf `[offset, offset + size)` of a packed 1-D tensor, reshaped; its gradient pads the cotangent back. Saves nothing. */
function unpackLeaf(packed: tf.Tensor, offset: number, shape: readonly number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const total = packed.shape[0] as number;
  return custom((p) => ({
    value: tf.reshape(tf.slice(p as tf.Tensor, [offset], [size]), [...shape]),
    gradFunc: (dy) => tf.pad(tf.reshape(dy, [size]), [[offset, total - offset - size]]),
  }))(packed);
}

/** Concatenation on axis 0 whose gradient splits the cotangent (tfjs's `concat` saves its inputs; this does not). */
function concat0(parts: readonly tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return tf.clone(parts[0] as tf.Tensor);
  if (!parts.every(isFloat)) return tf.concat([...parts], 0);
  const sizes = parts.map((p) => p.shape[0] as number);
  return custom((...ps) => ({
    value: tf.concat(ps.slice(0, parts.length) as tf.Tensor[], 0),
    gradFunc: (dy) => tf.split(dy, sizes, 0),
  }))(...parts);
}

/** The float32 leaves of `out`, flattened and concatenated (a 0-length tensor where there are none). */
const pack = (out: readonly tf.Tensor[]): tf.Tensor => {
  const fs = out.filter(isFloat).map((t) => tf.reshape(t, [-1]));
  return fs.length === 0 ? tf.zeros([0]) : fs.length === 1 ? (fs[0] as tf.Tensor) : tf.concat(fs, 0);
};

/**
 * Runs the segments (see the file header); everything but the result is freed by a tf.tidy. `params`: the tensors
 * the body closes over that gradients must reach. The caller has checked `every` and that a tape is recording.
 */
export function checkpointedScan<S extends Tree, Y extends Tree>(
  run: SegmentRun<S, Y>,
  state0: S,
  xs: tf.Tensor,
  t0: number,
  every: number,
  params: Tree,
): [S, Y] {
  const T = xs.shape[0] as number;
  const sizes: number[] = [];
  for (let start = 0; start < T; start += every) sizes.push(Math.min(every, T - start));
  const paramLeaves = [...new Set(leaves(params))];
  const engine = tf.engine();

  return tf.tidy(() => {
    const initial = new Set(leaves(state0));
    // SplitV saves nothing for its gradient (Slice would keep xs).
    const chunks = sizes.length === 1 ? [xs] : tf.split(xs, sizes, 0);
    const segmentYs: Y[] = [];
    let state = state0;
    let start = 0;
    sizes.forEach((_, j) => {
      const chunk = chunks[j] as tf.Tensor;
      const stateIn = state;
      const carryIn = leaves(stateIn);
      const nc = carryIn.length;
      const segT0 = t0 + start;
      // Filled by the forward: the structure of [carry', ys] and its leaves (non-float ones kept, passed by closure).
      let structure: [S, Y] | undefined;
      let outLeaves: tf.Tensor[] = [];
      const segment = custom((...args) => {
        const save = args[args.length - 1] as tf.GradSaveFunc;
        const ins = args.slice(0, nc + 1) as tf.Tensor[];
        const out = run(unflatten(stateIn, ins.slice(0, nc)), ins[nc] as tf.Tensor, segT0);
        structure = out;
        // A clone kept through the op's tidy (keeping `t` itself could mark a tensor of the caller's as kept).
        outLeaves = leaves(out as unknown as Tree).map((t) => (isFloat(t) ? t : tf.keep(tf.clone(t))));
        save(ins);
        return {
          value: pack(outLeaves),
          gradFunc: (dy, saved) => recompute(dy, saved),
        };
      });
      const recompute = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
        tf.tidy(() => {
          for (const p of paramLeaves)
            if (p.isDisposed)
              throw new SpikefnArgumentError(
                'scan',
                'options.params',
                'tensors alive until the gradient is computed (checkpointEvery recomputes the steps in the backward pass)',
                `a disposed tensor of shape [${p.shape.join(', ')}]`,
              );
          const carry = saved.slice(0, nc);
          const chunkIn = saved[nc] as tf.Tensor;
          const inputs = [...carry, chunkIn, ...paramLeaves];
          const targets = inputs.filter(isFloat);
          // engine.gradients resets the active tape when it starts (the outer one is between its forward and
          // backward passes) and clears it when it ends: keep the outer tape.
          const outerTape = engine.state.activeTape;
          let grads: (tf.Tensor | undefined)[];
          try {
            grads = engine.gradients(
              () => pack(leaves(run(unflatten(stateIn, carry), chunkIn, segT0) as unknown as Tree)),
              targets,
              dy,
              true,
            ).grads as (tf.Tensor | undefined)[];
          } finally {
            engine.state.activeTape = outerTape;
          }
          const byTensor = new Map(targets.map((t, i) => [t, grads[i]]));
          return inputs.map((t) => byTensor.get(t) ?? tf.zeros(t.shape, 'float32'));
        });
      const packed = segment(...carryIn, chunk, ...paramLeaves);
      const [carryS, ysS] = structure as [S, Y];
      let offset = 0;
      const unpacked = outLeaves.map((t) => {
        if (!isFloat(t)) {
          // Back to an ordinary tensor, freed by the caller's tidy like any other (clones share the data).
          const c = tf.clone(t);
          t.dispose();
          return c;
        }
        const u = unpackLeaf(packed, offset, t.shape);
        offset += t.size;
        return u;
      });
      packed.dispose();
      const [next, ys] = unflatten([carryS, ysS] as unknown as Tree, unpacked) as unknown as [S, Y];
      // The previous carry and this chunk are saved by the segment (clones): free them now.
      const live = new Set(leaves(next));
      if (state !== state0) for (const t of leaves(state)) if (!initial.has(t) && !live.has(t)) t.dispose();
      if (chunk !== xs) chunk.dispose();
      segmentYs.push(ys);
      state = next;
      start += sizes[j] as number;
    });
    const first = segmentYs[0] as Y;
    const perSegment = segmentYs.map((y) => leaves(y));
    const stacked = leaves(first).map((_, i) => concat0(perSegment.map((ls) => ls[i] as tf.Tensor)));
    return [state, unflatten(first, stacked)] as unknown as tf.TensorContainer;
  }) as unknown as [S, Y];
}
