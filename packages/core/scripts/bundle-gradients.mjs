/**
 * Builds `dist/tfjs-gradients.node.js`: tfjs-core's own gradient registrations (`dist/register_all_gradients.js`)
 * as one ES module that Node can load.
 *
 * Why: the Node entry of `@tensorflow/tfjs-core` (a CommonJS bundle) registers no gradients, and its ES modules use
 * extension-less imports that Node's loader refuses. Bundlers read those ES modules directly, so browser builds
 * resolve `#tfjs-gradients` to tfjs-core's file itself (see `imports` in package.json); Node resolves it to this
 * bundle. The bundle carries copies of the tfjs-core internals the gradients call; every piece of state they touch
 * (engine, kernel and gradient registries, tensor class, flags) lives on tfjs's global namespace, so it is shared
 * with the `@tensorflow/tfjs-core` the application loaded. This is how the `@tensorflow/tfjs` union package's own
 * Node build registers gradients, without pulling in tfjs-layers, -converter and -data.
 *
 * Reproducible: same tfjs-core and esbuild versions (pinned by the lockfile), same bytes.
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const coreDir = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));

await build({
  entryPoints: [join(coreDir, 'dist/register_all_gradients.js')],
  outfile: join(here, '../dist/tfjs-gradients.node.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // tfjs-core's own dependencies stay imports, resolved by the application like tfjs-core's.
  packages: 'external',
  legalComments: 'eof',
  logLevel: 'warning',
  banner: { js: '// tfjs-core 4.x gradient registrations (Apache-2.0, Google LLC), bundled for Node by @spikefn/core.' },
});
