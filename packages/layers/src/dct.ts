/**
 * `dct`: SpikingJelly's `layer.DCT`, a block discrete cosine transform (DCT-II, orthonormal; Ahmed, Natarajan &
 * Rao, "Discrete Cosine Transform", IEEE Trans. Computers 1974) on the last two axes, as used for frequency-domain
 * inputs to SNNs. With the k×k kernel
 *
 *   K[0][j] = √(1/k),   K[i][j] = √(2/k)·cos((j + ½)·π·i / k)   (i ≥ 1)
 *
 * the input `[*, H, W]` is cut into non-overlapping k×k blocks X_b and every block becomes `Y_b = K·X_b·Kᵀ`.
 * H and W must be multiples of k (an error naming the argument otherwise). K is orthonormal (K·Kᵀ = I), so the
 * transform preserves energy (Σ y² = Σ x²) and its inverse is the transpose: `X_b = Kᵀ·Y_b·K` ({@link inverseDct}).
 *
 * All blocks go through **one** matrix product: in row-major order `vec(K·X·Kᵀ) = (K ⊗ K)·vec(X)`, so the blocks,
 * laid out as rows of length k², are multiplied by `(K ⊗ K)ᵀ` at once (the seed loops over blocks). The kernel is
 * a constant computed in float64 and rounded once; the layer has no params and no state.
 *
 * @category layers
 */
import * as tf from '@spikefn/core/tf';
import {
  stateless,
  type Layer,
  emptyTree as empty,
  type EmptyTree as Empty,
  checkMinRank as minRank,
  checkPositiveInt as positiveInt,
  SpikefnArgumentError,
  type Shape,
} from '@spikefn/core';

/** Hyper-parameters of {@link dct}: the block size k. @category layers */
export type DctConfig = {
  /** k, the block size: blocks are k×k, and H and W must be multiples of k. */
  readonly kernelSize: number;
};

/** The orthonormal DCT-II matrix K (k×k, row-major, float64). @category layers */
export function dctMatrix(k: number): Float64Array {
  positiveInt('dctMatrix', 'k', k);
  const K = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) K[i * k + j] = Math.sqrt((i === 0 ? 1 : 2) / k) * Math.cos(((j + 0.5) * Math.PI * i) / k);
  return K;
}

/** `(K ⊗ K)ᵀ` (forward) or `K ⊗ K` (inverse), k²×k², as float32: the one matrix every block row is multiplied by. */
function blockOperator(k: number, inverse: boolean): Float32Array {
  const K = dctMatrix(k);
  const n = k * k;
  const M = new Float32Array(n * n);
  // forward: M[(u·k+v), (i·k+j)] = K[i][u]·K[j][v]; inverse: the transpose.
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      for (let u = 0; u < k; u++)
        for (let v = 0; v < k; v++) {
          const val = (K[i * k + u] as number) * (K[j * k + v] as number);
          if (inverse) M[(i * k + j) * n + (u * k + v)] = val;
          else M[(u * k + v) * n + (i * k + j)] = val;
        }
  return M;
}

/** Checks that `x` is `[*, H, W]` with H and W multiples of k. @category layers */
export function checkBlocks(fn: string, name: string, x: tf.Tensor | Shape, k: number): void {
  minRank(fn, name, x, 2, '[*, H, W]');
  const shape = 'shape' in x ? x.shape : x;
  const [h, w] = shape.slice(-2) as [number, number];
  if (h % k !== 0 || w % k !== 0) {
    throw new SpikefnArgumentError(
      fn,
      name,
      `height and width (the last two axes) divisible by kernelSize ${k}`,
      `shape [${shape.join(', ')}]`,
    );
  }
}

/** The block transform of `x: [*, H, W]` with `op` (a k²×k² row operator). Checks nothing. */
function blockTransform(x: tf.Tensor, k: number, op: Float32Array): tf.Tensor {
  const [h, w] = x.shape.slice(-2) as [number, number];
  const m = x.size / (h * w);
  const bh = h / k;
  const bw = w / k;
  const trivial = bh === 1 && bw === 1;
  const blocks = trivial
    ? tf.reshape(x, [m, k * k])
    : tf.reshape(tf.transpose(tf.reshape(x, [m, bh, k, bw, k]), [0, 1, 3, 2, 4]), [m * bh * bw, k * k]);
  // A copy of the cached operator: the cpu backend keeps the array it is given as the tensor's storage.
  const y = tf.matMul(blocks, tf.tensor2d(op.slice(), [k * k, k * k]));
  return trivial ? tf.reshape(y, x.shape) : tf.reshape(tf.transpose(tf.reshape(y, [m, bh, bw, k, k]), [0, 1, 3, 2, 4]), x.shape);
}

const operators = new Map<string, Float32Array>();
const operator = (k: number, inverse: boolean): Float32Array => {
  const id = `${k}:${inverse}`;
  let op = operators.get(id);
  if (op === undefined) {
    op = blockOperator(k, inverse);
    operators.set(id, op);
  }
  return op;
};

/** `K·X_b·Kᵀ` for every k×k block of `x: [*, H, W]`. Checks the block sizes. @category layers */
export function dctApply(x: tf.Tensor, kernelSize: number): tf.Tensor {
  positiveInt('dctApply', 'kernelSize', kernelSize);
  checkBlocks('dctApply', 'x', x, kernelSize);
  return tf.tidy(() => blockTransform(x, kernelSize, operator(kernelSize, false)));
}

/** The inverse block DCT, `Kᵀ·Y_b·K` for every block. Checks the block sizes. @category layers */
export function inverseDctApply(y: tf.Tensor, kernelSize: number): tf.Tensor {
  positiveInt('inverseDctApply', 'kernelSize', kernelSize);
  checkBlocks('inverseDctApply', 'y', y, kernelSize);
  return tf.tidy(() => blockTransform(y, kernelSize, operator(kernelSize, true)));
}

function blockLayer(kind: string, config: DctConfig, inverse: boolean): Layer<Empty, Empty> {
  const k = positiveInt(kind, 'kernelSize', config.kernelSize);
  return stateless({
    kind,
    init: () => empty,
    outputShape: (_, inputShape) => {
      checkBlocks(kind, 'inputShape', inputShape, k);
      return inputShape;
    },
    apply: (_, x) => {
      checkBlocks(kind, 'x', x, k);
      return blockTransform(x, k, operator(k, inverse));
    },
  });
}

/** The block-DCT layer `[*, H, W] → [*, H, W]`. @category layers */
export const dct = (config: DctConfig): Layer<Empty, Empty> => blockLayer('dct', config, false);

/** The inverse block-DCT layer (not in SpikingJelly): `Kᵀ·Y_b·K` per block. @category layers */
export const inverseDct = (config: DctConfig): Layer<Empty, Empty> => blockLayer('inverseDct', config, true);
