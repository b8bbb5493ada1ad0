import type { FrameLike } from './types.js';

/** A single-channel 8-bit luma image. */
export interface LumaImage {
  luma: Uint8Array;
  width: number;
  height: number;
  /** Frame pixels per luma pixel (1 when not downscaled). */
  scale: number;
}

/** A rectangle in luma pixels (integers, clipped by the callee). */
export interface LumaRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * BT.601 luma of an RGBA frame, area-averaged down to `targetWidth` (never upscaled). Averaging rather than
 * sampling keeps sensor noise from aliasing into fake edges, and one pass over the source keeps it cheap.
 */
export function toLuma(frame: FrameLike, targetWidth?: number): LumaImage {
  const { data, width: sw, height: sh } = frame;
  const scale = targetWidth && targetWidth < sw ? sw / targetWidth : 1;
  const width = Math.max(1, Math.round(sw / scale));
  const height = Math.max(1, Math.round(sh / scale));
  const luma = new Uint8Array(width * height);
  // One 32-bit read per pixel (RGBA little-endian: R in the low byte) is much faster than three byte reads.
  const px =
    data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, sw * sh)
      : new Uint32Array(new Uint8Array(data).buffer, 0, sw * sh);
  if (scale === 1) {
    for (let i = 0; i < luma.length; i++) {
      const v = px[i]!;
      luma[i] = (77 * (v & 255) + 150 * ((v >>> 8) & 255) + 29 * ((v >>> 16) & 255) + 128) >> 8;
    }
    return { luma, width, height, scale };
  }
  const k = sw / width;
  if (Number.isInteger(k) && height * k === sh) return boxDownscale(px, sw, luma, width, height, k, scale);
  const sy = sh / height;
  const sx = sw / width;
  // Column footprints are the same for every row: compute them once.
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    x0s[x] = Math.floor(x * sx);
    x1s[x] = Math.max(x0s[x]! + 1, Math.min(sw, Math.floor((x + 1) * sx)));
  }
  const colOf = new Int32Array(sw);
  for (let x = 0; x < width; x++) for (let xx = x0s[x]!; xx < x1s[x]!; xx++) colOf[xx] = x;
  const sums = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.min(sh, Math.floor((y + 1) * sy)));
    sums.fill(0);
    for (let yy = y0; yy < y1; yy++) {
      let i = yy * sw;
      const end = i + x1s[width - 1]!;
      for (let x = 0; i < end; i++, x++) {
        const v = px[i]!;
        sums[colOf[x]!]! += 77 * (v & 255) + 150 * ((v >>> 8) & 255) + 29 * ((v >>> 16) & 255);
      }
    }
    const rows = y1 - y0;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      luma[row + x] = Math.min(255, Math.round(sums[x]! / (256 * rows * (x1s[x]! - x0s[x]!))));
    }
  }
  return { luma, width, height, scale };
}

/** Integer-factor area average (the usual 640 → 320 case): k×k source pixels per output pixel, no lookups. */
function boxDownscale(
  px: Uint32Array,
  sw: number,
  luma: Uint8Array,
  width: number,
  height: number,
  k: number,
  scale: number,
): LumaImage {
  const div = 256 * k * k;
  if (k === 2) {
    // The common case, unrolled: both source rows at once, no per-row sum buffer.
    for (let y = 0; y < height; y++) {
      let i = 2 * y * sw;
      let j = i + sw;
      const row = y * width;
      for (let x = 0; x < width; x++, i += 2, j += 2) {
        const a = px[i]!;
        const b = px[i + 1]!;
        const c = px[j]!;
        const d = px[j + 1]!;
        const r = (a & 255) + (b & 255) + (c & 255) + (d & 255);
        const g = ((a >>> 8) & 255) + ((b >>> 8) & 255) + ((c >>> 8) & 255) + ((d >>> 8) & 255);
        const bl = ((a >>> 16) & 255) + ((b >>> 16) & 255) + ((c >>> 16) & 255) + ((d >>> 16) & 255);
        // div is 1024 here: a shift floors exactly as the byte store truncates a quotient, without the division.
        luma[row + x] = (77 * r + 150 * g + 29 * bl + 512) >> 10;
      }
    }
    return { luma, width, height, scale };
  }
  const sums = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let r = 0; r < k; r++) {
      let i = (y * k + r) * sw;
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let c = 0; c < k; c++, i++) {
          const v = px[i]!;
          s += 77 * (v & 255) + 150 * ((v >>> 8) & 255) + 29 * ((v >>> 16) & 255);
        }
        sums[x]! += s;
      }
    }
    const row = y * width;
    for (let x = 0; x < width; x++) luma[row + x] = (sums[x]! + (div >> 1)) / div;
  }
  return { luma, width, height, scale };
}

/** Clips a region to the image; the whole image when absent. */
export function clipRegion(width: number, height: number, region?: LumaRegion): LumaRegion {
  if (!region) return { x: 0, y: 0, width, height };
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(width, Math.ceil(region.x + region.width));
  const y1 = Math.min(height, Math.ceil(region.y + region.height));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** 256-bin histogram of luma values, optionally inside a region and/or where `mask` is non-zero. */
export function lumaHistogram(
  luma: Uint8Array,
  width: number,
  height: number,
  region?: LumaRegion,
  mask?: Uint8Array,
): Uint32Array {
  const hist = new Uint32Array(256);
  const r = clipRegion(width, height, region);
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let i = y * width + r.x, end = i + r.width; i < end; i++) {
      if (!mask || mask[i]) hist[luma[i]!]!++;
    }
  }
  return hist;
}

