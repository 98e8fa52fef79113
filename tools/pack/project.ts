/**
 * The consumer project: a temporary folder outside the workspace where npm installs the packed tarballs next to
 * tfjs, and where the files of `consumer/` are run ({@link runApp}), type-checked ({@link typecheck}) and bundled
 * for the browser ({@link bundle}).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { cleanEnv, exec, tail, type ExecResult } from './exec.js';

const consumerDir = join(dirname(fileURLToPath(import.meta.url)), 'consumer');

/** What the consumer installs besides the tarballs, pinned. */
export const consumerDeps = [
  '@tensorflow/tfjs-core@4.22.0',
  '@tensorflow/tfjs-backend-cpu@4.22.0',
  '@tensorflow/tfjs-backend-wasm@4.22.0',
  '@tensorflow/tfjs-backend-webgl@4.22.0',
  'fast-check@4.11.0',
  'typescript@5.9.3',
  'esbuild@0.25.12',
  '@types/node@20.19.43',
];

/** A check's outcome; `info` lines are printed but never fail the run. */
export type Line = { readonly ok: boolean; readonly what: string; readonly detail: string; readonly info?: boolean };

const firstError = (r: ExecResult): string =>
  `${r.stdout}\n${r.stderr}`
    .split('\n')
    .find((l) => /error/i.test(l))
    ?.trim() ?? tail(r, 1);

/** Makes the project folder under the OS temp dir (refusing one inside `repo`) and npm-installs into it. */
export async function createProject(
  repo: string,
  tarballs: readonly string[],
): Promise<{ readonly dir: string; readonly install: ExecResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'spikefn-pack-'));
  if (!relative(repo, dir).startsWith('..')) throw new Error(`the consumer project ${dir} is inside the workspace ${repo}`);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'spikefn-pack-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const npmArgs = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...consumerDeps];
  const install = await exec('npm', npmArgs, { cwd: dir, env: cleanEnv(), timeoutS: 420 });
  for (const f of readdirSync(consumerDir)) copyFileSync(join(consumerDir, f), join(dir, f));
  return { dir, install };
}

/** `node app.mjs`: its PASS/FAIL lines become this run's lines, plus one for its exit code. */
export async function runApp(dir: string): Promise<Line[]> {
  const r = await exec(process.execPath, ['app.mjs'], { cwd: dir, env: cleanEnv(), timeoutS: 180 });
  const lines: Line[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /^(PASS|FAIL) (.*?)(?: — (.*))?$/.exec(l);
    if (m !== null) lines.push({ ok: m[1] === 'PASS', what: `app.mjs: ${m[2]}`, detail: m[3] ?? '' });
  }
  const ok = r.code === 0 && lines.length > 0;
  const failed = lines.filter((l) => !l.ok).length;
  const why = failed > 0 ? `${failed} failed checks above` : tail({ ...r, stdout: '' }, 8);
  lines.push({ ok, what: 'node app.mjs exits 0', detail: ok ? `${r.seconds.toFixed(1)} s` : `exit ${r.code}: ${why}` });
  lines.push(await runQuickstart(dir));
  return lines;
}

/** The README's Node example (docs/examples/quickstart-node.mjs), as a user would save and run it. */
async function runQuickstart(dir: string): Promise<Line> {
  copyFileSync(join(repoRoot, 'docs/examples/quickstart-node.mjs'), join(dir, 'quickstart.mjs'));
  const r = await exec(process.execPath, ['quickstart.mjs'], { cwd: dir, env: cleanEnv(), timeoutS: 120 });
  const out = r.stdout.trim();
  const m = /^output spikes 8x32x10, firing rate (\d\.\d{3})$/.exec(out);
  const ok = r.code === 0 && m !== null && Number(m[1]) > 0 && Number(m[1]) <= 1;
  return {
    ok,
    what: "README's Node example runs with plain node",
    detail: ok ? out : `exit ${r.code}: ${out} ${tail({ ...r, stdout: '' }, 8)}`,
  };
}

