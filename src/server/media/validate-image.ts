/**
 * Server-side validation of uploaded images: never trust the client's content type, file name or encoder.
 *
 * Order matters: cheap checks first (size, magic number, header), pixels last, so a hostile file is refused before
 * it costs memory or CPU. The common case stores the uploaded bytes minus their metadata, without re-encoding:
 *
 * 1. Structure, in JS, without decoding: JPEG marker segments SOI … SOS … EOI (jpeg-segments.ts) or PNG chunks
 *    with their CRCs (png-chunks.ts). Size limits run as soon as SOFn / IHDR is read, then truncation, impossible
 *    lengths and stray markers are CORRUPT_IMAGE.
 * 2. Strip, losslessly: only the segments/chunks that define pixels and colour are kept (EXIF incl. GPS, XMP,
 *    IPTC, comments, text chunks and trailers are dropped).
 * 3. Decode check on what will be stored, with sharp at 1/8 scale: libjpeg's shrink-on-load still Huffman-decodes
 *    every coefficient (only the IDCT shrinks to the DC term), and PNG inflates every row, so missing or short
 *    entropy data fails (`failOn: 'warning'`, stricter than the former full decode with `failOn: 'error'`, which let
 *    "premature end of data segment" through). For the 1 MB benchmark JPEG the whole validation measured 19–24 ms
 *    CPU against 79 ms for the former full decode + re-encode. Entropy data of the right length but random content
 *    still decodes (to noise) in any decoder; that is left to the usability check.
 * 4. Re-encode only when the pixels must change: an EXIF orientation other than 1 (baked into the pixels with
 *    `.rotate()`; rare, since the widget already applies it) or a CMYK/YCCK JPEG (converted to sRGB). sharp writes
 *    no metadata unless asked, so a re-encode drops it too.
 */
import { webcrypto } from 'node:crypto';
import pLimit from 'p-limit';
import sharp, { type OutputInfo } from 'sharp';
import { ApiError } from '../errors.js';
import { readImagePdf, writeImagePdf } from './image-pdf.js';
import { parseJpeg } from './jpeg-segments.js';
import { PNG_SIGNATURE, parsePng } from './png-chunks.js';

export type StoredMediaType = 'image/jpeg' | 'image/png' | 'application/pdf';

