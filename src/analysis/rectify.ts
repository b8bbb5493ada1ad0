import { homographyFromPoints } from './quad-geometry.js';
import type { FrameLike, Quad } from './types.js';

/** The homography from an upright `width × height` image onto `quad` (TL, TR, BR, BL): where each output pixel samples. */
function uprightToQuad(quad: Quad, width: number, height: number) {
  return homographyFromPoints(
    [
      { x: 0, y: 0 },
      { x: width, y: 0 },
      { x: width, y: height },
      { x: 0, y: height },
    ],
    quad,
  );
}

/**
 * Samples the region inside `quad` (TL, TR, BR, BL in frame pixels) into an upright `width × height` luma image
 * (bilinear, BT.601 weights): the card seen fronto-parallel, whatever its distance and perspective. With `part`,
 * only that rectangle of the upright image is sampled and returned (`part.width × part.height`, the same values
 * as in the whole image): callers that measure an inset skip the margin. Undefined when the quad is degenerate.
 */
export function rectifyQuadLuma(
  frame: FrameLike,
  quad: Quad,
  width: number,
  height: number,
  part: { x: number; y: number; width: number; height: number } = { x: 0, y: 0, width, height },
): Uint8Array | undefined {
  const h = uprightToQuad(quad, width, height);
  if (!h) return undefined;
  const out = new Uint8Array(part.width * part.height);
  const { data, width: fw, height: fh } = frame;
  // One 32-bit read per source pixel (RGBA little-endian: R in the low byte) instead of three byte reads.
  const px =
    data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, fw * fh)
      : new Uint32Array(new Uint8Array(data).buffer, 0, fw * fh);
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = h as unknown as number[];
  const maxX = fw - 1.001;
  const maxY = fh - 1.001;
  for (let y = part.y; y < part.y + part.height; y++) {
    const v = y + 0.5;
    // H·(u, v, 1) stepped along the row (u = x + 0.5): three additions per pixel instead of six products.
    const u0 = part.x + 0.5;
    let nx = h0 * u0 + h1 * v + h2;
    let ny = h3 * u0 + h4 * v + h5;
    let nz = h6 * u0 + h7 * v + h8;
    let o = (y - part.y) * part.width;
    for (let x = 0; x < part.width; x++, o++, nx += h0, ny += h3, nz += h6) {
      const iz = 1 / nz;
      let sx = nx * iz - 0.5;
      let sy = ny * iz - 0.5;
      // Clamped so the 2×2 neighbourhood stays inside the frame.
      sx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      sy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = sx | 0;
      const y0 = sy | 0;
      const ax = sx - x0;
      const ay = sy - y0;
      const i00 = y0 * fw + x0;
      const p00 = px[i00]!;
      const p10 = px[i00 + 1]!;
      const p01 = px[i00 + fw]!;
      const p11 = px[i00 + fw + 1]!;
      const l00 = 77 * (p00 & 255) + 150 * ((p00 >>> 8) & 255) + 29 * ((p00 >>> 16) & 255);
      const l10 = 77 * (p10 & 255) + 150 * ((p10 >>> 8) & 255) + 29 * ((p10 >>> 16) & 255);
      const l01 = 77 * (p01 & 255) + 150 * ((p01 >>> 8) & 255) + 29 * ((p01 >>> 16) & 255);
      const l11 = 77 * (p11 & 255) + 150 * ((p11 >>> 8) & 255) + 29 * ((p11 >>> 16) & 255);
      const top = l00 + (l10 - l00) * ax;
      const bottom = l01 + (l11 - l01) * ax;
      out[o] = (top + (bottom - top) * ay + 128) >> 8;
    }
  }
  return out;
}

/**
 * Samples the region inside `quad` (TL, TR, BR, BL in frame pixels) into an upright `width × height` RGBA image
 * (bilinear): the document seen fronto-parallel, for reading it (OCR, barcodes) or showing it. Pair with
 * `uprightQuad` to take out in-plane rotation first. Undefined when the quad is degenerate.
 *
 * @example
 * const found = findDocumentQuad(photo, { kind: 'passport', wholeImageFallback: true });
 * if (found) page = rectifyQuadRgba(photo, uprightQuad(found.quad), 1250, Math.round(1250 / found.aspect));
 */
export function rectifyQuadRgba(
  frame: FrameLike,
  quad: Quad,
  width: number,
  height: number,
): FrameLike | undefined {
  const h = uprightToQuad(quad, width, height);
  if (!h) return undefined;
  const out = new Uint8ClampedArray(width * height * 4);
  const { data, width: fw, height: fh } = frame;
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = h as unknown as number[];
  const maxX = fw - 1.001;
  const maxY = fh - 1.001;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const v = y + 0.5;
    let nx = h0 * 0.5 + h1 * v + h2;
    let ny = h3 * 0.5 + h4 * v + h5;
    let nz = h6 * 0.5 + h7 * v + h8;
    for (let x = 0; x < width; x++, nx += h0, ny += h3, nz += h6) {
      const iz = 1 / nz;
      let sx = nx * iz - 0.5;
      let sy = ny * iz - 0.5;
      sx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      sy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = sx | 0;
      const y0 = sy | 0;
      const ax = sx - x0;
      const ay = sy - y0;
      const i00 = (y0 * fw + x0) * 4;
      const i10 = i00 + 4;
      const i01 = i00 + fw * 4;
      const i11 = i01 + 4;
      for (let c = 0; c < 4; c++, o++) {
        const top = data[i00 + c]! + (data[i10 + c]! - data[i00 + c]!) * ax;
        const bottom = data[i01 + c]! + (data[i11 + c]! - data[i01 + c]!) * ax;
        out[o] = top + (bottom - top) * ay + 0.5;
      }
    }
  }
  return { data: out, width, height };
}
