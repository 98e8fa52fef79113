// Every test file starts on the cpu backend (the reference; `SPIKEFN_BACKEND=wasm` for another), with tfjs's banners
// silenced. Top-level, so that tensors made while a test file is collected have a backend too.
import { existsSync } from 'node:fs';
import { setBackend } from '@spikefn/core';

// In Node, `@spikefn/core/tf` registers tfjs-core's gradients from a file that `pnpm build` makes.
if (!existsSync(new URL('../packages/core/dist/tfjs-gradients.node.js', import.meta.url))) {
  throw new Error('packages/core/dist/tfjs-gradients.node.js is missing: run `pnpm build` once before `vitest` (`pnpm test` does).');
}
// `@spikefn/kernels` embeds its WebAssembly SIMD module from a file that its build generates (scripts/build-wasm.mjs).
if (!existsSync(new URL('../packages/kernels/src/simd/generated/kernels-wasm.ts', import.meta.url))) {
  throw new Error(
    'packages/kernels/src/simd/generated/kernels-wasm.ts is missing: run `pnpm build` once before `vitest` (`pnpm test` does).',
  );
}
await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