export interface ValidatedImage {
  /** What to store: the upload without metadata, re-encoded only when its pixels had to change (PDF: rewritten). */
  bytes: Buffer;
  mime: StoredMediaType;
  /** Pixels after EXIF orientation was applied (PDF: the first page's box in points). */
  width: number;
  height: number;
  /** Hex sha256 of `bytes`. */
  sha256: string;
  originalBytes: number;
  /** True when the pixels were re-encoded (orientation applied, CMYK converted) rather than copied. */
  reencoded: boolean;
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

/** Quality of a JPEG re-encode (rare, see above): high enough that later OCR/face checks do not lose detail. */
const STORED_JPEG_QUALITY = 92;

/**
 * Deflate cannot compress better than ~1032:1, so a PNG whose declared pixels need more than this many times its
 * file size (even at 1 bit per pixel) cannot contain them: it is a bomb or a lie, refused before decoding.
 */
const MAX_PNG_EXPANSION = 1100;

/**
 * Side of the throw-away thumbnail of the decode check. Far enough below any accepted size that libjpeg always
 * decodes at its smallest scale (1/8, DC only); measured ~15% cheaper than an exact 1/8 target and ~45% cheaper than
 * a full-size decode of a 1 MB photo.
 */
const DECODE_CHECK_SIDE = 64;

/**
 * Decoded size cap, width × height × channels × bytes per sample (issue #18: a 498 KB PNG declaring 512 MB of pixels
 * passed the pixel-count and deflate-ratio checks). The cap is an 8000 × 6000 RGB photo at 8 bits (144 MB), the
 * largest common phone camera output under the 8000 px side limit (48 MP sensors); any 16-bit, alpha or palette
 * image that would decode to more is refused before decoding.
 */
export const MAX_DECODED_BYTES = 8000 * 6000 * 3;

/**
 * Decodes (validation, re-encodes) run at most this many at a time per process, the rest wait in line: eight
 * parallel bombs stalled `/health` for 2.3 s and grew RSS by 240 MB. Two, for the two cores this is sized for;
 * libvips threads each decode internally.
 */
export const MAX_CONCURRENT_DECODES = 2;
/** Uploads waiting for a decode beyond which the server answers 503 at once instead of queueing more memory. */
export const MAX_WAITING_DECODES = 32;
const decodeSlots = pLimit(MAX_CONCURRENT_DECODES);

/** Runs a decode in a slot; 503 `SERVICE_UNAVAILABLE` when too many already wait. */
function inDecodeSlot<T>(work: () => Promise<T>): Promise<T> {
  if (decodeSlots.pendingCount >= MAX_WAITING_DECODES) {
    return Promise.reject(
      new ApiError(503, 'SERVICE_UNAVAILABLE', 'Too many images are being checked; retry shortly'),
    );
  }
  return decodeSlots(work);
}

/** A decode that takes longer than this is treated as hostile (libvips aborts it). */
const DECODE_TIMEOUT_SECONDS = 20;

const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);
const PDF_SIGNATURE = Buffer.from('%PDF-', 'latin1');
const PDF_EOF = Buffer.from('%%EOF', 'latin1');

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
  if (mime === 'application/pdf')
    return validatePdf(bytes, { ...opts, maxBytes, maxDimension, minLongestSide });

  const limits = { maxDimension, minLongestSide, fileBytes: bytes.length };
  const layout =
    mime === 'image/jpeg'
      ? jpegLayout(bytes, (frame) =>
          checkSize(
            frame.width,
            frame.height,
            frame.components * (frame.precision > 8 ? 2 : 1),
            false,
            limits,
          ),
        )
      : pngLayout(bytes, (header) =>
          checkSize(header.width, header.height, pngDecodedBytesPerPixel(header), true, limits),
        );

  const maxPixels = maxDimension * maxDimension;
  if (layout.needsReencode) {
    const stored = await reencode(bytes, mime, maxPixels);
    return {
      bytes: stored.data,
      mime,
      width: stored.info.width,
      height: stored.info.height,
      sha256: await sha256(stored.data),
      originalBytes: input.byteLength,
      reencoded: true,
    };
  }
  // Both run on the thread pool: hash while libjpeg/libpng decode.
  const [, hash] = await Promise.all([checkDecodes(layout.stripped, maxPixels), sha256(layout.stripped)]);
  return {
    bytes: layout.stripped,
    mime,
    width: layout.width,
    height: layout.height,
    sha256: hash,
    originalBytes: input.byteLength,
    reencoded: false,
  };
}

/** What the structure walk found, in terms validateImage needs. */
interface ImageLayout {
  /** Stored size before any orientation is applied. */
  width: number;
  height: number;
  stripped: Buffer;
  /** The pixels must change (orientation applied, CMYK converted): store a re-encode instead of `stripped`. */
  needsReencode: boolean;
}

function jpegLayout(bytes: Buffer, onFrame: Parameters<typeof parseJpeg>[1]): ImageLayout {
  const { frame, orientation, stripped } = parseJpeg(bytes, onFrame);
  // CMYK/YCCK (4 components) is converted to sRGB: browsers and the face/OCR checks downstream expect RGB.
  const needsReencode = orientation !== 1 || frame.components === 4;
  return { width: frame.width, height: frame.height, stripped, needsReencode };
}

function pngLayout(bytes: Buffer, onHeader: Parameters<typeof parsePng>[1]): ImageLayout {
  const { header, orientation, stripped } = parsePng(bytes, onHeader);
  return { width: header.width, height: header.height, stripped, needsReencode: orientation !== 1 };
}

/**
 * Size limits, from the header alone. Orientation does not matter here: the limits are on the longest side and
 * the pixel count, which a 90° turn keeps.
 */
