/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly, with its deflate filter): files are bytes in
 * memory, written to and read from h5wasm's in-memory file system under a fresh name per call, so the same code
 * runs in Node and in browsers. h5wasm is imported on first use, so code that only builds or runs NIR layers does
 * not load it (and bundlers can split it out).
 */
type H5wasm = typeof import('h5wasm')['default'];

/** The part of Emscripten's in-memory file system used here. */
export type FileSystem = {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
};

let counter = 0;
let loaded: Promise<{ lib: H5wasm; fs: FileSystem }> | undefined;

/** h5wasm, loaded (its WebAssembly module compiles once, on first use). */
export function hdf5(): Promise<{ lib: H5wasm; fs: FileSystem }> {
  loaded ??= import('h5wasm').then(async ({ default: lib }) => {
    const module = await lib.ready;
    return { lib, fs: module.FS as unknown as FileSystem };
  });
  return loaded;
}

/** A fresh path in h5wasm's in-memory file system. */
export const scratchPath = (what: string): string => `/spikefn-nir-${what}-${++counter}.h5`;
