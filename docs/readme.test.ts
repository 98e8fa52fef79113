// The README's "Use spikefn in your project" examples: they are the files we run, and they do what the page says.
// (`pnpm test:pack` runs the Node one again with plain `node` against the packed packages; the browser tests run
// the browser one in Chromium.)
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  for (const file of ['quickstart-node.mjs', 'quickstart-browser.ts']) {
    it(`embeds docs/examples/${file} verbatim`, () => {
      expect(readme).toContain(readFileSync(new URL(`./examples/${file}`, import.meta.url), 'utf8'));
    });
  }

  it('the Node example is at most 15 lines and prints the output shape and a firing rate in [0, 1]', async () => {
    const code = readFileSync(new URL('./examples/quickstart-node.mjs', import.meta.url), 'utf8');
    expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import('./examples/quickstart-node.mjs');
      const line = String(log.mock.calls.at(-1)?.[0]);
      const m = /^output spikes 8x32x10, firing rate (\d\.\d{3})$/.exec(line);
      expect(m, line).not.toBeNull();
      const rate = Number(m![1]);
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThanOrEqual(1);
    } finally {
      log.mockRestore();
    }
  });
});
