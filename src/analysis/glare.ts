import { clipRegion, type LumaRegion } from './luma.js';

export interface GlareOptions {
  /** Only look here (luma pixels). */
  region?: LumaRegion;
  /** Only count pixels where the mask is non-zero (same size as the luma image). */
  mask?: Uint8Array;
  /** Luma at or above which a pixel counts as blown out (default 250: sensor clipping, not just a light card). */
  level?: number;
  /**
   * A boundary pixel of a blob is "soft" when the pixel just outside is within `haloDrop` (default 12) of `level`
   * and the pixel 4 px further out within 2 × `haloDrop`: a specular highlight fades out gradually, while white
   * print (an MRZ band, a barcode quiet zone) ends at a sharp step to ink or to the card's tint.
   */
  haloDrop?: number;
}

/** Smoothed luma a glare-like blob must reach somewhere: the sensor's ceiling (after JPEG, 254–255). */
const CLIPPED = 254;

/** How far past a blob's edge (pixels) its halo is probed. */
const HALO_DISTANCE = 4;

export interface GlareStats {
  /** Share of examined pixels inside glare-like blobs. */
  ratio: number;
  /** Largest glare-like blob, as a share of the examined pixels. */
  largestCluster: number;
  /** Share of examined pixels at or above `level`, glare-like or not. */
  saturatedRatio: number;
  /**
   * Half-side (pixels) of the largest solid square of saturated pixels: a reflection washes out the print under
   * it, while white print areas (MRZ band, barcode quiet zone) are broken up by characters every few pixels.
   * Catches a highlight merged with such an area, whose rim the soft-rim test no longer sees.
   */
  solidCore: number;
  /**
   * Share of examined pixels at least SOLID_DEPTH pixels (chessboard) inside a saturated area: the washed-out part
   * of a reflection, whatever its rim — a highlight over a barcode or text has a hard rim where it meets the ink,
   * but nothing is left to read inside it. Print broken up by characters every few pixels has next to none, and
   * rows or columns solid across most of the card (a white band of the layout at saturation) are left out.
   */
  solidArea: number;
}

/**
 * Depth (pixels, on the card rectified to 320 px) from the edge of a saturated area from which on it counts towards
 * `solidArea`: deeper than the white gaps between MRZ lines (8–9 px tall), shallower than the core of the smallest
 * reflection worth refusing (a spot 3 % of the card wide).
 */
const SOLID_DEPTH = 5;
/** Share of a row or column that, saturated, makes it a white band of the layout (see solidDepth). */
const BAND_SHARE = 0.6;

/**
 * Glare on a luma image: near-saturated pixels grouped into 4-connected blobs, keeping the blobs with a soft rim
 * (at least half the boundary) that a reflection makes. A reflection is one compact blob that hides a field; its
 * size is what matters. A reflection that merges with a large white print area (an MRZ band) takes on that
 * area's hard rim; `solidCore` still shows it, as print is broken up by characters and a reflection is not.
 */
