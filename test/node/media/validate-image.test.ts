import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ApiError } from '../../../src/server/errors.js';
import { scannedPdf } from '../../support/image-pdfs.js';
import {
  MAX_DECODED_BYTES,
  MAX_WAITING_DECODES,
  sniffMediaType,
  validateImage,
} from '../../../src/server/media/validate-image.js';
import {
  exifHasGps,
  malformedCorpus,
  photoLikeImage,
  zeroFilledPng,
} from '../../support/malformed-images.js';

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('validateImage: malformed corpus', () => {
  it('answers every corpus entry with its expected code and status', async () => {
    const corpus = await malformedCorpus();
    assert.ok(corpus.length >= 10);
    for (const entry of corpus) {
      if (entry.expectedCode === 'OK') {
        const out = await validateImage(entry.bytes);
        assert.ok(out.bytes.length > 0, entry.name);
        continue;
      }
      const error = await rejection(validateImage(entry.bytes));
      assert.equal(error.code, entry.expectedCode, entry.name);
      assert.equal(error.status, entry.expectedStatus, entry.name);
    }
  });

  it('keeps the bomb small on disk while declaring 2.5 gigapixels', async () => {
    const bomb = (await malformedCorpus()).find((e) => e.expectedCode === 'DECOMPRESSION_BOMB')!;
    assert.ok(bomb.bytes.length < 1024 * 1024);
    const meta = await sharp(bomb.bytes, { limitInputPixels: false }).metadata();
    assert.equal(meta.width! * meta.height!, 50000 * 50000);
  });

  it('refuses a tiny PNG declaring a canvas it cannot hold, even under the pixel cap', async () => {
    const full = zeroFilledPng(6000, 6000);
    // Keep the header and the start of the data only: 36 Mpx claimed by ~100 bytes.
    const liar = full.subarray(0, 120);
    const error = await rejection(validateImage(liar));
    assert.equal(error.code, 'DECOMPRESSION_BOMB');
  });
});

