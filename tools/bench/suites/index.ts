// Every benchmark suite. Add one line per suite file.
import type { BenchSuite } from '../suite.js';

export const suites: readonly BenchSuite[] = [];
