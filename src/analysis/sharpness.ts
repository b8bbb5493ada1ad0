import { clipRegion, type LumaRegion } from './luma.js';

/**
 * Variance of the 4-neighbour Laplacian inside `region` (luma pixels): the classic focus measure. It falls fast
 * with defocus and motion blur. It also grows with content and contrast, so compare values measured at the same
 * scale on similar content (callers rectify the card or resample the face to a fixed size first).
 */
export function laplacianVariance(
  luma: Uint8Array,
  width: number,
  height: number,
  region?: LumaRegion,
): number {
  const r = clipRegion(width, height, region);
  const x0 = Math.max(1, r.x);
  const y0 = Math.max(1, r.y);
  const x1 = Math.min(width - 1, r.x + r.width);
  const y1 = Math.min(height - 1, r.y + r.height);
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let y = y0; y < y1; y++) {
    let i = y * width + x0;
    for (let x = x0; x < x1; x++, i++) {
      const lap = luma[i - 1]! + luma[i + 1]! + luma[i - width]! + luma[i + width]! - 4 * luma[i]!;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/**
 * Focus measure that also catches motion blur: the variance of the second difference along x, y and both
 * diagonals, taking the weakest direction (×2, to be on the scale of `laplacianVariance` for isotropic
 * content). Motion smears one direction only, which the isotropic Laplacian barely notices.
 */
export function directionalSharpness(
  luma: Uint8Array,
  width: number,
  height: number,
  region?: LumaRegion,
): number {
  return 2 * Math.min(...directionalVariances(luma, width, height, region));
}

/**
 * How much one direction is smeared against the one across it: the larger ratio of the second-difference
 * variances along x against y, and along one diagonal against the other (1 = alike both ways). Pairs at right
 * angles, never an axis against a diagonal: on fine texture or sensor noise those differ by the steps' lengths
 * alone, while a streak lowers its own direction and leaves the one across it.
 */
export function streakAnisotropy(variances: readonly [number, number, number, number]): number {
  const [h, v, d, a] = variances;
  const ratio = (p: number, q: number) => Math.max(p, q) / Math.max(1e-6, Math.min(p, q));
  return Math.max(ratio(h, v), ratio(d, a));
}

/**
 * Variances of the second difference along x, y and the two diagonals (these scaled by 1/4, per unit length²),
 * over a region: what `directionalSharpness` and `streakAnisotropy` read.
 */
export function directionalVariances(
  luma: Uint8Array,
  width: number,
  height: number,
  region?: LumaRegion,
): [number, number, number, number] {
  const r = clipRegion(width, height, region);
  const x0 = Math.max(1, r.x);
  const y0 = Math.max(1, r.y);
  const x1 = Math.min(width - 1, r.x + r.width);
  const y1 = Math.min(height - 1, r.y + r.height);
  // One pass for all four directions: each is a separate pass over the pixels otherwise. Integer second
  // differences; diagonal steps are √2 long, so their variance is scaled by 1/4 (difference × 1/2) to compare per
  // unit length².
  let n = 0;
  let sh = 0;
  let shh = 0;
  let sv = 0;
  let svv = 0;
  let sd = 0;
  let sdd = 0;
  let sa = 0;
  let saa = 0;
  for (let y = y0; y < y1; y++) {
    if (x1 <= x0) break;
    // The 3×3 window slides along the row in registers: three loads per pixel instead of nine. Sums per row
    // stay small integers (|second difference| ≤ 510, squares ≤ 260100, rows ≤ ~8000 px wide), and the row's
    // totals are added to the running ones, which are exact integers too: the same sums as a pixel-by-pixel pass.
    let i = y * width + x0;
    let a0 = luma[i - width - 1]!;
    let a1 = luma[i - width]!;
    let b0 = luma[i - 1]!;
    let b1 = luma[i]!;
    let c0 = luma[i + width - 1]!;
    let c1 = luma[i + width]!;
    let rh = 0;
    let rhh = 0;
    let rv = 0;
    let rvv = 0;
    let rd = 0;
    let rdd = 0;
    let ra = 0;
    let raa = 0;
    for (let x = x0; x < x1; x++, i++) {
      const a2 = luma[i - width + 1]!;
      const b2 = luma[i + 1]!;
      const c2 = luma[i + width + 1]!;
      const centre = 2 * b1;
      const h = b0 + b2 - centre;
      const v = a1 + c1 - centre;
      const d = a0 + c2 - centre;
      const e = a2 + c0 - centre;
      rh += h;
      rhh += h * h;
      rv += v;
      rvv += v * v;
      rd += d;
      rdd += d * d;
      ra += e;
      raa += e * e;
      a0 = a1;
      a1 = a2;
      b0 = b1;
      b1 = b2;
      c0 = c1;
      c1 = c2;
    }
    sh += rh;
    shh += rhh;
    sv += rv;
    svv += rvv;
    sd += rd;
    sdd += rdd;
    sa += ra;
    saa += raa;
    n += x1 - x0;
  }
  if (n === 0) return [0, 0, 0, 0];
  const variance = (s: number, ss: number) => ss / n - (s / n) * (s / n);
  return [variance(sh, shh), variance(sv, svv), 0.25 * variance(sd, sdd), 0.25 * variance(sa, saa)];
}

/**
 * Focus measure of a document that does not depend on how much of it is printed: `directionalSharpness` of each
 * tile of a `columns × rows` grid over the region, averaged over the better half of the tiles. A card back that is
 * mostly a black stripe or a plain colour field has only a few printed tiles, and averaging its plain ones in would
 * make a sharp card read as blurred; blur lowers every printed tile alike.
 */
export function textureSharpness(
  luma: Uint8Array,
  width: number,
  height: number,
  region?: LumaRegion,
  columns = 6,
  rows = 4,
): number {
  const r = clipRegion(width, height, region);
  const values: number[] = [];
  for (let j = 0; j < rows; j++) {
    const y0 = r.y + Math.floor((r.height * j) / rows);
    const y1 = r.y + Math.floor((r.height * (j + 1)) / rows);
    for (let i = 0; i < columns; i++) {
      const x0 = r.x + Math.floor((r.width * i) / columns);
      const x1 = r.x + Math.floor((r.width * (i + 1)) / columns);
      values.push(
        directionalSharpness(luma, width, height, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }),
      );
    }
  }
  values.sort((a, b) => b - a);
  const half = Math.max(1, values.length >> 1);
  let sum = 0;
  for (let k = 0; k < half; k++) sum += values[k]!;
  return sum / half;
}
