/**
 * `tap(label, logger)` (`printShape` in `@spikefn/layers`): SpikingJelly's `PrintShapeModule`. A stateless layer that reports
 * `label` and the input's shape through an injectable logger and returns its input unchanged: `y = x`.
 *
 * @category combinators
 */
import { stateless, type Layer } from './layer.js';
import { empty, type Empty } from './tree.js';

/** Receives what a {@link tap} reports. Defaults to `console.log`. @category combinators */
export type Logger = (message: string, shape: readonly number[]) => void;

const defaultLogger: Logger = (message, shape) => console.log(message, shape);

/** Identity layer that logs `label` and the input shape on every step. @category combinators */
export function tap(label = 'PrintShapeModule', logger: Logger = defaultLogger): Layer<Empty, Empty> {
  return stateless({
    kind: 'tap',
    init: () => empty,
    outputShape: (_, inputShape) => inputShape,
    apply: (_, x) => {
      logger(label, x.shape);
      return x;
    },
  });
}
