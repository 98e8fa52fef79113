// The demo page: `pnpm --filter @spikefn/example-browser dev` (or `build` + `preview`). Served from 127.0.0.1.
import { defaultClientConditions, defineConfig } from 'vite';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Cross-origin isolation (COOP + COEP): the page gets SharedArrayBuffer, which tfjs-backend-wasm's threaded build
// needs; without these headers `setBackend('wasm')` runs single-threaded in the browser.
const crossOriginIsolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here,
  // spikefn's packages from their TypeScript sources (the `@spikefn/source` condition of their export maps).
  resolve: { conditions: ['@spikefn/source', ...defaultClientConditions] },
  base: './',
  publicDir: resolve(here, 'public'),
  server: { host: '127.0.0.1', headers: crossOriginIsolation, fs: { allow: [resolve(here, '../..')] } },
  // Scan only the page for dependencies to pre-bundle (not a leftover dist/).
  optimizeDeps: { entries: ['index.html'] },
  preview: { host: '127.0.0.1', headers: crossOriginIsolation },
  build: { outDir: resolve(here, 'dist'), target: 'es2022', chunkSizeWarningLimit: 4096 },
});
