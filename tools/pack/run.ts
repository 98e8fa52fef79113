/**
 * `pnpm test:pack`: spikefn as npm users get it. Checks, printing one `PASS`/`FAIL` line each and ending with
 * `N passed, M failed` (exit 1 on any failure):
 *
 * 1. `pnpm build` (skipped with `--no-build`);
 * 2. `pnpm pack` of every publishable package (packages/*, not private; pnpm rewrites `workspace:^`). Each tarball has
 *    package.json, README.md, LICENSE, dist/index.js and dist/index.d.ts; no tests, tsconfig*.json or .tsbuildinfo;
 *    no `workspace:` range left, every `exports`/`imports` target and every source map's sources packed;
 * 3. `pnpm -r publish --dry-run --no-git-checks` of those packages succeeds (publishes nothing);
 * 4. a project in the OS temp dir (never under the workspace) npm-installs the tarballs with tfjs 4.22, fast-check,
 *    TypeScript and esbuild (pinned), then, with the files of `consumer/`:
 *    - runs `node app.mjs` (backends, LIF and synapse filter against hand-derived values, gradients and an Adam step,
 *      checkpoints, @spikefn/testing and @spikefn/node, no leaked tensors, deep imports refused); its lines count here;
 *    - type-checks consumer.ts under (a) bundler, (b) nodenext + exactOptionalPropertyTypes, (c) `tsc --init`'s
 *      tsconfig, all with the packed .d.ts; (d) node10/CommonJS is reported as `INFO` (ESM-only: expected to fail);
 *    - bundles browser.ts with esbuild for the browser and checks what is (not) in it, and bundles
 *      docs/examples/small-bundle-browser.ts (only the WebGL kernels it runs), checking it is under half of the
 *      856,289 bytes the same page took before packaging;
 * 5. removes its temp folders (kept with `--keep`).
 *
 * Tarball and bundle sizes go to `pack-results.json` at the repository root.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { exec, pnpm, tail } from './exec.js';
import { bundle, createProject, repoRoot as repo, runApp, smallBundle, typecheck, type BundleSize, type Line } from './project.js';
import { checkForbidden, checkManifest, checkRequired, checkSourceMaps, readTarball } from './tarball.js';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const pm = pnpm(repo);
const t0 = performance.now();

let passed = 0;
let failed = 0;
const report = (ok: boolean, what: string, detail = ''): boolean => {
  if (ok) passed++;
  else failed++;
  const d = detail.replace(/\s*\n\s*/g, ' | ');
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}${d === '' ? '' : ` — ${d}`}`);
  return ok;
};
const print = (lines: readonly Line[]): void => {
  for (const l of lines) {
    if (l.info === true) console.log(`INFO ${l.what} — ${l.detail}`);
    else report(l.ok, l.what, l.detail);
  }
};
const finish = (): never => {
  console.log(`took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
};

type Pkg = { readonly dir: string; readonly name: string; readonly version: string; readonly private?: boolean };
const packages: Pkg[] = readdirSync(join(repo, 'packages'))
  .map((d) => join(repo, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((dir): Pkg => ({ dir, ...(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Omit<Pkg, 'dir'>) }))
  .filter((p) => p.private !== true);
const versions = new Map(packages.map((p) => [p.name, p.version]));
const temps: string[] = [];
const results: {
  tarballs: Record<string, { file: string; bytes: number; files: number }>;
  browserBundle?: BundleSize;
  smallBundleBytes?: number;
  node10?: string;
} = {
  tarballs: {},
};

// 1. Build.
if (!args.includes('--no-build')) {
  const r = await exec(pm.cmd, [...pm.args, 'build'], { cwd: repo, timeoutS: 600 });
  if (!report(r.code === 0, 'pnpm build', r.code === 0 ? `${r.seconds.toFixed(0)} s` : tail(r))) finish();
}

// 2. Pack and inspect.
const packDir = mkdtempSync(join(tmpdir(), 'spikefn-tarballs-'));
temps.push(packDir);
const tarballs: string[] = [];
for (const p of packages) {
  const r = await exec(pm.cmd, [...pm.args, 'pack', '--pack-destination', packDir, '--json'], { cwd: p.dir, timeoutS: 120 });
  const file = r.code === 0 ? (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { filename: string }).filename : '';
  if (!report(r.code === 0 && existsSync(file), `${p.name}: pnpm pack`, r.code === 0 ? basename(file) : tail(r))) continue;
  tarballs.push(file);
  const t = readTarball(file);
  results.tarballs[p.name] = { file: basename(file), bytes: statSync(file).size, files: t.size };
  for (const [what, v] of [
    ['required files', checkRequired(t)],
    ['nothing unpublishable', checkForbidden(t)],
    ['packed package.json', checkManifest(t, versions)],
    ['source maps', checkSourceMaps(t)],
  ] as const) {
    report(v.ok, `${p.name} tarball: ${what}`, v.detail);
  }
}

// 3. Publish, dry run (npm_config_dry_run as well, so no path can publish).
{
  const filters = packages.flatMap((p) => ['--filter', p.name]);
  const r = await exec(pm.cmd, [...pm.args, '-r', ...filters, 'publish', '--dry-run', '--no-git-checks'], {
    cwd: repo,
    env: { ...process.env, npm_config_dry_run: 'true' },
    timeoutS: 300,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const missing = packages.filter((p) => !out.includes(`+ ${p.name}@${p.version}`)).map((p) => p.name);
  const ok = r.code === 0 && missing.length === 0 && out.includes('(dry-run)');
  report(
    ok,
    'pnpm -r publish --dry-run --no-git-checks',
    ok
      ? `${packages.length} packages, nothing published`
      : `${missing.length > 0 ? `not listed: ${missing.join(', ')}; ` : ''}${tail(r, 6)}`,
  );
}

// 4. The consumer project.
if (tarballs.length === packages.length) {
  const { dir, install } = await createProject(repo, tarballs);
  temps.push(dir);
  console.log(`consumer project: ${dir}`);
  if (
    report(
      install.code === 0 && existsSync(join(dir, 'node_modules/@spikefn/core/package.json')),
      'npm install of the tarballs and pinned peers outside the workspace',
      install.code === 0 ? `${install.seconds.toFixed(0)} s` : tail(install),
    )
  ) {
    print(await runApp(dir));
    const tsc = await typecheck(dir);
    print(tsc);
    results.node10 = tsc.find((l) => l.info === true)?.detail ?? '';
    const b = await bundle(dir);
    print(b.lines);
    if (b.size !== undefined) results.browserBundle = b.size;
    const small = await smallBundle(dir);
    print([small.line]);
    if (small.bytes !== undefined) results.smallBundleBytes = small.bytes;
  }
} else {
  report(false, 'consumer project', 'skipped: not every package packed');
}

// 5. Results and clean-up.
writeFileSync(
  join(repo, 'pack-results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), passed, failed, ...results }, null, 2)}\n`,
);
if (keep) console.log(`kept: ${temps.join(' ')}`);
else for (const d of temps) rmSync(d, { recursive: true, force: true });
finish();
