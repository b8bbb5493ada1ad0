/**
 * Pixel metrics of a stored image, measured server-side (the client's own checks are never trusted): sharpness,
 * exposure and glare, on a greyscale copy whose longest side is at most {@link METRICS_MAX_SIDE} px so numbers are
 * comparable across camera resolutions and the cost is bounded (~1 Mpx whatever was uploaded).
 */
import sharp from 'sharp';

/** Images are measured at this longest side (never upscaled). */
export const METRICS_MAX_SIDE = 1024;
/** Luma at or above which a pixel counts as near-saturated (specular glare, blown highlights). */
export const SATURATED_LUMA = 250;
/** Luma at or below which a pixel counts as crushed to black. */
export const DARK_LUMA = 25;

const LAPLACIAN = { width: 3, height: 3, kernel: [0, 1, 0, 1, -4, 1, 0, 1, 0] };

export interface ImageQualityMetrics {
  /** Size of the image as stored. */
  width: number;
  height: number;
  /** Size the metrics were measured at. */
  measuredWidth: number;
  measuredHeight: number;
  /** Variance of the 4-neighbour Laplacian of luma: high for crisp edges, low for blur. */
  sharpness: number;
  /** Mean luma, 0–255. */
  meanLuma: number;
  /** Standard deviation of luma: low for flat, washed-out or black frames. */
  lumaStdDev: number;
  /** Share of pixels with luma ≤ {@link DARK_LUMA}. */
  darkShare: number;
  /** Share of pixels with luma ≥ {@link SATURATED_LUMA}. */
  saturatedShare: number;
  /**
   * Share of the image covered by the largest 4-connected blob of saturated pixels: glare is one bright patch,
   * while saturated pixels scattered over white paper or text are not.
   */
  largestGlareBlobShare: number;
}

/** Measures an encoded image (JPEG/PNG as stored). Throws sharp's error if the bytes do not decode. */
export async function measureImageQuality(encoded: Buffer): Promise<ImageQualityMetrics> {
  const source = sharp(encoded);
  const meta = await source.metadata();
  const luma = await source
    .clone()
    .resize({ width: METRICS_MAX_SIDE, height: METRICS_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = luma.info;
  // Convolve in libvips but read the result as float: an 8-bit output would clip the negative half of the Laplacian.
  const laplacian = await sharp(luma.data, { raw: { width, height, channels: 1 } })
    .convolve(LAPLACIAN)
    .raw({ depth: 'float' })
    .toBuffer();
  const lap = new Float32Array(laplacian.buffer, laplacian.byteOffset, laplacian.byteLength / 4);

  return {
    width: meta.width ?? width,
    height: meta.height ?? height,
    measuredWidth: width,
    measuredHeight: height,
    sharpness: interiorVariance(lap, width, height),
    ...lumaStatistics(luma.data),
    largestGlareBlobShare: largestSaturatedBlob(luma.data, width, height) / (width * height),
  };
}

/** Variance over interior pixels: the 1-px border is convolved against padding and would add fake edges. */
function interiorVariance(values: Float32Array, width: number, height: number): number {
  let sum = 0;
  let sumSquares = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      const v = values[i]!;
      sum += v;
      sumSquares += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSquares / n - mean * mean;
}

function lumaStatistics(
  luma: Buffer,
): Pick<ImageQualityMetrics, 'meanLuma' | 'lumaStdDev' | 'darkShare' | 'saturatedShare'> {
  const histogram = new Uint32Array(256);
  for (const v of luma) histogram[v]!++;
  const n = luma.length;
  let sum = 0;
  let sumSquares = 0;
  let dark = 0;
  let saturated = 0;
  for (let v = 0; v < 256; v++) {
    const count = histogram[v]!;
    sum += v * count;
    sumSquares += v * v * count;
    if (v <= DARK_LUMA) dark += count;
    if (v >= SATURATED_LUMA) saturated += count;
  }
  const meanLuma = sum / n;
  return {
    meanLuma,
    lumaStdDev: Math.sqrt(Math.max(0, sumSquares / n - meanLuma * meanLuma)),
    darkShare: dark / n,
    saturatedShare: saturated / n,
  };
}

/** Pixel count of the largest 4-connected component of saturated pixels (iterative flood fill, no recursion). */
function largestSaturatedBlob(luma: Buffer, width: number, height: number): number {
  const visited = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let largest = 0;
  for (let start = 0; start < luma.length; start++) {
    if (visited[start] || luma[start]! < SATURATED_LUMA) continue;
    let top = 0;
    let size = 0;
    stack[top++] = start;
    visited[start] = 1;
    while (top > 0) {
      const i = stack[--top]!;
      size++;
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const j of neighbours) {
        if (j < 0 || j >= luma.length || visited[j] || luma[j]! < SATURATED_LUMA) continue;
        visited[j] = 1;
        stack[top++] = j;
      }
    }
    largest = Math.max(largest, size);
  }
  return largest;
}