describe('validateImage: decoded size (issue #18)', () => {
  it('refuses a small, valid PNG whose pixels decode past the cap, before decoding', async () => {
    // 5000 × 5000 RGBA at 16 bits: 200 MB of pixels from a file of ~200 KB; under the pixel count cap and the
    // deflate-ratio check, so only the decoded-bytes cap stops it.
    const bomb = zeroFilledPng(5000, 5000, { bitDepth: 16, colorType: 6, channels: 4 });
    assert.ok(bomb.length < 400_000, `${bomb.length} bytes`);
    assert.ok(5000 * 5000 * 8 > MAX_DECODED_BYTES);
    const error = await rejection(validateImage(bomb));
    assert.equal(error.code, 'DECOMPRESSION_BOMB');
    // The same canvas at 8-bit greyscale is an ordinary image size and decodes.
    const plain = zeroFilledPng(5000, 5000, { bitDepth: 8, colorType: 0, channels: 1 });
    assert.equal((await validateImage(plain)).width, 5000);
  });

  it('decodes at most two images at a time and refuses what waits beyond the line', async () => {
    const png = await (await photoLikeImage(1200, 900)).png().toBuffer();
    const results = await Promise.allSettled(
      Array.from({ length: MAX_WAITING_DECODES + 8 }, () => validateImage(new Uint8Array(png))),
    );
    const busy = results.filter(
      (r) => r.status === 'rejected' && (r.reason as ApiError).code === 'SERVICE_UNAVAILABLE',
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.ok(busy.length >= 1, 'the overflow is refused at once');
    assert.ok(ok.length >= MAX_WAITING_DECODES, `${ok.length} decoded`);
    assert.equal(ok.length + busy.length, results.length, 'nothing else went wrong');
  });
});

describe('validateImage: accepted images', () => {
  it('strips EXIF GPS and applies the orientation to the pixels', async () => {
    const gps = (await malformedCorpus()).find((e) => e.name.includes('GPS'))!;
    const before = await sharp(gps.bytes).metadata();
    assert.ok(exifHasGps(before.exif), 'fixture must carry GPS');
    assert.equal(before.orientation, 6);
    assert.deepEqual([before.width, before.height], [640, 480]);

    const out = await validateImage(gps.bytes);
    const after = await sharp(out.bytes).metadata();
    assert.equal(after.exif, undefined);
    assert.equal(after.xmp, undefined);
    assert.equal(after.orientation, undefined);
    assert.equal(out.bytes.includes(Buffer.from('idv-test')), false, 'EXIF Make string must be gone');
    // Orientation 6 = rotate 90° clockwise: landscape stored pixels come back portrait.
    assert.deepEqual([out.width, out.height, after.width, after.height], [480, 640, 480, 640]);
  });

  it('rotates the pixels, not only the dimensions', async () => {
    // Left half black, right half white, tagged orientation 6: after a 90° clockwise turn, the top is black.
    const half = await sharp({ create: { width: 200, height: 400, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const jpeg = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#fff' } })
      .composite([{ input: half, left: 0, top: 0 }])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await validateImage(jpeg);
    const { data, info } = await sharp(out.bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => data[y * info.width + x];
    assert.ok(at(200, 50) < 30, 'top must be black');
    assert.ok(at(200, 350) > 225, 'bottom must be white');
  });

  it('re-encodes a good JPEG with right dimensions and the sha256 of the stored bytes', async () => {
    const input = await (await photoLikeImage(1024, 768)).jpeg({ quality: 80 }).toBuffer();
    const out = await validateImage(input);
    assert.equal(out.mime, 'image/jpeg');
    assert.deepEqual([out.width, out.height], [1024, 768]);
    assert.equal(out.originalBytes, input.length);
    assert.equal(out.sha256, createHash('sha256').update(out.bytes).digest('hex'));
    assert.equal((await sharp(out.bytes).metadata()).format, 'jpeg');
  });

  it('stores PNG losslessly', async () => {
    const input = await (await photoLikeImage(400, 320)).png().toBuffer();
    const out = await validateImage(input);
    assert.equal(out.mime, 'image/png');
    assert.deepEqual([out.width, out.height], [400, 320]);
    const a = await sharp(input).raw().toBuffer();
    const b = await sharp(out.bytes).raw().toBuffer();
    assert.ok(a.equals(b), 'pixels must be identical');
  });

  it('accepts exactly the limits and refuses one past them', async () => {
    const at301 = await (await photoLikeImage(301, 100)).png().toBuffer();
    assert.equal((await validateImage(at301)).width, 301);
    const at300 = await (await photoLikeImage(300, 100)).png().toBuffer();
    assert.equal((await rejection(validateImage(at300))).code, 'IMAGE_TOO_SMALL');

    const wide = await sharp({ create: { width: 1000, height: 400, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    assert.equal((await validateImage(wide, { maxDimension: 1000 })).width, 1000);
    assert.equal(
      (await rejection(validateImage(wide, { maxDimension: 999 }))).code,
      'IMAGE_DIMENSIONS_TOO_LARGE',
    );
    const tooBig = await rejection(validateImage(wide, { maxBytes: wide.length - 1 }));
    assert.deepEqual([tooBig.code, tooBig.status], ['IMAGE_TOO_LARGE', 413]);
  });

  it('sniffs the bytes, not the name: a PNG is a PNG whatever it is called', async () => {
    const png = await (await photoLikeImage(400, 300)).png().toBuffer();
    assert.equal(sniffMediaType(png), 'image/png');
    assert.equal(sniffMediaType(Buffer.from('GIF89a')), undefined);
    assert.equal((await validateImage(new Uint8Array(png))).mime, 'image/png');
  });
});

describe('validateImage: PDF', () => {
  it('accepts a scanned PDF only when allowed, rewritten, with the page size in points', async () => {
    const doc = await scannedPdf();
    assert.equal((await rejection(validateImage(doc))).code, 'UNSUPPORTED_MEDIA_TYPE');
    const out = await validateImage(doc, { allowPdf: true });
    assert.deepEqual([out.mime, out.width, out.height], ['application/pdf', 600, 400]);
    assert.ok(!out.bytes.equals(doc), 'rewritten, not stored as uploaded');
  });

  it('refuses a truncated PDF and garbage after the header', async () => {
    const truncated = Buffer.from('%PDF-1.7\n1 0 obj<</Type/Page>>');
    assert.equal((await rejection(validateImage(truncated, { allowPdf: true }))).code, 'CORRUPT_IMAGE');
    const garbage = Buffer.from('%PDF-1.7\nthis is not a pdf at all\n%%EOF\n');
    assert.equal((await rejection(validateImage(garbage, { allowPdf: true }))).code, 'CORRUPT_IMAGE');
  });
});
