import { homographyFromPoints } from './quad-geometry.js';
import type { FrameLike, Quad } from './types.js';

/**
 * Samples the region inside `quad` (TL, TR, BR, BL in frame pixels) into an upright `width × height` luma image
 * (bilinear, BT.601 weights): the card seen fronto-parallel, whatever its distance and perspective. Undefined when
 * the quad is degenerate.
 */
export function rectifyQuadLuma(
  frame: FrameLike,
  quad: Quad,
  width: number,
  height: number,
): Uint8Array | undefined {
  const h = homographyFromPoints(
    [
      { x: 0, y: 0 },
      { x: width, y: 0 },
      { x: width, y: height },
      { x: 0, y: height },
    ],
    quad,
  );
  if (!h) return undefined;
  const out = new Uint8Array(width * height);
  const { data, width: fw, height: fh } = frame;
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = h as unknown as number[];
  for (let y = 0; y < height; y++) {
    const v = y + 0.5;
    for (let x = 0; x < width; x++) {
      // H·(u, v, 1), inlined: this runs once per rectified pixel.
      const u = x + 0.5;
      const wz = h6 * u + h7 * v + h8;
      const sx = Math.min(fw - 1.001, Math.max(0, (h0 * u + h1 * v + h2) / wz - 0.5));
      const sy = Math.min(fh - 1.001, Math.max(0, (h3 * u + h4 * v + h5) / wz - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const ax = sx - x0;
      const ay = sy - y0;
      const i00 = (y0 * fw + x0) * 4;
      const i10 = i00 + 4;
      const i01 = i00 + fw * 4;
      const i11 = i01 + 4;
      const l00 = 77 * data[i00]! + 150 * data[i00 + 1]! + 29 * data[i00 + 2]!;
      const l10 = 77 * data[i10]! + 150 * data[i10 + 1]! + 29 * data[i10 + 2]!;
      const l01 = 77 * data[i01]! + 150 * data[i01 + 1]! + 29 * data[i01 + 2]!;
      const l11 = 77 * data[i11]! + 150 * data[i11 + 1]! + 29 * data[i11 + 2]!;
      const top = l00 + (l10 - l00) * ax;
      const bottom = l01 + (l11 - l01) * ax;
      out[y * width + x] = (top + (bottom - top) * ay + 128) >> 8;
    }
  }
  return out;
}
