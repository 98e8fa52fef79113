// The one AssemblyScript compile of spikefn's SIMD kernels (assembly/index.ts), shared by build-wasm.mjs and the test
// that checks the embedded module against its sources. Options: -O3, no assertions, the stub runtime (the kernels
// allocate nothing; the loader lays out memory), 128-bit SIMD on, relaxed SIMD off (its fused multiply-add and
// implementation-defined results would break the bit-exact forward). The module imports its memory (`env.memory`,
// shared, at most 65536 pages) and has no static data, so that it can run over tfjs's wasm heap and its worker threads
// over the same memory (src/simd/pool.ts); src/simd/module.ts derives the variant over a memory of its own (not shared,
// for engines without shared memory) by clearing the import's shared flag.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

/** The package root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Pages of 64 KiB the shared variant's memory may grow to: all of 32-bit WebAssembly's 4 GiB. */
export const SHARED_MAXIMUM_PAGES = 65536;

/** Compiles assembly/index.ts; resolves to the .wasm bytes. */
export async function compileWasm() {
  let wasm = null;
  const args = [
    'assembly/index.ts',
    '--baseDir',
    root,
    '--outFile',
    'kernels.wasm',
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--enable',
    'simd',
    '--disable',
    'relaxed-simd',
    '--enable',
    'threads',
    '--importMemory',
    '--sharedMemory',
    '--maximumMemory',
    String(SHARED_MAXIMUM_PAGES),
  ];
  const { error, stderr } = await asc.main(args, {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) wasm = contents;
    },
  });
  if (error) throw new Error(`assemblyscript failed: ${error.message}\n${stderr.toString()}`);
  if (wasm === null) throw new Error('assemblyscript wrote no .wasm');
  return Buffer.from(wasm);
}
