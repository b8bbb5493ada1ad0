/**
 * Server-side validation of uploaded images: never trust the client's content type, file name or encoder.
 *
 * Order matters: cheap checks first (size, magic number, header), the full decode last, so a hostile file is
 * refused before it costs memory or CPU. What is stored is our own re-encode: EXIF (incl. GPS), XMP and comments
 * are gone, EXIF orientation is applied to the pixels, colour is sRGB.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ApiError } from '../errors.js';

export type StoredMediaType = 'image/jpeg' | 'image/png' | 'application/pdf';

export interface ValidatedImage {
  /** What to store: re-encoded pixels without metadata (PDF: the original bytes). */
  bytes: Buffer;
  mime: StoredMediaType;
  /** Pixels after EXIF orientation was applied (PDF: first MediaBox in points, 0 when absent). */
  width: number;
  height: number;
  /** Hex sha256 of `bytes`. */
  sha256: string;
  originalBytes: number;
}

export interface ValidateImageOptions {
  /** Accept PDF (document uploads only). Default false. */
  allowPdf?: boolean;
  maxBytes?: number;
  maxDimension?: number;
  /** Smallest accepted longest side in px. */
  minLongestSide?: number;
}

/** Upload limits from DESIGN.md §6: ≤ 15 MB, ≤ 8000×8000, longest side > 300 px. */
export const UPLOAD_LIMITS = {
  maxBytes: 15 * 1024 * 1024,
  maxDimension: 8000,
  minLongestSide: 301,
} as const;

/** Quality of the stored JPEG re-encode: high enough that later OCR/face checks do not lose detail. */
const STORED_JPEG_QUALITY = 92;

/**
 * Deflate cannot compress better than ~1032:1, so a PNG whose declared pixels need more than this many times its
 * file size (even at 1 bit per pixel) cannot contain them: it is a bomb or a lie, refused before decoding.
 */
const MAX_PNG_EXPANSION = 1100;

/** A decode that takes longer than this is treated as hostile (libvips aborts it). */
const DECODE_TIMEOUT_SECONDS = 20;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);
const PDF_SIGNATURE = Buffer.from('%PDF-', 'latin1');
const PDF_EOF = Buffer.from('%%EOF', 'latin1');

/** PDF names that mean active content or hidden payloads; refused because we store PDFs as uploaded. */
const PDF_ACTIVE_CONTENT = ['/JavaScript', '/JS', '/Launch', '/EmbeddedFile', '/RichMedia', '/XFA'];

/** The media type the bytes actually are, from their magic number; undefined when not one we accept. */
export function sniffMediaType(bytes: Uint8Array): StoredMediaType | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16));
  if (head.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return 'image/png';
  if (head.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) return 'image/jpeg';
  if (head.subarray(0, PDF_SIGNATURE.length).equals(PDF_SIGNATURE)) return 'application/pdf';
  return undefined;
}

/**
 * Validates an upload and returns what to store.
 *
 * Errors (all ApiError): empty input → 400 `MISSING_FILE` (an empty part is no file, not a broken image);
 * too many bytes → 413 `IMAGE_TOO_LARGE`; not JPEG/PNG (or PDF when allowed) → 415 `UNSUPPORTED_MEDIA_TYPE`;
 * more pixels than maxDimension² or a PNG too small to hold its declared pixels → 422 `DECOMPRESSION_BOMB`;
 * a side above maxDimension → 422 `IMAGE_DIMENSIONS_TOO_LARGE`; longest side below minLongestSide → 422
 * `IMAGE_TOO_SMALL`; undecodable or truncated → 422 `CORRUPT_IMAGE`.
 */
