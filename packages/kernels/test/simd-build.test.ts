// The SIMD module's build is reproducible: compiling the sources again here gives exactly the bytes that `pnpm build`
// embedded (src/simd/generated, deflated), so the embedded module is the one the current sources compile to. It
// imports a shared memory and has no data segment (it is instantiated over tfjs's heap, where it must write nothing of
// its own); its variant over a memory that is not shared differs in that one flag and instantiates.
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compileWasm } from '../scripts/compile-wasm.mjs';
import { KERNELS_WASM_DEFLATE_BASE64 } from '../src/simd/generated/kernels-wasm.js';
import { unsharedModuleBytes } from '../src/simd/module.js';

/** The ids of a module's sections, from its binary layout (id byte, LEB128 size, contents). */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 8;
  while (i < bytes.length) {
    ids.push(bytes[i++] as number);
    let size = 0;
    for (let shift = 0, b = 128; b & 128; shift += 7) {
      b = bytes[i++] as number;
      size |= (b & 127) << shift;
    }
    i += size;
  }
  return ids;
}

describe('the WebAssembly SIMD module', () => {
  it('compiles again to the embedded bytes, which import a shared memory and have no data section', { timeout: 60_000 }, async () => {
    const fresh = await compileWasm();
    const embedded = inflateRawSync(Buffer.from(KERNELS_WASM_DEFLATE_BASE64, 'base64'));
    expect(Buffer.compare(fresh, embedded)).toBe(0);
    const module = new WebAssembly.Module(new Uint8Array(fresh));
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(sectionIds(fresh)).not.toContain(11);
    // instantiates over a shared memory of 4 GiB at most
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(() => new WebAssembly.Instance(module, { env: { memory: shared } })).not.toThrow();
  });

  it('has a variant over a memory that is not shared: one flag apart, same exports', () => {
    const bytes = new Uint8Array(inflateRawSync(Buffer.from(KERNELS_WASM_DEFLATE_BASE64, 'base64')));
    const plain = unsharedModuleBytes(bytes);
    expect(plain.length).toBe(bytes.length);
    expect(plain.filter((v, i) => v !== bytes[i]).length).toBe(1);
    const names = (b: Uint8Array<ArrayBuffer>) =>
      WebAssembly.Module.exports(new WebAssembly.Module(b))
        .map((e) => e.name)
        .sort();
    expect(names(plain)).toEqual(names(bytes));
    const own = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(plain), { env: { memory: own } }).exports;
    expect(exports['memory']).toBe(own);
    // the shared module refuses that memory
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: own } })).toThrow();
  });
});
