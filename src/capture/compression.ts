import imageCompressionModule from 'browser-image-compression';

// The package's types describe a CommonJS default export; bundlers hand us the ESM build's function directly.
type ImageCompression = typeof imageCompressionModule.default;
const imageCompression: ImageCompression =
  (imageCompressionModule as unknown as { default?: ImageCompression }).default ??
  (imageCompressionModule as unknown as ImageCompression);

/** What the image is; each kind has its own byte and size budget. */
export type CompressionKind = 'document' | 'selfie' | 'liveness';

export interface CompressionProfile {
  /** Upper bound on the output size, in MB (10^6 bytes × 1.048…; the library's unit). */
  maxSizeMB: number;
  /** Longest side of the output in px; larger sources are scaled down to this. */
  maxWidthOrHeight: number;
  /** Never go below this longest side when the source is at least this large (documents: MRZ / barcode reading). */
  minLongestSide: number;
  initialQuality: number;
}

/**
 * Budgets from the issue: documents ≤ 1 MB keeping ≥ 1600 px on the longest side, selfies ≤ 400 KB, liveness
 * frames ≤ 80 KB. The library's MB is 1024², so the budgets are expressed in that unit with a little headroom.
 */
export const COMPRESSION_PROFILES: Record<CompressionKind, CompressionProfile> = {
  document: { maxSizeMB: 0.95, maxWidthOrHeight: 2400, minLongestSide: 1600, initialQuality: 0.92 },
  selfie: { maxSizeMB: 0.38, maxWidthOrHeight: 1280, minLongestSide: 640, initialQuality: 0.9 },
  liveness: { maxSizeMB: 0.075, maxWidthOrHeight: 640, minLongestSide: 320, initialQuality: 0.8 },
};

export interface CompressionResult {
  blob: Blob;
  width: number;
  height: number;
  inputBytes: number;
  outputBytes: number;
  ms: number;
}

async function dimensions(blob: Blob): Promise<{ width: number; height: number }> {
  const bitmap = await createImageBitmap(blob);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

/**
 * Compresses to a JPEG within the kind's budget: EXIF orientation applied, all metadata dropped (the image is
 * re-encoded from pixels). Works on the main thread and inside a worker (the library compresses in place when it
 * runs in a WorkerGlobalScope); it never loads anything from another origin (`libURL` is never used because we
 * never let the library spawn its own worker).
 */
export async function compressImage(
  input: Blob,
  kind: CompressionKind,
  signal?: AbortSignal,
): Promise<CompressionResult> {
  const profile = COMPRESSION_PROFILES[kind];
  const t0 = performance.now();
  const source = await dimensions(input);
  const longest = Math.max(source.width, source.height);
  const file =
    input instanceof File ? input : new File([input], `${kind}.jpg`, { type: input.type || 'image/jpeg' });
  const base = {
    maxSizeMB: profile.maxSizeMB,
    useWebWorker: false,
    fileType: 'image/jpeg',
    initialQuality: profile.initialQuality,
    preserveExif: false,
    signal,
  };
  // First keep the resolution (quality goes down); only if that cannot meet the budget, allow scaling down,
  // but not below the kind's minimum longest side.
  let out: Blob = await imageCompression(file, {
    ...base,
    maxWidthOrHeight: Math.min(profile.maxWidthOrHeight, longest),
    alwaysKeepResolution: true,
  });
  if (out.size > profile.maxSizeMB * 1024 * 1024) {
    out = await imageCompression(file, {
      ...base,
      maxWidthOrHeight: Math.min(Math.max(profile.minLongestSide, 1), longest),
      alwaysKeepResolution: false,
    });
  }
  const size = await dimensions(out);
  return { blob: out, ...size, inputBytes: input.size, outputBytes: out.size, ms: performance.now() - t0 };
}
