import { describe, expect, it } from 'vitest';
import { formatDuration, progressBar } from '../src/progress.js';

const sink = (isTTY: boolean): { out: string[]; write(s: string): void; isTTY: boolean; columns: number } => {
  const out: string[] = [];
  return { out, write: (s: string) => void out.push(s), isTTY, columns: 200 };
};

describe('progress bar', () => {
  it('on a terminal redraws one line with counts, metrics, samples/s and ETA', () => {
    let t = 0;
    const s = sink(true);
    const bar = progressBar({ total: 100, label: 'epoch 1/2', stream: s, now: () => t, width: 10 });
    t = 1000;
    bar.update(50, { loss: 0.5, acc: 0.75 });
    expect(s.out[0]).toMatch(/^\repoch 1\/2 \[====> {5}\] 50\/100 {2}loss 0\.5000 {2}acc 0\.7500 {2}50\.0 samples\/s {2}ETA 0:01/);
    t = 2000;
    const last = bar.finish({ loss: 0.25, acc: 0.875 });
    expect(last).toMatch(/\[==========\] 100\/100 .* took 0:02$/);
    expect(s.out.at(-1)!.endsWith('\n')).toBe(true);
  });
  it('without a terminal prints plain lines at every quarter and at the end, no escape codes', () => {
    let t = 0;
    const s = sink(false);
    const bar = progressBar({ total: 100, label: 'epoch 1/1', stream: s, now: () => (t += 10) });
    for (let i = 1; i <= 100; i++) bar.update(i, { loss: 1 });
    bar.finish({ loss: 1 });
    expect(s.out.length).toBe(4);
    expect(s.out.every((l) => !l.includes('\r') && !l.includes('\x1b') && l.endsWith('\n'))).toBe(true);
  });
  it('formats durations', () => {
    expect([formatDuration(5), formatDuration(65), formatDuration(3725), formatDuration(Infinity)]).toEqual([
      '0:05',
      '1:05',
      '1:02:05',
      '?',
    ]);
  });
});
