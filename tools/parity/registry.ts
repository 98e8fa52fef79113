/**
 * Which handler checks which fixture file. A file whose `fixture` name is not here fails the run (it is never
 * skipped); a handler throws {@link UnknownCaseError} for a case kind it does not know.
 */
import type { FixtureCase } from './fixtures.js';

/** Checks one case synchronously (the runner wraps it in `tf.tidy`); throws, naming what differed, when it does not match. */
export type CaseHandler = (c: FixtureCase) => void;

/** A handler for a case it cannot interpret: the run fails with this message. */
export class UnknownCaseError extends Error {
  override readonly name = 'UnknownCaseError';
}

const handlers = new Map<string, CaseHandler>();

/** Registers the handler of a fixture name (`'neuron_if'`). */
export function register(fixture: string, handler: CaseHandler): void {
  handlers.set(fixture, handler);
}

/** The handler of a fixture name, if any. */
export const handlerFor = (fixture: string): CaseHandler | undefined => handlers.get(fixture);

/** Every registered fixture name. */
export const knownFixtures = (): string[] => [...handlers.keys()].sort();
