import { describe, expect, it } from 'vitest';
import { heatmapSvg, lineChartSvg, rasterSvg, stackSvg } from '../src/plot-svg.js';

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
  it('heatmap: one cell per value with its count, shaded by its share of the row, labels escaped', () => {
    const s = heatmapSvg({
      title: 'confusion',
      values: [
        [8, 2],
        [0, 5],
      ],
      rowLabels: ['T-shirt/top', '<b>'],
      colLabels: ['a', 'b'],
      xLabel: 'predicted',
      yLabel: 'true',
    });
    wellFormed(s);
    expect(s.match(/<rect x=/g)?.length).toBe(4);
    expect(s).toContain('&lt;b&gt;');
    // row 0: 8 of 10 → 80 % of the way from white (255,255,255) to (8,48,107); 0 of 5 → white
    expect(s).toContain(
      `fill="rgb(${Math.round(255 + (8 - 255) * 0.8)},${Math.round(255 + (48 - 255) * 0.8)},${Math.round(255 + (107 - 255) * 0.8)})"`,
    );
    expect(s).toContain('fill="rgb(255,255,255)"');
    expect(s).toMatch(/>8<\/text>.*>2<\/text>/s);
  });
  it('a one-epoch curve over fractional epochs gets fractional ticks from 0 to 1', () => {
    // steps 1..10 of one epoch at x = 0.1 … 1; xRange puts the axis' start at 0
    const x = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
    const s = lineChartSvg({
      title: 't',
      xLabel: 'epoch',
      yLabel: 'loss',
      xRange: [0, 1],
      series: [{ label: 'loss', x, y: x.map((v) => 1 - v) }],
    });
    for (const t of ['0', '0.2', '0.4', '0.6', '0.8', '1']) expect(s).toContain(`text-anchor="middle">${t}</text>`);
  });
});
