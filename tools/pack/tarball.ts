/**
 * The contents of a packed tarball (`.tgz`, read with zlib and a small tar reader) and the checks on it: what
 * must be there, what must not, and whether the manifest and source maps point only at files that are there.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { posix } from 'node:path';

/** The files of a tarball, paths relative to its `package/` folder. */
export type Tarball = ReadonlyMap<string, Buffer>;

const text = (b: Buffer, from: number, len: number): string => {
  const s = b.subarray(from, from + len).toString('utf8');
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};

/** Reads the regular files of a `.tgz` (ustar, with pax and GNU long names). */
export function readTarball(file: string): Tarball {
  const tar = gunzipSync(readFileSync(file));
  const files = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix === '' ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
    const body = tar.subarray(at + 512, at + 512 + size);
    longName = undefined;
    if (type === 'x') longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    else if (type === 'L') longName = text(body, 0, size);
    else if (type === '0' || type === '\0') files.set(name.replace(/^package\//, ''), Buffer.from(body));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

type Manifest = {
  readonly name: string;
  readonly version: string;
  readonly exports?: unknown;
  readonly imports?: unknown;
  readonly [field: string]: unknown;
};

/** The result of one check: ok, and a detail for the PASS/FAIL line. */
export type Verdict = { readonly ok: boolean; readonly detail: string };
const verdict = (problems: readonly string[], okDetail: string): Verdict => ({
  ok: problems.length === 0,
  detail: problems.length === 0 ? okDetail : problems.join('; '),
});

/** The relative file targets (`./…`) anywhere in an `exports` or `imports` value. */
const targets = (value: unknown): string[] => {
  if (typeof value === 'string') return value.startsWith('./') ? [value.slice(2)] : [];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
};

export const manifestOf = (t: Tarball): Manifest => JSON.parse((t.get('package.json') ?? Buffer.from('{}')).toString('utf8')) as Manifest;

/** package.json, README.md, LICENSE, dist/index.js and dist/index.d.ts are in the tarball. */
export function checkRequired(t: Tarball): Verdict {
  const required = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'];
  const missing = required.filter((f) => !t.has(f));
  return verdict(missing.length === 0 ? [] : [`missing ${missing.join(', ')}`], `${required.join(', ')}; ${t.size} files`);
}

/** No test files, no tsconfig*.json, no .tsbuildinfo. */
export function checkForbidden(t: Tarball): Verdict {
  const bad = [...t.keys()].filter(
    (f) =>
      /(^|\/)(test|tests|__tests__)\//.test(f) ||
      /\.(test|spec)\.[cm]?[jt]sx?$/.test(f) ||
      /\.(test|spec)\.d\.[cm]?ts$/.test(f) ||
      /(^|\/)tsconfig[^/]*\.json$/.test(f) ||
      f.endsWith('.tsbuildinfo'),
  );
  return verdict(
    bad.length === 0 ? [] : [`should not be packed: ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ` (+${bad.length - 8})` : ''}`],
    'no test/, *.test.*, tsconfig*.json, .tsbuildinfo',
  );
}

/**
 * The packed package.json: no `workspace:` range left (pnpm rewrites them), sibling spikefn packages at `^version`,
 * and every file that `exports` and `imports` name is in the tarball.
 */
export function checkManifest(t: Tarball, versions: ReadonlyMap<string, string>): Verdict {
  const m = manifestOf(t);
  const problems: string[] = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    for (const [dep, range] of Object.entries((m[field] ?? {}) as Record<string, string>)) {
      if (range.startsWith('workspace:')) problems.push(`${field}.${dep} is still ${range}`);
      const v = versions.get(dep);
      if (v !== undefined && field === 'dependencies' && range !== `^${v}`) problems.push(`${field}.${dep} is ${range}, expected ^${v}`);
    }
  }
  if (m.exports === undefined) problems.push('no exports map');
  const named = [...targets(m.exports), ...targets(m.imports)];
  const absent = named.filter((f) => !t.has(posix.normalize(f)));
  if (absent.length > 0) problems.push(`exports/imports name files not in the tarball: ${absent.join(', ')}`);
  return verdict(problems, `no workspace: ranges; ${named.length} exports/imports targets present`);
}

/** Every source map's `sources` resolve to files in the tarball (src/ is published for them). */
export function checkSourceMaps(t: Tarball): Verdict {
  const broken = new Set<string>();
  let maps = 0;
  for (const [f, body] of t) {
    if (!f.endsWith('.map')) continue;
    maps++;
    const map = JSON.parse(body.toString('utf8')) as { sources?: string[]; sourceRoot?: string };
    for (const s of map.sources ?? []) {
      const p = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', s));
      if (!t.has(p)) broken.add(`${f} → ${s}`);
    }
  }
  return verdict(
    broken.size === 0 ? [] : [`${broken.size} unresolved, e.g. ${[...broken].slice(0, 3).join(', ')}`],
    `${maps} maps, all sources packed`,
  );
}