export function glareStats(
  source: Uint8Array,
  width: number,
  height: number,
  opts: GlareOptions = {},
): GlareStats {
  const level = opts.level ?? 250;
  const drop = opts.haloDrop ?? 12;
  const mask = opts.mask;
  const r = clipRegion(width, height, opts.region);
  const x0 = r.x;
  const y0 = r.y;
  const x1 = r.x + r.width;
  const y1 = r.y + r.height;
  // 3×3 mean first: sensor noise must not punch "holes" into a white area, whose rims would look soft. A mean
  // reaches `level` only where some pixel of its 3×3 does, so it is computed around those pixels and, lazily, where
  // a blob's rim is probed: most cards have a few such pixels or none, and smoothing the whole card cost more than
  // everything else here.
  // Most frames have no pixel at `level` at all: then nothing can be found, and nothing is allocated.
  if (!anyAtLeast(source, width, r, level)) {
    return { ratio: 0, largestCluster: 0, saturatedRatio: 0, solidCore: 0, solidArea: 0 };
  }
  const smoothed = new RegionSmoother(source, width, r);
  const examined = mask ? countMask(mask, width, r) : r.width * r.height;
  let saturated = 0;
  // 1 = saturated and not yet visited.
  const hot = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) {
    for (let i = y * width + x0, end = i + r.width; i < end; i++) {
      if (source[i]! < level) continue;
      // Every pixel whose 3×3 holds this one may reach `level`.
      const x = i - y * width;
      for (let ny = Math.max(y0, y - 1); ny <= Math.min(y1 - 1, y + 1); ny++) {
        for (let nx = Math.max(x0, x - 1); nx <= Math.min(x1 - 1, x + 1); nx++) {
          const j = ny * width + nx;
          if (hot[j] || (mask && !mask[j])) continue;
          if (smoothed.at(j) >= level) {
            hot[j] = 1;
            saturated++;
          }
        }
      }
    }
  }
  if (examined === 0) return { ratio: 0, largestCluster: 0, saturatedRatio: 0, solidCore: 0, solidArea: 0 };
  const solid = saturated > 0 ? solidDepth(hot, width, x0, y0, x1, y1) : { core: 0, deep: 0 };
  const solidCore = solid.core;
  let largest = 0;
  let glarePixels = 0;
  if (saturated > 0) {
    const stack = new Int32Array(saturated);
    for (let start = 0; start < hot.length; start++) {
      if (!hot[start]) continue;
      hot[start] = 0;
      let top = 0;
      stack[top++] = start;
      let size = 0;
      let boundary = 0;
      let soft = 0;
      let peak = 0;
      while (top > 0) {
        const i = stack[--top]!;
        size++;
        const v = smoothed.at(i);
        if (v > peak) peak = v;
        const x = i % width;
        const y = (i - x) / width;
        // Visit the four neighbours inside the region: saturated ones join the blob, the rest are its boundary.
        for (let k = 0; k < 4; k++) {
          const nx = k === 0 ? x - 1 : k === 1 ? x + 1 : x;
          const ny = k === 2 ? y - 1 : k === 3 ? y + 1 : y;
          if (nx < x0 || nx >= x1 || ny < y0 || ny >= y1) continue;
          const j = ny * width + nx;
          if (mask && !mask[j]) continue;
          if (hot[j]) {
            hot[j] = 0;
            stack[top++] = j;
            continue;
          }
          const near = smoothed.at(j);
          if (near >= level) continue;
          boundary++;
          // Probe further out, past any blur of a printed edge, where a reflection is still bright.
          const fx = nx + (nx - x) * HALO_DISTANCE;
          const fy = ny + (ny - y) * HALO_DISTANCE;
          if (fx < x0 || fx >= x1 || fy < y0 || fy >= y1) continue;
          if (near >= level - drop && smoothed.at(fy * width + fx) >= level - 2 * drop) soft++;
        }
      }
      // A reflection clips: somewhere in it the sensor is at its ceiling. White paper lit a little unevenly hovers
      // just under it, in soft-rimmed specks that are not one.
      if (peak >= CLIPPED && (boundary === 0 || soft >= 0.5 * boundary)) {
        glarePixels += size;
        if (size > largest) largest = size;
      }
    }
  }
  return {
    ratio: glarePixels / examined,
    largestCluster: largest / examined,
    saturatedRatio: saturated / examined,
    solidCore,
    solidArea: solid.deep / examined,
  };
}

/**
 * Chessboard distance from each set pixel of `mask` to the nearest unset pixel (or the region's edge), inside the
 * region [x0, x1) × [y0, y1) (two-pass distance transform): its largest value, and how many pixels reach SOLID_DEPTH
 * outside print bands. A row (or column) saturated across most of the region is a white band of the layout (an
 * MRZ band, a white margin) at saturation: cards print in bands aligned with their edges, reflections are not
 * aligned with anything, so those rows and columns do not count as washed out.
 */
