// The SIMD module's build is reproducible: compiling the sources again here gives exactly the bytes that `pnpm build`
// embedded (src/simd/generated), so the embedded module is the one the current sources compile to.
import { describe, expect, it } from 'vitest';
import { compileWasm } from '../scripts/compile-wasm.mjs';
import { KERNELS_WASM_BASE64 } from '../src/simd/generated/kernels-wasm.js';

describe('the WebAssembly SIMD module', () => {
  it('compiles again to the embedded bytes', async () => {
    const a = await compileWasm();
    expect(a.toString('base64')).toBe(KERNELS_WASM_BASE64);
    // 128-bit SIMD, validated by this engine
    expect(WebAssembly.validate(new Uint8Array(a))).toBe(true);
  });
});
