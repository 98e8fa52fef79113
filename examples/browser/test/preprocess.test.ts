// The demo's drawing → MNIST-image reduction (the parts without a canvas).
import { describe, expect, it } from 'vitest';
import { centreOfMass, inkBox, luminance } from '../src/preprocess.js';

describe('examples/browser preprocess', () => {
  it('inkBox: the bounding box of the ink, end-exclusive; undefined for an empty image', () => {
    const img = new Float32Array(5 * 4);
    expect(inkBox(img, 5, 4)).toBeUndefined();
    img[1 * 5 + 2] = 1;
    img[3 * 5 + 4] = 0.5;
    expect(inkBox(img, 5, 4)).toEqual({ x0: 2, y0: 1, x1: 5, y1: 4 });
  });

  it('centreOfMass: pixel centres weighted by intensity; the middle for an empty image', () => {
    const img = new Float32Array(4 * 4);
    expect(centreOfMass(img, 4, 4)).toEqual([2, 2]);
    img[0] = 1;
    img[3 * 4 + 3] = 1;
    expect(centreOfMass(img, 4, 4)).toEqual([2, 2]);
    img[3 * 4 + 3] = 3;
    expect(centreOfMass(img, 4, 4)).toEqual([0.5 + 0.75 * 3, 0.5 + 0.75 * 3]);
  });

  it('luminance: the red channel of RGBA as [0, 1]', () => {
    expect(Array.from(luminance(new Uint8ClampedArray([255, 0, 0, 255, 51, 51, 51, 255]), 2))).toEqual([1, Math.fround(0.2)]);
  });
});
