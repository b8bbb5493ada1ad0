import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ApiError } from '../../../src/server/errors.js';
import { MAX_JPEG_SCANS, parseJpeg } from '../../../src/server/media/jpeg-segments.js';
import { exifHasGps, photoLikeImage } from '../../support/malformed-images.js';

/** One marker segment: 0xff, marker, big-endian length (payload + 2), payload. */
function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Offset of the first segment with this marker, found by walking the lengths (independent of parseJpeg). */
function findSegment(jpeg: Buffer, marker: number): { at: number; end: number } | undefined {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (jpeg[at + 1] === marker) return { at, end };
    at = end;
  }
  return undefined;
}

function corruptCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    return `${error.status} ${error.code}`;
  }
  assert.fail('expected parseJpeg to throw');
}

async function plainJpeg(width = 640, height = 480): Promise<Buffer> {
  return (await photoLikeImage(width, height)).jpeg({ quality: 85 }).toBuffer();
}

async function gpsJpeg(): Promise<Buffer> {
  return (await photoLikeImage(640, 480))
    .jpeg({ quality: 85 })
    .withExif({
      IFD0: { Make: 'idv-segment-test' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2412/100' },
    })
    .toBuffer();
}

describe('parseJpeg: structure', () => {
  it('reads the frame header and counts scans of baseline and progressive files', async () => {
    const baseline = parseJpeg(await plainJpeg(641, 333));
    assert.deepEqual(
      [baseline.frame.marker, baseline.frame.width, baseline.frame.height, baseline.frame.components],
      [0xc0, 641, 333, 3],
    );
    assert.equal(baseline.scans, 1);
    const progressive = parseJpeg(
      await (await photoLikeImage(400, 300)).jpeg({ progressive: true }).toBuffer(),
    );
    assert.equal(progressive.frame.marker, 0xc2);
    assert.ok(progressive.scans > 1, `progressive scans: ${progressive.scans}`);
  });

  it('refuses a file cut inside the entropy-coded data (no EOI)', async () => {
    const jpeg = await plainJpeg();
    assert.equal(
      corruptCode(() => parseJpeg(jpeg.subarray(0, Math.floor(jpeg.length * 0.7)))),
      '422 CORRUPT_IMAGE',
    );
    assert.equal(
      corruptCode(() => parseJpeg(jpeg.subarray(0, jpeg.length - 2))),
      '422 CORRUPT_IMAGE',
    );
  });

  it('refuses a file cut inside a header segment', async () => {
    const jpeg = await plainJpeg();
    const dqt = findSegment(jpeg, 0xdb);
    assert.ok(dqt);
    assert.equal(
      corruptCode(() => parseJpeg(jpeg.subarray(0, dqt.at + 10))),
      '422 CORRUPT_IMAGE',
    );
  });

  it('refuses garbage segment lengths: past the end, and below 2', async () => {
    const jpeg = await plainJpeg();
    const dqt = findSegment(jpeg, 0xdb);
    assert.ok(dqt);
    // A length that ends the DQT segment one byte past the end of the file.
    const pastEnd = Buffer.from(jpeg.subarray(0, dqt.at + 300));
    pastEnd.writeUInt16BE(300 - 2 + 1, dqt.at + 2);
    assert.throws(() => parseJpeg(pastEnd), { code: 'CORRUPT_IMAGE', message: /runs past the end/ });
    // A length pointing into the middle of the next segment: no marker where one must be.
    const misaligned = Buffer.from(jpeg);
    misaligned.writeUInt16BE(jpeg.readUInt16BE(dqt.at + 2) + 3, dqt.at + 2);
    assert.equal(
      corruptCode(() => parseJpeg(misaligned)),
      '422 CORRUPT_IMAGE',
    );
    const tooShort = Buffer.from(jpeg);
    tooShort.writeUInt16BE(1, dqt.at + 2);
    assert.throws(() => parseJpeg(tooShort), { code: 'CORRUPT_IMAGE', message: /impossible segment length/ });
  });

  it('refuses bytes where a marker must be, a second SOI, and a scan before the frame', async () => {
    const jpeg = await plainJpeg();
    const dqt = findSegment(jpeg, 0xdb);
    assert.ok(dqt);
    const noMarker = Buffer.from(jpeg);
    noMarker[dqt.at] = 0x12;
    assert.equal(
      corruptCode(() => parseJpeg(noMarker)),
      '422 CORRUPT_IMAGE',
    );
    const secondSoi = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xd8]), jpeg.subarray(2)]);
    assert.equal(
      corruptCode(() => parseJpeg(secondSoi)),
      '422 CORRUPT_IMAGE',
    );
    const scanFirst = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
      Buffer.from([0x12, 0x34, 0xff, 0xd9]),
    ]);
    assert.equal(
      corruptCode(() => parseJpeg(scanFirst)),
      '422 CORRUPT_IMAGE',
    );
  });

  it('refuses lossless and hierarchical JPEG as an unsupported type, not as corrupt', async () => {
    const jpeg = Buffer.from(await plainJpeg());
    const sof = findSegment(jpeg, 0xc0);
    assert.ok(sof);
    jpeg[sof.at + 1] = 0xc3;
    assert.equal(
      corruptCode(() => parseJpeg(jpeg)),
      '415 UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it(`refuses more than ${MAX_JPEG_SCANS} scans as a decompression bomb`, () => {
    const frame = segment(0xc2, Buffer.from([8, 0x01, 0x90, 0x01, 0x90, 1, 1, 0x11, 0]));
    const scan = Buffer.concat([segment(0xda, Buffer.from([1, 1, 0, 0, 0, 0])), Buffer.from([0x00])]);
    const file = (scans: number) =>
      Buffer.concat([
        Buffer.from([0xff, 0xd8]),
        frame,
        ...Array(scans).fill(scan),
        Buffer.from([0xff, 0xd9]),
      ]);
    assert.equal(parseJpeg(file(MAX_JPEG_SCANS)).scans, MAX_JPEG_SCANS);
    assert.equal(
      corruptCode(() => parseJpeg(file(MAX_JPEG_SCANS + 1))),
      '422 DECOMPRESSION_BOMB',
    );
  });

  it('runs the frame callback before later damage is seen', async () => {
    const jpeg = await plainJpeg(700, 500);
    const seen: number[] = [];
    assert.throws(() =>
      parseJpeg(jpeg.subarray(0, jpeg.length - 100), (frame) => {
        seen.push(frame.width, frame.height);
      }),
    );
    assert.deepEqual(seen, [700, 500]);
  });

  it('steps over stuffed bytes, restart markers and fill bytes', () => {
    const frame = segment(0xc0, Buffer.from([8, 0x01, 0x90, 0x01, 0x90, 1, 1, 0x11, 0]));
    const scanHeader = segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0]));
    // 0xff00 is a stuffed 0xff, 0xffd0 a restart marker; both belong to the entropy data. 0xff 0xff 0xd9 is EOI
    // after a fill byte.
    const entropy = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xff, 0xd9]);
    const file = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      frame,
      segment(0xdd, Buffer.from([0, 4])),
      scanHeader,
      entropy,
    ]);
    const layout = parseJpeg(file);
    assert.equal(layout.scans, 1);
    // The fill byte is not copied; everything else is.
    assert.ok(
      layout.stripped.equals(Buffer.concat([file.subarray(0, file.length - 3), Buffer.from([0xff, 0xd9])])),
    );
  });
});

