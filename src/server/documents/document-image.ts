/**
 * Pixels of a stored document image for the server's analysis: decoded once (EXIF orientation honoured, at most
 * {@link ANALYSIS_MAX_SIDE} px) into the RGBA frames the `analysis/` code (outline search, rectification) and the
 * readers take, plus the few pixel operations the analysis needs around them.
 */
import sharp from 'sharp';
import type { FrameLike } from '../../analysis/types.js';

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

/** The image turned by 180° (a document photographed upside down). */
export function rotate180(frame: FrameLike): FrameLike {
  const src = new Uint32Array(frame.data.buffer, frame.data.byteOffset, frame.width * frame.height);
  const out = new Uint32Array(src.length);
  for (let i = 0, j = src.length - 1; i < src.length; i++, j--) out[j] = src[i]!;
  return { data: new Uint8ClampedArray(out.buffer), width: frame.width, height: frame.height };
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
