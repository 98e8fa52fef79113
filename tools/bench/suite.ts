/** What a benchmark suite is: a name and a function that measures and returns rows for `bench-results.json`. */
export type BenchRow = { readonly suite: string; readonly backend: string; readonly [field: string]: unknown };

/** Options every suite receives. `quick` shrinks sizes for a smoke run (`pnpm bench --quick`). */
export type BenchOptions = { readonly quick: boolean };

/** A benchmark suite (`tools/bench/suites/<name>.ts`, listed in `suites/index.ts`). */
export type BenchSuite = { readonly name: string; run(options: BenchOptions): Promise<readonly BenchRow[]> };

/** Median wall time in ms of `f` over `repeats` timed calls after `warmup` untimed ones. */
export async function medianMs(f: () => unknown | Promise<unknown>, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