export async function validateImage(
  input: Uint8Array,
  opts: ValidateImageOptions = {},
): Promise<ValidatedImage> {
  const maxBytes = opts.maxBytes ?? UPLOAD_LIMITS.maxBytes;
  const maxDimension = opts.maxDimension ?? UPLOAD_LIMITS.maxDimension;
  const minLongestSide = opts.minLongestSide ?? UPLOAD_LIMITS.minLongestSide;

  if (input.byteLength === 0) throw new ApiError(400, 'MISSING_FILE', 'The uploaded file is empty.');
  if (input.byteLength > maxBytes) {
    throw new ApiError(413, 'IMAGE_TOO_LARGE', `The file is larger than ${maxBytes} bytes.`);
  }
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const mime = sniffMediaType(bytes);
  if (mime === undefined || (mime === 'application/pdf' && !opts.allowPdf)) {
    const accepted = opts.allowPdf ? 'JPEG, PNG or PDF' : 'JPEG or PNG';
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `The file is not a ${accepted}.`);
  }
  if (mime === 'application/pdf') return validatePdf(bytes);

  const header = await readHeader(bytes, mime);
  const maxPixels = maxDimension * maxDimension;
  if (header.width * header.height > maxPixels || declaresMorePixelsThanItCanHold(header, bytes.byteLength)) {
    throw new ApiError(
      422,
      'DECOMPRESSION_BOMB',
      'The image declares more pixels than can be safely decoded.',
    );
  }
  if (Math.max(header.width, header.height) > maxDimension) {
    throw new ApiError(
      422,
      'IMAGE_DIMENSIONS_TOO_LARGE',
      `The image is larger than ${maxDimension}×${maxDimension}.`,
    );
  }
  if (Math.max(header.width, header.height) < minLongestSide) {
    throw new ApiError(422, 'IMAGE_TOO_SMALL', `The image's longest side is below ${minLongestSide} px.`);
  }

  const stored = await reencode(bytes, mime, maxPixels);
  return {
    bytes: stored.data,
    mime,
    width: stored.info.width,
    height: stored.info.height,
    sha256: createHash('sha256').update(stored.data).digest('hex'),
    originalBytes: input.byteLength,
  };
}

interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

/** Reads only the header (no pixel decode), so even a 50000×50000 bomb is cheap to look at. */
async function readHeader(bytes: Buffer, mime: 'image/jpeg' | 'image/png'): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw corrupt(cause);
  }
  const expected = mime === 'image/png' ? 'png' : 'jpeg';
  if (meta.format !== expected || !meta.width || !meta.height) throw corrupt();
  return { format: expected, width: meta.width, height: meta.height };
}

function declaresMorePixelsThanItCanHold(header: ImageHeader, fileBytes: number): boolean {
  if (header.format !== 'png') return false;
  // Lower bound of the inflated size: 1 bit per pixel plus one filter byte per row.
  const minInflated = header.height * (1 + Math.ceil(header.width / 8));
  return minInflated > fileBytes * MAX_PNG_EXPANSION;
}

async function reencode(
  bytes: Buffer,
  mime: 'image/jpeg' | 'image/png',
  maxPixels: number,
): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    // failOn 'error' also fails truncated files; rotate() bakes EXIF orientation into the pixels. sharp writes no
    // metadata unless asked (no withMetadata/keepExif), so EXIF/GPS/XMP never reach the stored file.
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate();
    const encoded =
      mime === 'image/jpeg'
        ? pipeline.jpeg({ quality: STORED_JPEG_QUALITY, mozjpeg: false })
        : pipeline.png({ compressionLevel: 6 });
    return await encoded.toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw corrupt(cause);
  }
}

/**
 * PDFs cannot be rasterised here (sharp's prebuilt libvips has no PDF loader), so they are checked structurally
 * and stored as uploaded: header, end-of-file marker, no active content, and page size from the first MediaBox.
 */
function validatePdf(bytes: Buffer): ValidatedImage {
  // Writers may append whitespace or a little junk after %%EOF; readers look in the last 1 KB, so do we.
  if (!bytes.subarray(Math.max(0, bytes.length - 1024)).includes(PDF_EOF)) throw corrupt();
  const text = bytes.toString('latin1');
  if (PDF_ACTIVE_CONTENT.some((name) => new RegExp(`${name.replace('/', '\\/')}(?![A-Za-z])`).test(text))) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'PDFs with scripts, actions or attachments are not accepted.',
    );
  }
  const box = /\/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]/.exec(text);
  const [x0, y0, x1, y1] = box ? box.slice(1).map(Number) : [0, 0, 0, 0];
  return {
    bytes,
    mime: 'application/pdf',
    width: Math.round(Math.abs(x1 - x0)),
    height: Math.round(Math.abs(y1 - y0)),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    originalBytes: bytes.byteLength,
  };
}

function corrupt(cause?: unknown): ApiError {
  return new ApiError(422, 'CORRUPT_IMAGE', 'The image could not be decoded.', undefined, { cause });
}
