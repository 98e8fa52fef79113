import { describe, expect, it } from 'vitest';
import { lineChartSvg, rasterSvg, stackSvg } from '../src/plot-svg.js';

const wellFormed = (s: string): void => {
  expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(s.trim().endsWith('</svg>')).toBe(true);
  expect(s).not.toMatch(/NaN|undefined/);
};

describe('SVG plots', () => {
  it('raster: one rect per spike in each panel', () => {
    const s = rasterSvg({
      title: 'digit 7',
      panels: [
        {
          label: 'lif1',
          spikes: [
            [1, 0, 1],
            [0, 0, 1],
          ],
        },
        {
          label: 'out',
          spikes: [
            [0, 1],
            [1, 1],
          ],
        },
      ],
    });
    wellFormed(s);
    expect((s.match(/<rect x=/g) ?? []).length - 2).toBe(3 + 3);
  });
  it('line chart with a threshold line and escaped labels', () => {
    const s = lineChartSvg({
      title: 'v <trace>',
      xLabel: 't',
      yLabel: 'v',
      series: [{ label: 'n0', y: [0, 0.5, 1.2, 0] }],
      hlines: [{ y: 1, label: 'threshold' }],
    });
    wellFormed(s);
    expect(s).toContain('&lt;trace&gt;');
    expect(s).toContain('stroke-dasharray');
    expect(s).toContain('<polyline');
  });
  it('stacked charts; a one-point series is drawn as a dot', () => {
    const s = stackSvg([
      { title: 'loss', xLabel: 'epoch', yLabel: 'loss', series: [{ label: 'train', y: [1], x: [1] }] },
      { title: 'acc', xLabel: 'epoch', yLabel: 'acc', series: [{ label: 'test', y: [0.9, 0.95], x: [1, 2] }], yRange: [0, 1] },
    ]);
    wellFormed(s);
    expect(s).toContain('<circle');
  });
});