/** Exposure summary of a luma histogram. */
export interface ExposureStats {
  /** Mean luma 0..255. */
  meanLuma: number;
  /** Share of pixels at or below `darkLevel`. */
  darkRatio: number;
  /** Share of pixels at or above `brightLevel`. */
  brightRatio: number;
  /** Luma that 2 % of the pixels are at or below: the darkest print. */
  lowLuma: number;
  /** Luma that 2 % of the pixels are at or above: the whitest paper or print. */
  highLuma: number;
  /** Number of pixels counted. */
  count: number;
}

export function exposureStats(hist: Uint32Array, darkLevel = 40, brightLevel = 250): ExposureStats {
  let count = 0;
  let sum = 0;
  let dark = 0;
  let bright = 0;
  for (let v = 0; v < 256; v++) {
    const n = hist[v]!;
    count += n;
    sum += n * v;
    if (v <= darkLevel) dark += n;
    if (v >= brightLevel) bright += n;
  }
  if (count === 0) return { meanLuma: 0, darkRatio: 0, brightRatio: 0, lowLuma: 0, highLuma: 0, count };
  const tail = 0.02 * count;
  let lowLuma = 0;
  for (let v = 0, seen = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= tail) {
      lowLuma = v;
      break;
    }
  }
  let highLuma = 255;
  for (let v = 255, seen = 0; v >= 0; v--) {
    seen += hist[v]!;
    if (seen >= tail) {
      highLuma = v;
      break;
    }
  }
  return {
    meanLuma: sum / count,
    darkRatio: dark / count,
    brightRatio: bright / count,
    lowLuma,
    highLuma,
    count,
  };
}

/**
 * Luma plus two opponent colour channels, for finding a document's outline where it differs from the surface in
 * colour more than in brightness (a light-blue card on beige paper). `ca` is (R − G) / 2 and `cb` is
 * ((R + G) / 2 − B) / 2, both offset by 128: the two directions of RGB that carry no luma, on the same scale as it.
 */
export interface ColorImage extends LumaImage {
  ca: Uint8Array;
  cb: Uint8Array;
}

/** `toLuma` with the opponent colour channels, area-averaged the same way. */
export function toColorImage(frame: FrameLike, targetWidth?: number): ColorImage {
  const { data, width: sw, height: sh } = frame;
  const scale = targetWidth && targetWidth < sw ? sw / targetWidth : 1;
  const width = Math.max(1, Math.round(sw / scale));
  const height = Math.max(1, Math.round(sh / scale));
  const luma = new Uint8Array(width * height);
  const ca = new Uint8Array(width * height);
  const cb = new Uint8Array(width * height);
  const px =
    data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, sw * sh)
      : new Uint32Array(new Uint8Array(data).buffer, 0, sw * sh);
  const k = sw / width;
  if (k === 2 && height * 2 === sh) {
    // The common case (640 → 320): 2×2 blocks, unrolled as in boxDownscale.
    for (let y = 0; y < height; y++) {
      let i = 2 * y * sw;
      let j = i + sw;
      const row = y * width;
      for (let x = 0; x < width; x++, i += 2, j += 2) {
        const a = px[i]!;
        const b = px[i + 1]!;
        const c = px[j]!;
        const d = px[j + 1]!;
        const r = (a & 255) + (b & 255) + (c & 255) + (d & 255);
        const g = ((a >>> 8) & 255) + ((b >>> 8) & 255) + ((c >>> 8) & 255) + ((d >>> 8) & 255);
        const bl = ((a >>> 16) & 255) + ((b >>> 16) & 255) + ((c >>> 16) & 255) + ((d >>> 16) & 255);
        luma[row + x] = (77 * r + 150 * g + 29 * bl + 512) >> 10;
        ca[row + x] = ((r - g + 1024) >> 3) & 255;
        cb[row + x] = ((r + g - 2 * bl + 2048) >> 4) & 255;
      }
    }
    return { luma, ca, cb, width, height, scale };
  }
  const sy = sh / height;
  const sx = sw / width;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    x0s[x] = Math.floor(x * sx);
    x1s[x] = Math.max(x0s[x]! + 1, Math.min(sw, Math.floor((x + 1) * sx)));
  }
  const colOf = new Int32Array(sw);
  for (let x = 0; x < width; x++) for (let xx = x0s[x]!; xx < x1s[x]!; xx++) colOf[xx] = x;
  const rs = new Uint32Array(width);
  const gs = new Uint32Array(width);
  const bs = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.min(sh, Math.floor((y + 1) * sy)));
    rs.fill(0);
    gs.fill(0);
    bs.fill(0);
    for (let yy = y0; yy < y1; yy++) {
      let i = yy * sw;
      const end = i + x1s[width - 1]!;
      for (let x = 0; i < end; i++, x++) {
        const v = px[i]!;
        const col = colOf[x]!;
        rs[col]! += v & 255;
        gs[col]! += (v >>> 8) & 255;
        bs[col]! += (v >>> 16) & 255;
      }
    }
    const rows = y1 - y0;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const n = rows * (x1s[x]! - x0s[x]!);
      const r = rs[x]! / n;
      const g = gs[x]! / n;
      const b = bs[x]! / n;
      luma[row + x] = Math.min(255, Math.round((77 * r + 150 * g + 29 * b) / 256));
      ca[row + x] = Math.round((r - g) / 2 + 128);
      cb[row + x] = Math.round(((r + g) / 2 - b) / 2 + 128);
    }
  }
  return { luma, ca, cb, width, height, scale };
}
