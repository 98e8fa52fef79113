// Every test file starts on the cpu backend (the reference; `SPIKEFN_BACKEND=wasm` for another), with tfjs's banners
// silenced. Top-level, so that tensors made while a test file is collected have a backend too.
import { setBackend } from '@spikefn/core';

await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
