/**
 * PDF uploads (issue #18, item 3): every bypass the probe stored verbatim is refused, and a scan is stored as a PDF
 * we wrote that holds only its page pictures (stripped of EXIF), none of the upload's other bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import sharp from 'sharp';
import type { ApiError } from '../../../src/server/errors.js';
import { MAX_STREAM_INFLATED_BYTES } from '../../../src/server/media/image-pdf.js';
import { validateImage } from '../../../src/server/media/validate-image.js';
import { bombPdf, polyglot, respell, scannedPdf, textPdf, withOpenAction } from '../../support/image-pdfs.js';

async function refusal(bytes: Buffer): Promise<{ status: number; code: string }> {
  try {
    await validateImage(bytes, { allowPdf: true });
  } catch (error) {
    return { status: (error as ApiError).status, code: (error as ApiError).code };
  }
  throw new Error('accepted');
}

describe('PDF uploads', () => {
  it('refuses JavaScript however its names are spelled, compressed object streams included', async () => {
    const scripted = await scannedPdf({ extend: (doc) => withOpenAction(doc, { s: 'S', js: 'JS' }) });
    const spellings: Array<[string, Buffer]> = [
      ['plain', scripted],
      ['/J#61vaScript', respell(scripted, '/JavaScript', '/J#61vaScript')],
      ['/J#53', respell(scripted, '/JS (', '/J#53 (')],
      ['lower-case hex /#4aavaScript', respell(scripted, '/JavaScript', '/#4aavaScript')],
      [
        'in a compressed object stream',
        await scannedPdf({
          useObjectStreams: true,
          extend: (doc) => withOpenAction(doc, { s: 'S', js: 'JS' }),
        }),
      ],
    ];
    for (const [name, bytes] of spellings) {
      if (name === 'in a compressed object stream')
        assert.doesNotMatch(bytes.toString('latin1'), /JavaScript/);
      assert.deepEqual(await refusal(bytes), { status: 415, code: 'PDF_ACTIVE_CONTENT' }, name);
    }
  });

  it('stores a %PDF + HTML polyglot as a PDF of its picture only: no HTML, no metadata, no EXIF', async () => {
    const upload = polyglot(await scannedPdf());
    assert.match(upload.toString('latin1'), /<script>/);
    const stored = await validateImage(upload, { allowPdf: true });
    const text = stored.bytes.toString('latin1');
    assert.ok(text.startsWith('%PDF-'));
    assert.doesNotMatch(text, /<script|<html|Jane Q\. Holder|Author|Producer|Creator/);
    const reread = await PDFDocument.load(stored.bytes);
    assert.equal(reread.getPageCount(), 1);
    const images = reread.context
      .enumerateIndirectObjects()
      .map(([, object]) => object)
      .filter(
        (object): object is PDFRawStream =>
          object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'),
      );
    assert.equal(images.length, 1);
    const metadata = await sharp(Buffer.from(images[0]?.contents ?? [])).metadata();
    assert.equal(metadata.format, 'jpeg');
    assert.equal(metadata.exif, undefined, 'EXIF (GPS) stripped from the page picture');
  });

  it('keeps every page of a multi-page scan', async () => {
    const stored = await validateImage(await scannedPdf({ pages: 2 }), { allowPdf: true });
    assert.equal((await PDFDocument.load(stored.bytes)).getPageCount(), 2);
  });

  it('refuses a text-born PDF: only photos or scans of a document are accepted', async () => {
    assert.deepEqual(await refusal(await textPdf()), { status: 422, code: 'PDF_NOT_IMAGE_ONLY' });
  });

  it('refuses a zlib bomb inside a PDF before the parser inflates it', async () => {
    const bomb = await bombPdf(MAX_STREAM_INFLATED_BYTES + 4 * 1024 * 1024);
    assert.ok(bomb.length < 1_000_000, `${bomb.length} bytes`);
    assert.deepEqual(await refusal(bomb), { status: 422, code: 'DECOMPRESSION_BOMB' });
  });
});
