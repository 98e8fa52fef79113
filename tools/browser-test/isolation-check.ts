/**
 * Cross-origin isolation of a served page: `crossOriginIsolated` and a usable `SharedArrayBuffer`, which
 * tfjs-backend-wasm's threaded build needs in a browser (its `WASM_HAS_MULTITHREAD_SUPPORT` test posts one through a
 * `MessageChannel`). The servers send COOP + COEP (`crossOriginIsolation` in browser.ts, examples/browser/vite.config.ts).
 */
import type { Page } from 'playwright-core';

/** What the page reports: isolated, and whether a SharedArrayBuffer can be made and posted. */
export type Isolation = { readonly isolated: boolean; readonly sharedArrayBuffer: boolean };

/** Reads {@link Isolation} in `page` (already loaded). */
export const checkIsolation = (page: Page): Promise<Isolation> =>
  page.evaluate(() => {
    let sharedArrayBuffer = false;
    try {
      new MessageChannel().port1.postMessage(new SharedArrayBuffer(1));
      sharedArrayBuffer = true;
    } catch {
      sharedArrayBuffer = false;
    }
    return { isolated: globalThis.crossOriginIsolated === true, sharedArrayBuffer };
  });
