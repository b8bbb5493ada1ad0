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
    let i = y * width + x0;
    for (let x = x0; x < x1; x++, i++) {
      const c2 = 2 * luma[i]!;
      const h = luma[i - 1]! + luma[i + 1]! - c2;
      const v = luma[i - width]! + luma[i + width]! - c2;
      const d = luma[i - width - 1]! + luma[i + width + 1]! - c2;
      const a = luma[i - width + 1]! + luma[i + width - 1]! - c2;
      sh += h;
      shh += h * h;
      sv += v;
      svv += v * v;
      sd += d;
      sdd += d * d;
      sa += a;
      saa += a * a;
      n++;
    }
  }
  if (n === 0) return 0;
  const variance = (s: number, ss: number) => ss / n - (s / n) * (s / n);
  const best = Math.min(
    variance(sh, shh),
    variance(sv, svv),
    0.25 * variance(sd, sdd),
    0.25 * variance(sa, saa),
  );
  return 2 * best;
}
