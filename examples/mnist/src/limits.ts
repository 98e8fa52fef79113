/**
 * What a backend can hold: the tensor memory of one training step of the example's network, estimated from the
 * config, against the backend's limit, so that `--time-steps 100000` is refused with the largest value that fits
 * instead of crashing inside wasm (`memory access out of bounds`).
 *
 * The estimate is linear in the sample-steps T·B (everything BPTT keeps scales with them):
 *
 *   bytes ≈ T · B · (c1 · k1 + c2 · k2),   k1 = 66 KiB (direct encoding) or 116 KiB (Poisson), k2 = 30 KiB
 *
 * measured with `tf.profile(...).peakBytes` of one `trainEpoch` batch on the cpu backend (T = 4, B = 8, channels
 * 16/32, 32/32 and 16/64, both encodings: 1.92, 2.93, 2.83 and 2.70 MiB per sample-step; the coefficients round those
 * up). The wasm backend's heap is at most 4 GiB (tfjs-backend-wasm's `maximum` memory); measured, channels 16/32,
 * B = 2: T = 1700 (6.6 GiB by this estimate) trained, T = 2600 (10 GiB) aborted with `memory access out of bounds`.
 * The limit for wasm is 4.5 GiB of estimate, a third below the largest that worked; other backends get half the
 * machine's memory.
 *
 * @category examples
 */
import { totalmem } from 'node:os';

/** The fields of a config that size a training step. @category examples */
export type StepSize = {
  readonly timeSteps: number;
  readonly batchSize: number;
  readonly channels: readonly [number, number];
  readonly encoding: 'direct' | 'poisson';
};

const KIB = 1024;
const GIB = 1024 ** 3;

/** Estimated bytes of tensors alive during one training step (see the file header). @category examples */
export function stepBytes(s: StepSize): number {
  const [c1, c2] = s.channels;
  return s.timeSteps * s.batchSize * (c1 * (s.encoding === 'direct' ? 66 : 116) * KIB + c2 * 30 * KIB);
}

/** The estimate a backend may reach: 4.5 GiB on wasm, half the machine's memory elsewhere. @category examples */
export function memoryLimit(backend: string): number {
  return backend === 'wasm' ? 4.5 * GIB : totalmem() / 2;
}

/** The largest number of time steps that fits at this batch size and these channels, or 0 if none does. @category examples */
export function maxTimeSteps(s: StepSize, backend: string): number {
  return Math.floor(memoryLimit(backend) / stepBytes({ ...s, timeSteps: 1 }));
}

/**
 * `undefined` if a training step fits the backend, else the reason and the fix, naming the limit.
 *
 * @category examples
 */
export function checkFits(s: StepSize, backend: string): { readonly reason: string; readonly fix: string } | undefined {
  const need = stepBytes(s);
  const limit = memoryLimit(backend);
  if (need <= limit) return undefined;
  const maxT = maxTimeSteps(s, backend);
  const gib = (b: number): string => `${(b / GIB).toFixed(1)} GiB`;
  return {
    reason:
      `--time-steps ${s.timeSteps} with --batch-size ${s.batchSize}, --channels ${s.channels.join(',')} and ${s.encoding} encoding ` +
      `needs about ${gib(need)} of tensors per training step; the ${backend} backend holds ${backend === 'wasm' ? 'at most 4 GiB (limit used: 4.5 GiB of this estimate)' : `about ${gib(limit)} here (half this machine's memory)`}`,
    fix:
      maxT >= 1
        ? `use --time-steps ${maxT} or fewer at this batch size and these channels (or a smaller --batch-size)`
        : 'use a smaller --batch-size or fewer --channels',
  };
}

/** The evaluation batch: up to 250 images, fewer if a forward pass of 250 would pass half the limit. @category examples */
export function evalBatchSize(s: StepSize, backend: string): number {
  return Math.max(1, Math.min(250, Math.floor(memoryLimit(backend) / 2 / stepBytes({ ...s, batchSize: 1 }))));
}
