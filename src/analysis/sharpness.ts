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
  const offsets = [1, width, width + 1, width - 1];
  // Diagonal steps are √2 long: their second difference is scaled by 1/2 to compare per unit length².
  const weights = [1, 1, 0.5, 0.5];
  let best = Number.POSITIVE_INFINITY;
  for (let d = 0; d < 4; d++) {
    const o = offsets[d]!;
    const wt = weights[d]!;
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (let y = y0; y < y1; y++) {
      let i = y * width + x0;
      for (let x = x0; x < x1; x++, i++) {
        const v = (luma[i - o]! + luma[i + o]! - 2 * luma[i]!) * wt;
        sum += v;
        sumSq += v * v;
        n++;
      }
    }
    if (n === 0) return 0;
    const mean = sum / n;
    best = Math.min(best, sumSq / n - mean * mean);
  }
  return 2 * best;
}