function checkSize(
  width: number,
  height: number,
  bytesPerPixel: number,
  png: boolean,
  limits: { maxDimension: number; minLongestSide: number; fileBytes: number },
): void {
  const { maxDimension, minLongestSide, fileBytes } = limits;
  if (
    width * height > maxDimension * maxDimension ||
    width * height * bytesPerPixel > MAX_DECODED_BYTES ||
    (png && pngCannotHold(width, height, fileBytes))
  ) {
    throw new ApiError(
      422,
      'DECOMPRESSION_BOMB',
      'The image declares more pixels than can be safely decoded.',
    );
  }
  if (Math.max(width, height) > maxDimension) {
    throw new ApiError(
      422,
      'IMAGE_DIMENSIONS_TOO_LARGE',
      `The image is larger than ${maxDimension}×${maxDimension}.`,
    );
  }
  if (Math.max(width, height) < minLongestSide) {
    throw new ApiError(422, 'IMAGE_TOO_SMALL', `The image's longest side is below ${minLongestSide} px.`);
  }
}

/** What libvips decodes a PNG to per pixel: samples widened to 1 or 2 bytes, a palette expanded to RGBA. */
function pngDecodedBytesPerPixel(header: { colorType: number; bitDepth: number }): number {
  const channels = ({ 0: 1, 2: 3, 3: 4, 4: 2, 6: 4 } as Record<number, number>)[header.colorType] ?? 4;
  return channels * (header.bitDepth === 16 ? 2 : 1);
}

function pngCannotHold(width: number, height: number, fileBytes: number): boolean {
  // Lower bound of the inflated size: 1 bit per pixel plus one filter byte per row.
  const minInflated = height * (1 + Math.ceil(width / 8));
  return minInflated > fileBytes * MAX_PNG_EXPANSION;
}

/**
 * Decodes every coefficient / row of `stored` (see the module comment) and throws CORRUPT_IMAGE when the decoder
 * fails or warns. The thumbnail is thrown away.
 */
async function checkDecodes(stored: Buffer, maxPixels: number): Promise<void> {
  try {
    await inDecodeSlot(() =>
      sharp(stored, { limitInputPixels: maxPixels, failOn: 'warning', sequentialRead: true })
        .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
        .resize({ width: DECODE_CHECK_SIDE, height: DECODE_CHECK_SIDE, fit: 'inside' })
        .raw()
        .toBuffer(),
    );
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw corrupt(cause);
  }
}

async function reencode(
  bytes: Buffer,
  mime: 'image/jpeg' | 'image/png',
  maxPixels: number,
): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    // From the original bytes, so libvips sees the EXIF orientation; rotate() bakes it into the pixels. sharp
    // writes no metadata unless asked (no withMetadata/keepExif), so EXIF/GPS/XMP never reach the stored file.
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate();
    const encoded =
      mime === 'image/jpeg'
        ? pipeline.jpeg({ quality: STORED_JPEG_QUALITY, mozjpeg: false })
        : pipeline.png({ compressionLevel: 6 });
    return await inDecodeSlot(() => encoded.toBuffer({ resolveWithObject: true }));
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw corrupt(cause);
  }
}

/** WebCrypto hashes on the libuv thread pool, so a 15 MB upload does not hold the event loop for its hash. */
async function sha256(bytes: Buffer): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

/**
 * PDFs (documents only): parsed, accepted only when every page is a picture, and rewritten so that only the page
 * pictures are stored, each validated and stripped here like an uploaded photo (see image-pdf.ts). Size: the first
 * page's box in points.
 */
async function validatePdf(bytes: Buffer, opts: ValidateImageOptions): Promise<ValidatedImage> {
  // Writers may append whitespace or a little junk after %%EOF; readers look in the last 1 KB, so do we.
  if (!bytes.subarray(Math.max(0, bytes.length - 1024)).includes(PDF_EOF)) throw corrupt();
  const pages = await inDecodeSlot(() => readImagePdf(bytes));
  for (const page of pages) {
    for (const picture of page.pictures) {
      const checked = await validateImage(picture.bytes, { ...opts, allowPdf: false });
      picture.bytes = checked.bytes;
      picture.mime = checked.mime as 'image/jpeg' | 'image/png';
    }
  }
  const stored = await writeImagePdf(pages);
  const first = pages[0] as { width: number; height: number };
  return {
    bytes: stored,
    mime: 'application/pdf',
    width: Math.round(first.width),
    height: Math.round(first.height),
    sha256: await sha256(stored),
    originalBytes: bytes.byteLength,
    reencoded: true,
  };
}

function corrupt(cause?: unknown): ApiError {
  return new ApiError(422, 'CORRUPT_IMAGE', 'The image could not be decoded.', undefined, { cause });
}
