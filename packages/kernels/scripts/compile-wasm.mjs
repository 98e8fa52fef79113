// The one AssemblyScript compile of spikefn's SIMD kernels (assembly/index.ts), shared by build-wasm.mjs and the test
// that checks the embedded module against its sources. Options: -O3, no assertions, the stub runtime (the kernels
// allocate nothing; the loader lays out memory), 128-bit SIMD on, relaxed SIMD off (its fused multiply-add and
// implementation-defined results would break the bit-exact forward).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

/** The package root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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
