/**
 * One browser session for the browser tests and the browser bench: Vite dev servers on 127.0.0.1 (the test page,
 * and the demo page of examples/browser), and Debian's Chromium driven by playwright-core with a fresh profile.
 * Only loopback is used; nothing is downloaded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, defaultClientConditions, preview, type PreviewServer, type ViteDevServer } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** The flags the browser tests run Chromium with (WebGL 2 on SwiftShader; see docs/browser.md). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** An open session: the test page loaded and ready. */
export type Session = {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly testUrl: string;
  readonly demoUrl: string | undefined;
  readonly version: string;
};

const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const s = netServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => ok(port));
    });
  });

/** The headers that make a page cross-origin isolated (`crossOriginIsolated`, SharedArrayBuffer). */
export const crossOriginIsolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

async function serve(root: string, configFile: string | false): Promise<{ server: ViteDevServer; url: string }> {
  const port = await freePort();
  const server = await createServer({
    configFile,
    root,
    logLevel: 'warn',
    clearScreen: false,
    // Cross-origin isolated (COOP + COEP), as the demo's vite.config.ts: SharedArrayBuffer for wasm threads.
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, headers: crossOriginIsolation, fs: { allow: [repo] } },
    // The workspace's packages from their TypeScript sources (see `@spikefn/source` in their export maps).
    resolve: { conditions: ['@spikefn/source', ...defaultClientConditions] },
  });
  await server.listen();
  return { server, url: `http://127.0.0.1:${port}/` };
}

/**
 * Builds the demo page for production (`vite build`, into a temporary folder) and serves the bundle with
 * `vite preview` on 127.0.0.1. Returns the URL and a function that stops the server and removes the folder.
 */
export async function serveDemoBundle(): Promise<{ url: string; close(): Promise<void> }> {
  const root = join(repo, 'examples/browser');
  const outDir = mkdtempSync(join(tmpdir(), 'spikefn-demo-dist-'));
  const configFile = join(root, 'vite.config.ts');
  await build({ configFile, root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const port = await freePort();
  const server: PreviewServer = await preview({
    configFile,
    root,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true },
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await new Promise<void>((ok) => server.httpServer.close(() => ok()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Opens the servers and the browser, runs `f`, and always closes everything. */
export async function withBrowser<A>(f: (s: Session) => Promise<A>, opts: { readonly demo?: boolean } = {}): Promise<A> {
  const servers: ViteDevServer[] = [];
  const profile = mkdtempSync(join(tmpdir(), 'spikefn-chromium-'));
  let context: BrowserContext | undefined;
  try {
    const test = await serve(join(here, 'page'), false);
    servers.push(test.server);
    let demoUrl: string | undefined;
    if (opts.demo === true) {
      const demoRoot = join(repo, 'examples/browser');
      const demo = await serve(demoRoot, join(demoRoot, 'vite.config.ts'));
      servers.push(demo.server);
      demoUrl = demo.url;
    }
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env['SPIKEFN_CHROMIUM'] ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') console.log(`  console.error: ${m.text()}`);
    });
    await page.goto(test.url);
    await page.waitForFunction(() => window.spikefnTests !== undefined, undefined, { timeout: 180_000 });
    const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
    return await f({ context, page, testUrl: test.url, demoUrl, version });
  } finally {
    await context?.close().catch(() => undefined);
    for (const s of servers) await s.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}
