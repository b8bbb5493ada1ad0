/**
 * Upload corpus of hostile and broken files, generated in code (nothing committed), with the API error each one
 * must produce. Entries whose `expectedCode` is `OK` are valid and must be accepted.
 *
 * Used by the media validation tests and by server route tests (H3) that post these as multipart parts.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { pngChunk } from '../../src/server/media/image-pdf.js';

export interface CorpusEntry {
  name: string;
  bytes: Buffer;
  filename: string;
  /** An ApiErrorCode, or `OK` for files that must be accepted. */
  expectedCode: string;
  expectedStatus: number;
}

/**
 * A structurally valid 1-bit greyscale PNG of `width`×`height` whose pixels are all zero. Zero rows deflate about
 * 1000:1, so 50000×50000 is ~300 KB on disk but 2.5 gigapixels once decoded: the classic decompression bomb.
 */
export function zeroFilledPng(
  width: number,
  height: number,
  format: { bitDepth: number; colorType: number; channels: number } = {
    bitDepth: 1,
    colorType: 0,
    channels: 1,
  },
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = format.bitDepth;
  ihdr[9] = format.colorType;
  // Each row: filter byte 0 + the row's bytes of zero pixels.
  const raw = Buffer.alloc((1 + Math.ceil((width * format.channels * format.bitDepth) / 8)) * height);
  const idat = deflateSync(raw, { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A photo-like image (gradient + noise) so encoders produce realistic, non-trivial files. */
export async function photoLikeImage(width: number, height: number): Promise<Sharp> {
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: 70, g: 110, b: 160 } } }).composite([
    { input: noise, blend: 'overlay' },
  ]);
}

/** True when a raw EXIF block carries a GPS IFD pointer (tag 0x8825), in either byte order. */
export function exifHasGps(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  const littleEndian = exif.includes(Buffer.from('II*\0', 'latin1'));
  return exif.includes(Buffer.from(littleEndian ? [0x25, 0x88] : [0x88, 0x25]));
}

let cached: Promise<CorpusEntry[]> | undefined;

/** Builds (once per process) and returns the corpus. */
export function malformedCorpus(): Promise<CorpusEntry[]> {
  cached ??= buildCorpus();
  return cached;
}

async function buildCorpus(): Promise<CorpusEntry[]> {
  const goodJpeg = await (await photoLikeImage(800, 600)).jpeg({ quality: 90 }).toBuffer();
  const gpsJpeg = await (await photoLikeImage(640, 480))
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'idv-test', Model: 'corpus' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2412/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 0/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const jpegHeader = goodJpeg.subarray(0, 2048);
  const sixteenMb = Buffer.concat([jpegHeader, randomBytes(16 * 1024 * 1024 - jpegHeader.length)]);
  const wideJpeg = await sharp({ create: { width: 9000, height: 400, channels: 3, background: '#446688' } })
    .jpeg()
    .toBuffer();
  const tinyPng = await (await photoLikeImage(200, 200)).png().toBuffer();
  const tiff = await (await photoLikeImage(640, 480)).tiff().toBuffer();
  const gif = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#888888' } })
    .gif()
    .toBuffer();
  const webp = await (await photoLikeImage(640, 480)).webp().toBuffer();
  const svg = Buffer.from(
    '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">' +
      '<rect width="800" height="600" fill="#36c"/><script>alert(1)</script></svg>',
  );
  const pdf = Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n' +
      '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n' +
      'trailer<</Root 1 0 R>>\n%%EOF\n',
  );
  // Garbage after a valid-looking header: right magic number, undecodable body.
  const garbageAfterHeader = Buffer.concat([goodJpeg.subarray(0, 20), randomBytes(4000)]);
  const goodPng = await (await photoLikeImage(500, 400)).png().toBuffer();
  const corruptPng = Buffer.from(goodPng);
  // Flip bytes inside the first IDAT payload: the CRC and the deflate stream no longer match.
  const idatAt = corruptPng.indexOf('IDAT', 0, 'latin1');
  for (let i = idatAt + 40; i < idatAt + 400; i++) corruptPng[i] ^= 0x5a;

  const reject = (
    name: string,
    bytes: Buffer,
    filename: string,
    expectedCode: string,
    expectedStatus: number,
  ): CorpusEntry => ({ name, bytes, filename, expectedCode, expectedStatus });

  return [
    // Empty upload: treated as no file at all (MISSING_FILE), not a broken image.
    reject('zero bytes', Buffer.alloc(0), 'empty.jpg', 'MISSING_FILE', 400),
    reject(
      'truncated JPEG',
      goodJpeg.subarray(0, Math.floor(goodJpeg.length * 0.6)),
      'cut.jpg',
      'CORRUPT_IMAGE',
      422,
    ),
    reject('JPEG magic then garbage', garbageAfterHeader, 'garbage.jpg', 'CORRUPT_IMAGE', 422),
    reject('PNG with corrupted IDAT', corruptPng, 'broken.png', 'CORRUPT_IMAGE', 422),
    reject(
      'text named .jpg',
      Buffer.from('hello, this is not an image\n'.repeat(40)),
      'photo.jpg',
      'UNSUPPORTED_MEDIA_TYPE',
      415,
    ),
    reject('SVG with script', svg, 'image.svg', 'UNSUPPORTED_MEDIA_TYPE', 415),
    reject('TIFF', tiff, 'scan.tif', 'UNSUPPORTED_MEDIA_TYPE', 415),
    reject('GIF', gif, 'anim.gif', 'UNSUPPORTED_MEDIA_TYPE', 415),
    reject('WebP', webp, 'photo.webp', 'UNSUPPORTED_MEDIA_TYPE', 415),
    reject('PDF where PDF is not allowed', pdf, 'doc.pdf', 'UNSUPPORTED_MEDIA_TYPE', 415),
    reject('PNG bomb 50000x50000', zeroFilledPng(50000, 50000), 'bomb.png', 'DECOMPRESSION_BOMB', 422),
    reject('JPEG 9000 px wide', wideJpeg, 'wide.jpg', 'IMAGE_DIMENSIONS_TOO_LARGE', 422),
    reject('16 MB file', sixteenMb, 'huge.jpg', 'IMAGE_TOO_LARGE', 413),
    reject('200x200 PNG', tinyPng, 'small.png', 'IMAGE_TOO_SMALL', 422),
    reject('JPEG with EXIF GPS and orientation 6', gpsJpeg, 'gps.jpg', 'OK', 200),
    reject('plain JPEG', goodJpeg, 'good.jpg', 'OK', 200),
    reject('plain PNG', goodPng, 'good.png', 'OK', 200),
  ];
}
