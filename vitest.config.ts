import { defineConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';

// Tests run against the packages' TypeScript sources: the `@spikefn/source` condition of their export maps (the
// published entry points, `dist/`, are tested by `pnpm test:pack`). Two cores: at most two test files at once.
const conditions = ['@spikefn/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@spikefn/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'docs/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['./tools/vitest.setup.ts'],
  },
});
