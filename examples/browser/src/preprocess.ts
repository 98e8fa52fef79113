/**
 * A drawing to an MNIST-like 28×28 image, as MNIST's digits were made (LeCun et al. 1998): the ink's bounding box is
 * scaled so that its longer side is 20 pixels (aspect kept, anti-aliased), then placed in a 28×28 field with its
 * centre of mass at the centre. Intensities in [0, 1], row-major.
 *
 * @category example
 */

/** Size of the network's input image. */
export const SIDE = 28;
const BOX = 20;

/** Grey levels in [0, 1] of an RGBA image (the pad draws white on black). */
export function luminance(rgba: Uint8ClampedArray, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rgba[4 * i] as number) / 255;
  return out;
}

/** The bounding box of values above `eps`, or undefined for an empty image. */
export function inkBox(
  img: Float32Array,
  w: number,
  h: number,
  eps = 0.05,
): { x0: number; y0: number; x1: number; y1: number } | undefined {
  let x0 = w,
    y0 = h,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if ((img[y * w + x] as number) > eps) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? undefined : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** The centre of mass `[cx, cy]` of a `w × h` image (pixel centres at +0.5). */
export function centreOfMass(img: Float32Array, w: number, h: number): [number, number] {
  let m = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = img[y * w + x] as number;
      m += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  return m === 0 ? [w / 2, h / 2] : [sx / m, sy / m];
}

/** The MNIST-style 28×28 image of the pad's drawing; all zeros when nothing is drawn. */
export function padToMnist(pad: HTMLCanvasElement): Float32Array {
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const { width: w, height: h } = pad;
  const img = luminance(ctx.getImageData(0, 0, w, h).data, w * h);
  const box = inkBox(img, w, h);
  if (box === undefined) return new Float32Array(SIDE * SIDE);
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const scale = BOX / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale));
  const sh = Math.max(1, Math.round(bh * scale));
  // Scale the box to at most 20×20 (the browser's smoothing anti-aliases), in two halvings-friendly steps.
  const small = document.createElement('canvas');
  small.width = sw;
  small.height = sh;
  const sctx = small.getContext('2d', { willReadFrequently: true })!;
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(pad, box.x0, box.y0, bw, bh, 0, 0, sw, sh);
  const digit = luminance(sctx.getImageData(0, 0, sw, sh).data, sw * sh);
  const [cx, cy] = centreOfMass(digit, sw, sh);
  const ox = Math.round(SIDE / 2 - cx);
  const oy = Math.round(SIDE / 2 - cy);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const X = x + ox;
      const Y = y + oy;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) out[Y * SIDE + X] = Math.min(1, digit[y * sw + x] as number);
    }
  return out;
}