describe('parseJpeg: metadata stripping', () => {
  it('removes APP1 with GPS and leaves every other byte identical', async () => {
    const jpeg = await gpsJpeg();
    assert.ok(exifHasGps((await sharp(jpeg).metadata()).exif), 'fixture must carry GPS');
    const app1 = findSegment(jpeg, 0xe1);
    assert.ok(app1, 'fixture must have an APP1 segment');

    const layout = parseJpeg(jpeg);
    const expected = Buffer.concat([jpeg.subarray(0, app1.at), jpeg.subarray(app1.end)]);
    assert.ok(layout.stripped.equals(expected), 'stripped = original minus the APP1 segment');
    assert.deepEqual(layout.dropped, ['APP1']);
    assert.equal(layout.stripped.includes(Buffer.from('idv-segment-test')), false);
    const after = await sharp(layout.stripped).metadata();
    assert.equal(after.exif, undefined);
    const [before, stripped] = await Promise.all([
      sharp(jpeg).raw().toBuffer(),
      sharp(layout.stripped).raw().toBuffer(),
    ]);
    assert.ok(before.equals(stripped), 'pixels must be bit-identical');
  });

  it('drops XMP, IPTC, comments and trailing bytes; keeps JFIF, ICC and Adobe segments', async () => {
    const base = await plainJpeg();
    const withIcc = await (await photoLikeImage(640, 480)).jpeg().withIccProfile('p3').toBuffer();
    const icc = findSegment(withIcc, 0xe2);
    assert.ok(icc);
    const jfif = segment(0xe0, Buffer.from('JFIF\0\x01\x02\0\0\x01\0\x01\0\0', 'latin1'));
    const adobe = segment(0xee, Buffer.from('Adobe\0\x64\0\0\0\0\x01', 'latin1'));
    const xmp = segment(
      0xe1,
      Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>secret</x:xmpmeta>', 'latin1'),
    );
    const iptc = segment(0xed, Buffer.from('Photoshop 3.0\x008BIM secret', 'latin1'));
    const comment = segment(0xfe, Buffer.from('secret comment', 'latin1'));
    const mpf = segment(0xe2, Buffer.from('MPF\0secret', 'latin1'));
    const keep = [jfif, withIcc.subarray(icc.at, icc.end), adobe];
    const file = Buffer.concat([
      base.subarray(0, 2),
      keep[0],
      xmp,
      keep[1],
      iptc,
      comment,
      mpf,
      keep[2],
      base.subarray(2),
      Buffer.from('trailer with secret GPS'),
    ]);
    const layout = parseJpeg(file);
    assert.deepEqual(layout.dropped, ['APP1', 'APP13', 'COM', 'APP2', 'trailer']);
    assert.ok(layout.stripped.equals(Buffer.concat([base.subarray(0, 2), ...keep, base.subarray(2)])));
    assert.equal(layout.stripped.includes(Buffer.from('secret')), false);
  });

  it('returns the input itself when there is nothing to drop, and stripping twice changes nothing', async () => {
    const once = parseJpeg(await gpsJpeg()).stripped;
    const twice = parseJpeg(once);
    assert.equal(twice.stripped, once, 'no copy');
    assert.deepEqual(twice.dropped, []);
  });

  it('reads the EXIF orientation (both byte orders) and defaults to 1', async () => {
    const jpeg = await plainJpeg();
    assert.equal(parseJpeg(jpeg).orientation, 1);
    const rotated = await (await photoLikeImage(640, 480)).jpeg().withMetadata({ orientation: 8 }).toBuffer();
    assert.equal(parseJpeg(rotated).orientation, 8);
    // A hand-made big-endian (Motorola) EXIF block with one IFD0 entry: orientation 3.
    const tiff = Buffer.from('MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x03\0\0\0\0\0\0', 'latin1');
    const app1 = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]));
    assert.equal(parseJpeg(Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)])).orientation, 3);
    // Out of range reads as 1 (decoders ignore it too).
    const bad = Buffer.from(tiff);
    bad.writeUInt16BE(9, 18);
    const badApp1 = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), bad]));
    assert.equal(parseJpeg(Buffer.concat([jpeg.subarray(0, 2), badApp1, jpeg.subarray(2)])).orientation, 1);
  });
});