/**
 * `tsc --noEmit` on consumer.ts (and browser.ts) under consumer tsconfigs: (a) bundler, (b) nodenext with
 * exactOptionalPropertyTypes, (c) exactly what `tsc --init` writes, plus (d) node10/CommonJS, informational
 * (spikefn is ESM-only, with no `main`/`types` fields outside `exports`).
 */
export async function typecheck(dir: string): Promise<Line[]> {
  const tsc = join(dir, 'node_modules/.bin/tsc');
  const version = (await exec(tsc, ['--version'], { cwd: dir })).stdout.trim().replace(/^Version/, 'TypeScript');
  const initDir = join(dir, 'init');
  mkdirSync(initDir);
  const init = await exec(tsc, ['--init'], { cwd: initDir });
  const initFile = join(initDir, 'tsconfig.json');
  if (init.code === 0 && existsSync(initFile)) {
    // The one addition to `tsc --init`'s file: which file to check.
    writeFileSync(initFile, readFileSync(initFile, 'utf8').replace('{', '{\n  "files": ["../consumer.ts"],'));
  }
  const configs = [
    { what: '(a) strict, module esnext, moduleResolution bundler, skipLibCheck false', project: 'tsconfig.bundler.json' },
    { what: '(b) strict, nodenext, exactOptionalPropertyTypes, skipLibCheck false', project: 'tsconfig.nodenext.json' },
    { what: `(c) the tsconfig.json of \`tsc --init\` (${version})`, project: 'init/tsconfig.json' },
  ];
  const lines: Line[] = [];
  for (const c of configs) {
    const r = await exec(tsc, ['-p', c.project, '--noEmit'], { cwd: dir, timeoutS: 180 });
    lines.push({ ok: r.code === 0, what: `tsc ${c.what}`, detail: r.code === 0 ? `${r.seconds.toFixed(1)} s` : tail(r, 12) });
  }
  const cjs = await exec(tsc, ['-p', 'tsconfig.node10.json', '--noEmit'], { cwd: dir, timeoutS: 180 });
  lines.push({
    ok: true,
    info: true,
    what: 'tsc (d) module commonjs, moduleResolution node10',
    detail: cjs.code === 0 ? 'compiles' : `fails as expected for an ESM-only library: ${firstError(cjs)}`,
  });
  return lines;
}

/** What the browser bundle weighs. */
export type BundleSize = {
  readonly bytes: number;
  readonly kb: number;
  readonly gzipBytes: number;
  readonly gzipKb: number;
  readonly inputs: number;
};

type Metafile = {
  readonly outputs: Record<string, { readonly bytes: number; readonly inputs: Record<string, { readonly bytesInOutput: number }> }>;
};

// Strings that only tfjs-backend-wasm's code carries (its flag and binary names); checked present in the control bundle.
const wasmMarkers = ['WASM_HAS_SIMD_SUPPORT', 'tfjs-backend-wasm-simd.wasm'];

const esbuild = (dir: string, entry: string, out: string): Promise<ExecResult> =>
  exec(
    join(dir, 'node_modules/.bin/esbuild'),
    [
      entry,
      '--bundle',
      '--platform=browser',
      '--format=esm',
      '--minify',
      '--tree-shaking=true',
      `--outfile=${out}.js`,
      `--metafile=${out}.meta.json`,
      '--log-level=warning',
    ],
    { cwd: dir, timeoutS: 120 },
  );

/**
 * Bundles browser.ts with esbuild as an application would (browser, ESM, minified, tree-shaken) and checks the
 * result: tfjs-core's gradients survive tree shaking; no wasm backend (its marker strings, shown present in a
 * control bundle that imports it), no tfjs-layers/-converter/-node.
 */