function solidDepth(
  mask: Uint8Array,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): { core: number; deep: number } {
  const d = new Uint16Array(mask.length);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const up = y > y0;
      const left = x > x0 ? d[i - 1]! : 0;
      const top = up ? d[i - width]! : 0;
      const topLeft = up && x > x0 ? d[i - width - 1]! : 0;
      const topRight = up && x < x1 - 1 ? d[i - width + 1]! : 0;
      d[i] = Math.min(left, top, topLeft, topRight) + 1;
    }
  }
  let best = 0;
  // Saturated pixels per row and per column: a band of the layout is saturated across most of the region.
  const rowHot = new Int32Array(y1 - y0);
  const colHot = new Int32Array(x1 - x0);
  for (let y = y1 - 1; y >= y0; y--) {
    for (let x = x1 - 1; x >= x0; x--) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const down = y < y1 - 1;
      const right = x < x1 - 1 ? d[i + 1]! : 0;
      const bottom = down ? d[i + width]! : 0;
      const bottomRight = down && x < x1 - 1 ? d[i + width + 1]! : 0;
      const bottomLeft = down && x > x0 ? d[i + width - 1]! : 0;
      const v = Math.min(d[i]!, Math.min(right, bottom, bottomRight, bottomLeft) + 1);
      d[i] = v;
      if (v > best) best = v;
      rowHot[y - y0]!++;
      colHot[x - x0]!++;
    }
  }
  let deep = 0;
  if (best >= SOLID_DEPTH) {
    const bandRow = BAND_SHARE * (x1 - x0);
    const bandCol = BAND_SHARE * (y1 - y0);
    for (let y = y0; y < y1; y++) {
      if (rowHot[y - y0]! >= bandRow) continue;
      for (let x = x0; x < x1; x++) {
        if (colHot[x - x0]! >= bandCol) continue;
        if (d[y * width + x]! >= SOLID_DEPTH) deep++;
      }
    }
  }
  return { core: best, deep };
}

/** True when some pixel inside `r` is at or above `level`. */
function anyAtLeast(src: Uint8Array, width: number, r: LumaRegion, level: number): boolean {
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let i = y * width + r.x, end = i + r.width; i < end; i++) if (src[i]! >= level) return true;
  }
  return false;
}

/** Pixels of `r` where the mask is set. */
function countMask(mask: Uint8Array, width: number, r: LumaRegion): number {
  let n = 0;
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let i = y * width + r.x, end = i + r.width; i < end; i++) if (mask[i]) n++;
  }
  return n;
}

/**
 * 3×3 box mean of `src` at pixels inside `r` (edges clamped to the region), computed on first use and kept: only
 * the pixels near bright ones are ever asked for.
 */
class RegionSmoother {
  /** Mean + 1 where computed, 0 where not yet. */
  private readonly cache: Uint16Array;
  private readonly x1: number;
  private readonly y1: number;

  constructor(
    private readonly src: Uint8Array,
    private readonly width: number,
    private readonly r: LumaRegion,
  ) {
    this.cache = new Uint16Array(src.length);
    this.x1 = r.x + r.width - 1;
    this.y1 = r.y + r.height - 1;
  }

  at(i: number): number {
    const cached = this.cache[i]!;
    if (cached) return cached - 1;
    const { src, width, r } = this;
    const y = (i / width) | 0;
    const x = i - y * width;
    const ya = (y > r.y ? y - 1 : y) * width;
    const yb = y * width;
    const yc = (y < this.y1 ? y + 1 : y) * width;
    const xa = x > r.x ? x - 1 : x;
    const xc = x < this.x1 ? x + 1 : x;
    const s =
      src[ya + xa]! +
      src[ya + x]! +
      src[ya + xc]! +
      src[yb + xa]! +
      src[yb + x]! +
      src[yb + xc]! +
      src[yc + xa]! +
      src[yc + x]! +
      src[yc + xc]!;
    const mean = ((s + 4) / 9) | 0;
    this.cache[i] = mean + 1;
    return mean;
  }
}
