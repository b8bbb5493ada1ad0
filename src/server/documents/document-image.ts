/**
 * Pixels of a stored document image for the server's analysis: decoded once (EXIF orientation honoured, at most
 * {@link ANALYSIS_MAX_SIDE} px), and the document's quad warped to an upright, fronto-parallel RGBA image at a
 * resolution OCR can read. The warp is ours because sharp (libvips) has affine transforms but no perspective one;
 * the homography is the same `analysis/` code the widget uses, so both sides share one geometry.
 */
import sharp from 'sharp';
import { homographyFromPoints } from '../../analysis/quad-geometry.js';
import type { FrameLike, Quad } from '../../analysis/types.js';

/**
 * Longest side the analysis decodes to. A card filling half of a 2000 px photo is ~1000 px wide: ~12 px per mm,
 * MRZ characters (2.5 mm) ~30 px tall, which is what OCR wants; larger uploads cost decode time for nothing.
 */
export const ANALYSIS_MAX_SIDE = 2000;

export interface DecodedImage extends FrameLike {
  /** Factor from stored pixels to these pixels (≤ 1). */
  scale: number;
}

/** Decodes an encoded image (JPEG / PNG) to RGBA, downscaled to fit {@link ANALYSIS_MAX_SIDE}. Throws on bad bytes. */
export async function decodeForAnalysis(encoded: Buffer, maxSide = ANALYSIS_MAX_SIDE): Promise<DecodedImage> {
  const source = sharp(encoded, { limitInputPixels: 8000 * 8000 }).rotate();
  const { data, info } = await source
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const meta = await sharp(encoded).metadata();
  // Orientation turns the image but keeps its longest side, which is all the scale needs.
  const stored = Math.max(meta.width ?? info.width, meta.height ?? info.height);
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    scale: Math.max(info.width, info.height) / stored,
  };
}

/** Reorders a quad (TL, TR, BR, BL in image space) so its first side is a long side: the warp is then landscape. */
export function landscapeQuad(quad: Quad): Quad {
  const [a, b, c, d] = quad;
  const top = Math.hypot(b.x - a.x, b.y - a.y) + Math.hypot(c.x - d.x, c.y - d.y);
  const left = Math.hypot(d.x - a.x, d.y - a.y) + Math.hypot(c.x - b.x, c.y - b.y);
  // Portrait in the image: start from the bottom-left corner, so the card's long side becomes the top.
  return top >= left ? quad : [d, a, b, c];
}

/** Mean length of the two long sides of a quad, in its pixels. */
export function quadLongSide(quad: Quad): number {
  const [a, b, c, d] = landscapeQuad(quad);
  return (Math.hypot(b.x - a.x, b.y - a.y) + Math.hypot(c.x - d.x, c.y - d.y)) / 2;
}

/**
 * Samples the inside of `quad` (TL, TR, BR, BL) into an upright `width × height` RGBA image (bilinear). Pixels whose
 * source falls outside the frame (a card cut off by the border) are white, like paper, rather than smeared edges.
 * Undefined when the quad is degenerate.
 */
export function warpQuad(frame: FrameLike, quad: Quad, width: number, height: number): FrameLike | undefined {
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
  const out = new Uint8ClampedArray(width * height * 4);
  const { data, width: fw, height: fh } = frame;
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = h as unknown as number[];
  for (let y = 0; y < height; y++) {
    const v = y + 0.5;
    for (let x = 0; x < width; x++) {
      const u = x + 0.5;
      const z = h6 * u + h7 * v + h8;
      const sx = (h0 * u + h1 * v + h2) / z - 0.5;
      const sy = (h3 * u + h4 * v + h5) / z - 0.5;
      const o = (y * width + x) * 4;
      if (!(sx >= 0 && sy >= 0 && sx < fw - 1 && sy < fh - 1)) {
        out[o] = 255;
        out[o + 1] = 255;
        out[o + 2] = 255;
        out[o + 3] = 255;
        continue;
      }
      const x0 = sx | 0;
      const y0 = sy | 0;
      const ax = sx - x0;
      const ay = sy - y0;
      const i00 = (y0 * fw + x0) * 4;
      const i01 = i00 + fw * 4;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[i00 + ch]! + (data[i00 + 4 + ch]! - data[i00 + ch]!) * ax;
        const bottom = data[i01 + ch]! + (data[i01 + 4 + ch]! - data[i01 + ch]!) * ax;
        out[o + ch] = top + (bottom - top) * ay + 0.5;
      }
      out[o + 3] = 255;
    }
  }
  return { data: out, width, height };
}

/** The image turned by 180° (a document photographed upside down). */
export function rotate180(frame: FrameLike): FrameLike {
  const src = new Uint32Array(frame.data.buffer, frame.data.byteOffset, frame.width * frame.height);
  const out = new Uint32Array(src.length);
  for (let i = 0, j = src.length - 1; i < src.length; i++, j--) out[j] = src[i]!;
  return { data: new Uint8ClampedArray(out.buffer), width: frame.width, height: frame.height };
}

/** A rectangle of the image (clamped to it), as its own frame. */
export function cropFrame(
  frame: FrameLike,
  box: { x: number; y: number; width: number; height: number },
): FrameLike {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(frame.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(frame.height, Math.ceil(box.y + box.height));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * frame.width + x0) * 4;
    out.set(frame.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { data: out, width, height };
}

/** Encodes a frame as a high-quality JPEG, for analysers that take encoded bytes (the face detector). */
export function encodeFrameJpeg(frame: FrameLike): Promise<Buffer> {
  return sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 4 },
  })
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** Luma statistics of a frame (BT.601), sampled on a grid of at most ~64k pixels. */
export function lumaSpread(frame: FrameLike): { mean: number; stdDev: number } {
  const step = Math.max(1, Math.floor(Math.sqrt((frame.width * frame.height) / 65_536)));
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = 0; y < frame.height; y += step) {
    for (let x = 0; x < frame.width; x += step) {
      const i = (y * frame.width + x) * 4;
      const l = 0.299 * frame.data[i]! + 0.587 * frame.data[i + 1]! + 0.114 * frame.data[i + 2]!;
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  const mean = sum / n;
  return { mean, stdDev: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) };
}
