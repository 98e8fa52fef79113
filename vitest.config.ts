import { defineConfig } from 'vitest/config';

// Tests run against source (TypeScript, no build step). Two cores: at most two test files at once.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'docs/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['./tools/vitest.setup.ts'],
  },
});
