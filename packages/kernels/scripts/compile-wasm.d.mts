/** The package root. */
export const root: string;
/** Compiles assembly/index.ts; resolves to the .wasm bytes. */
export function compileWasm(): Promise<Buffer>;
/** Pages the shared variant's memory may grow to. */
export const SHARED_MAXIMUM_PAGES: number;
