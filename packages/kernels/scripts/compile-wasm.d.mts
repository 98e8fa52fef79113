/** The package root. */
export const root: string;
/** Compiles assembly/index.ts; resolves to the .wasm bytes. */
export function compileWasm(): Promise<Buffer>;