export async function bundle(dir: string): Promise<{ readonly lines: Line[]; readonly size?: BundleSize }> {
  const r = await esbuild(dir, 'browser.ts', 'out/browser');
  if (r.code !== 0) return { lines: [{ ok: false, what: 'esbuild bundles browser.ts', detail: tail(r) }] };
  const code = readFileSync(join(dir, 'out/browser.js'));
  const gz = gzipSync(code, { level: 9 }).length;
  const meta = JSON.parse(readFileSync(join(dir, 'out/browser.meta.json'), 'utf8')) as Metafile;
  const used = Object.entries(Object.values(meta.outputs)[0]?.inputs ?? {})
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([k]) => k);
  const kb = (n: number): number => Math.round((n / 1024) * 10) / 10;
  const size: BundleSize = { bytes: code.length, kb: kb(code.length), gzipBytes: gz, gzipKb: kb(gz), inputs: used.length };
  const lines: Line[] = [
    {
      ok: true,
      what: 'esbuild bundles browser.ts (browser, esm, minify, tree shaking)',
      detail: `${size.kb} KB, ${size.gzipKb} KB gzipped, ${size.inputs} modules`,
    },
  ];

  const has = (re: RegExp): string[] => used.filter((p) => re.test(p));
  const webgl = has(/@tensorflow\/tfjs-backend-webgl\//);
  const spikefn = has(/@spikefn\/(core|neurons)\/dist\//);
  lines.push({
    ok: webgl.length > 0 && spikefn.length > 0,
    what: 'bundle: webgl backend and spikefn dist/ modules are in',
    detail: `${webgl.length} webgl, ${spikefn.length} spikefn modules`,
  });
  const grads = has(/@tensorflow\/tfjs-core\/dist\/gradients\/.*_grad\.js$/);
  const registerAll = has(/@tensorflow\/tfjs-core\/dist\/register_all_gradients\.js$/);
  lines.push({
    ok: registerAll.length === 1 && grads.length >= 50,
    what: "bundle: tfjs-core's gradients (#tfjs-gradients) survive tree shaking",
    detail: `${grads.length} gradient modules`,
  });
  const foreign = has(/@tensorflow\/tfjs-(backend-wasm|layers|converter|node|data)\/|@spikefn\/\w+\/src\//);
  lines.push({
    ok: foreign.length === 0,
    what: 'bundle: no tfjs-backend-wasm, tfjs-layers, tfjs-converter, tfjs-node, spikefn src/ modules',
    detail: foreign.slice(0, 4).join(', '),
  });

  const control = await esbuild(dir, 'control-wasm.ts', 'out/control-wasm');
  const controlCode = control.code === 0 ? readFileSync(join(dir, 'out/control-wasm.js'), 'utf8') : '';
  const text = code.toString('utf8');
  const inControl = wasmMarkers.filter((m) => controlCode.includes(m));
  const inBundle = wasmMarkers.filter((m) => text.includes(m));
  lines.push({
    ok: inControl.length === wasmMarkers.length && inBundle.length === 0,
    what: `bundle: no wasm backend code (${wasmMarkers.join(', ')}: in a control bundle importing it, not in this one)`,
    detail:
      control.code !== 0
        ? `control bundle failed: ${tail(control, 3)}`
        : `control has ${inControl.length}/${wasmMarkers.length}, bundle has ${inBundle.length}`,
  });
  return { lines, size };
}

/** The bytes of the same one-LIF page before this packaging (tfjs umbrella, every backend): the budget's reference. */
export const BUNDLE_BEFORE_BYTES = 856_289;

/**
 * Bundles docs/examples/small-bundle-browser.ts (the LIF page with only the WebGL kernels it runs) like browser.ts,
 * and checks it is under half of {@link BUNDLE_BEFORE_BYTES}.
 */
export async function smallBundle(dir: string): Promise<{ readonly line: Line; readonly bytes?: number }> {
  copyFileSync(join(repoRoot, 'docs/examples/small-bundle-browser.ts'), join(dir, 'small-bundle.ts'));
  const r = await esbuild(dir, 'small-bundle.ts', 'out/small-bundle');
  if (r.code !== 0) return { line: { ok: false, what: 'esbuild bundles docs/examples/small-bundle-browser.ts', detail: tail(r) } };
  const bytes = readFileSync(join(dir, 'out/small-bundle.js')).length;
  const gz = gzipSync(readFileSync(join(dir, 'out/small-bundle.js')), { level: 9 }).length;
  return {
    bytes,
    line: {
      ok: bytes < BUNDLE_BEFORE_BYTES / 2,
      what: 'esbuild bundles docs/examples/small-bundle-browser.ts under half of the 856,289 bytes before',
      detail: `${(bytes / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`,
    },
  };
}

/** The repository root: two folders up from this file. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
