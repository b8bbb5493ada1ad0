import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { PNG_SIGNATURE, parsePng } from '../../../src/server/media/png-chunks.js';
import { photoLikeImage, zeroFilledPng } from '../../support/malformed-images.js';

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The chunks of a PNG as [type, start, end], walked here independently of parsePng. */
function chunksOf(png: Buffer): Array<{ type: string; start: number; end: number }> {
  const chunks: Array<{ type: string; start: number; end: number }> = [];
  for (let at = 8; at < png.length; ) {
    const end = at + 12 + png.readUInt32BE(at);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), start: at, end });
    at = end;
  }
  return chunks;
}

/** Inserts chunks right after IHDR (where encoders put metadata). */
function withChunksAfterHeader(png: Buffer, extra: Buffer[]): Buffer {
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...extra, png.subarray(ihdrEnd)]);
}

async function plainPng(width = 420, height = 320): Promise<Buffer> {
  return (await photoLikeImage(width, height)).removeAlpha().png().toBuffer();
}

describe('parsePng', () => {
  it('reads IHDR', async () => {
    const { header } = parsePng(await plainPng(421, 318));
    assert.deepEqual(header, { width: 421, height: 318, bitDepth: 8, colorType: 2, interlaced: false });
  });

  it('removes tEXt, iTXt, zTXt, eXIf and tIME; the output is the rest byte for byte, every CRC valid', async () => {
    const png = await plainPng();
    const metadata = [
      chunk('tEXt', Buffer.from('Author\0secret author', 'latin1')),
      chunk('iTXt', Buffer.from('XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>secret</x:xmpmeta>', 'latin1')),
      chunk('zTXt', Buffer.from('Comment\0\0secret-ish', 'latin1')),
      chunk('eXIf', Buffer.from('MM\0\x2a\0\0\0\x08\0\0secret', 'latin1')),
      chunk('tIME', Buffer.from([0x07, 0xea, 1, 2, 3, 4, 5])),
    ];
    const tagged = withChunksAfterHeader(png, metadata);
    const layout = parsePng(tagged);
    assert.deepEqual(layout.dropped, ['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME']);
    assert.ok(layout.stripped.equals(png), 'stripped = the PNG without the metadata chunks');
    assert.equal(layout.stripped.includes(Buffer.from('secret')), false);
    for (const { type, start, end } of chunksOf(layout.stripped)) {
      assert.equal(
        crc32(layout.stripped.subarray(start + 4, end - 4)),
        layout.stripped.readUInt32BE(end - 4),
        type,
      );
    }
    const [a, b] = await Promise.all([
      sharp(tagged).raw().toBuffer(),
      sharp(layout.stripped).raw().toBuffer(),
    ]);
    assert.ok(a.equals(b), 'pixels must be identical');
  });

  it('keeps colour chunks (gAMA, sRGB, pHYs) and drops bytes after IEND', async () => {
    const png = await plainPng();
    const colour = [chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])), chunk('sRGB', Buffer.from([0]))];
    const file = Buffer.concat([withChunksAfterHeader(png, colour), Buffer.from('appended secret')]);
    const layout = parsePng(file);
    assert.deepEqual(layout.dropped, ['trailer']);
    assert.ok(layout.stripped.equals(withChunksAfterHeader(png, colour)));
  });

  it('returns the input itself when there is nothing to drop', async () => {
    const png = await plainPng();
    const layout = parsePng(png);
    assert.equal(layout.stripped, png);
    assert.deepEqual(layout.dropped, []);
  });

  it('refuses a CRC mismatch, a truncated file, an unknown critical chunk and a missing IHDR', async () => {
    const png = await plainPng();
    const idat = chunksOf(png).find((c) => c.type === 'IDAT');
    assert.ok(idat);
    const flipped = Buffer.from(png);
    flipped[idat.start + 20] ^= 0x01;
    assert.throws(() => parsePng(flipped), { code: 'CORRUPT_IMAGE', message: /CRC mismatch in IDAT/ });
    assert.throws(() => parsePng(png.subarray(0, png.length - 12)), {
      code: 'CORRUPT_IMAGE',
      message: /no IEND/,
    });
    assert.throws(() => parsePng(png.subarray(0, idat.start + 100)), {
      code: 'CORRUPT_IMAGE',
      message: /runs past the end/,
    });
    assert.throws(() => parsePng(withChunksAfterHeader(png, [chunk('ABCD', Buffer.from('x'))])), {
      code: 'CORRUPT_IMAGE',
      message: /unknown critical chunk/,
    });
    const headless = Buffer.concat([PNG_SIGNATURE, png.subarray(8 + 25)]);
    assert.throws(() => parsePng(headless), { code: 'CORRUPT_IMAGE', message: /IHDR/ });
  });

  it('refuses an IHDR with an impossible colour type / bit depth pair', async () => {
    const png = Buffer.from(await plainPng());
    png[8 + 8 + 8] = 4; // RGB at 4 bits per sample does not exist
    png.writeUInt32BE(crc32(png.subarray(12, 8 + 8 + 13)), 8 + 8 + 13);
    assert.throws(() => parsePng(png), { code: 'CORRUPT_IMAGE', message: /colour type or depth/ });
  });

  it('runs the header callback before the damage further on', () => {
    const liar = zeroFilledPng(6000, 6000).subarray(0, 120);
    const seen: number[] = [];
    assert.throws(() => parsePng(liar, (header) => seen.push(header.width, header.height)));
    assert.deepEqual(seen, [6000, 6000]);
  });

  it('reads the orientation from eXIf', async () => {
    const png = await (await photoLikeImage(400, 300)).png().withMetadata({ orientation: 6 }).toBuffer();
    const layout = parsePng(png);
    assert.equal(layout.orientation, 6);
    assert.ok(layout.dropped.includes('eXIf'));
    assert.equal(parsePng(await plainPng()).orientation, 1);
  });
});
