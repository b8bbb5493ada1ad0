import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { ApiError } from '../../../src/server/errors.js';
import { validateImage } from '../../../src/server/media/validate-image.js';
import { exifHasGps, photoLikeImage } from '../../support/malformed-images.js';

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** Offset just past the SOS header: where the entropy-coded data starts (walked independently of the module). */
function entropyStart(jpeg: Buffer): number {
  let at = 2;
  for (;;) {
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (jpeg[at + 1] === 0xda) return end;
    at = end;
  }
}

describe('validateImage: lossless fast path', () => {
  it('stores an upright JPEG as uploaded minus its metadata, without re-encoding', async () => {
    const input = await (await photoLikeImage(900, 600))
      .jpeg({ quality: 80 })
      .withExif({
        IFD0: { Make: 'idv-fast-path' },
        IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 51/1 0/1' },
      })
      .toBuffer();
    assert.ok(exifHasGps((await sharp(input).metadata()).exif));
    const out = await validateImage(input);
    assert.equal(out.reencoded, false);
    assert.deepEqual([out.mime, out.width, out.height], ['image/jpeg', 900, 600]);
    assert.ok(out.bytes.length < input.length && out.bytes.length > input.length - 400, 'only the APP1 went');
    assert.equal(out.bytes.includes(Buffer.from('idv-fast-path')), false);
    assert.equal((await sharp(out.bytes).metadata()).exif, undefined);
    assert.equal(out.sha256, createHash('sha256').update(out.bytes).digest('hex'));
    const [a, b] = await Promise.all([sharp(input).raw().toBuffer(), sharp(out.bytes).raw().toBuffer()]);
    assert.ok(a.equals(b), 'same pixels, bit for bit');
  });

  it('refuses a JPEG whose entropy data stops early but still ends in EOI (the old full decode let it through)', async () => {
    const jpeg = await (await photoLikeImage(800, 600)).jpeg({ quality: 90 }).toBuffer();
    const start = entropyStart(jpeg);
    const half = start + Math.floor((jpeg.length - 2 - start) / 2);
    const cut = Buffer.concat([jpeg.subarray(0, half), Buffer.from([0xff, 0xd9])]);
    const error = await rejection(validateImage(cut));
    assert.deepEqual([error.status, error.code], [422, 'CORRUPT_IMAGE']);
  });

  it('refuses a PNG whose chunks are intact (valid CRCs) but whose pixel data does not inflate', async () => {
    const png = await (await photoLikeImage(500, 400)).removeAlpha().png().toBuffer();
    const idatAt = png.indexOf('IDAT', 0, 'latin1') - 4;
    const length = png.readUInt32BE(idatAt);
    const broken = Buffer.from(png);
    for (let i = idatAt + 8 + 60; i < idatAt + 8 + 400 && i < idatAt + 8 + length; i++) broken[i] ^= 0x5a;
    broken.writeUInt32BE(crc32(broken.subarray(idatAt + 4, idatAt + 8 + length)), idatAt + 8 + length);
    const error = await rejection(validateImage(broken));
    assert.deepEqual([error.status, error.code], [422, 'CORRUPT_IMAGE']);
  });

  it('refuses a PNG that inflates to fewer rows than IHDR declares', async () => {
    const width = 400;
    const height = 300;
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8;
    ihdr[9] = 0;
    const rows = Buffer.alloc((1 + width) * (height / 2), 0x40);
    for (let r = 0; r < height / 2; r++) rows[r * (1 + width)] = 0;
    const chunk = (type: string, data: Buffer) => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(type, 4, 'latin1');
      data.copy(out, 8);
      out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
      return out;
    };
    const idat = deflateSync(rows);
    assert.equal(inflateSync(idat).length, rows.length);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', idat),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const error = await rejection(validateImage(png));
    assert.equal(error.code, 'CORRUPT_IMAGE');
  });
});

describe('validateImage: re-encode only when the pixels must change', () => {
  it('bakes JPEG orientation 6 into the pixels (re-encoded, sides swapped, top of the turned image dark)', async () => {
    // Left half black, right half white: turned 90° clockwise, the black half ends up on top.
    const half = await sharp({ create: { width: 250, height: 400, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const jpeg = await sharp({ create: { width: 500, height: 400, channels: 3, background: '#fff' } })
      .composite([{ input: half, left: 0, top: 0 }])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await validateImage(jpeg);
    assert.equal(out.reencoded, true);
    assert.deepEqual([out.width, out.height], [400, 500]);
    const meta = await sharp(out.bytes).metadata();
    assert.equal(meta.orientation, undefined);
    assert.equal(meta.exif, undefined);
    const { data, info } = await sharp(out.bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [400, 500]);
    assert.ok(data[50 * info.width + 200] < 30, 'top is black');
    assert.ok(data[450 * info.width + 200] > 225, 'bottom is white');
  });

  it('bakes PNG eXIf orientation 3 into the pixels and drops the eXIf chunk', async () => {
    const top = await sharp({ create: { width: 400, height: 150, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#fff' } })
      .composite([{ input: top, left: 0, top: 0 }])
      .png()
      .withMetadata({ orientation: 3 })
      .toBuffer();
    const out = await validateImage(png);
    assert.equal(out.reencoded, true);
    assert.equal(out.mime, 'image/png');
    assert.equal(out.bytes.includes(Buffer.from('eXIf')), false);
    const { data, info } = await sharp(out.bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    // Turned 180°: the black band is now at the bottom.
    assert.ok(data[20 * info.width + 200] > 225, 'top is white');
    assert.ok(data[280 * info.width + 200] < 30, 'bottom is black');
  });

  it('converts a CMYK JPEG to three-channel sRGB', async () => {
    const cmyk = await (await photoLikeImage(640, 480)).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).channels, 4);
    const out = await validateImage(cmyk);
    assert.equal(out.reencoded, true);
    const meta = await sharp(out.bytes).metadata();
    assert.deepEqual([meta.channels, meta.space, out.width, out.height], [3, 'srgb', 640, 480]);
  });

  it('drops a second image appended after EOI', async () => {
    const first = await (await photoLikeImage(640, 480)).jpeg().toBuffer();
    const second = await (await photoLikeImage(320, 240))
      .jpeg()
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '1/1 2/1 3/1' } })
      .toBuffer();
    const out = await validateImage(Buffer.concat([first, second]));
    assert.ok(out.bytes.equals(first));
    assert.equal(out.reencoded, false);
  });
});
