/**
 * PDFs for the upload tests (issue #18, item 3): a scanned document made the way scanner apps and img2pdf make them
 * (one picture per page filling the page), and the attacker's variants the probe stored verbatim.
 */
import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

/** A JPEG photo of a "document" with EXIF GPS, as a phone writes it. */
export async function scanJpeg(width = 1200, height = 800, seed = 3): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i += 1) {
    state = (state * 1664525 + 1013904223) >>> 0;
    pixels[i] = ((i / 3) % width) / 6 + (state >>> 27);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 8/1 0/1' } })
    .toBuffer();
}

/** A scan: each page one JPEG filling an A4-ratio page, with document metadata naming the holder. */
export async function scannedPdf(
  options: { pages?: number; useObjectStreams?: boolean; extend?: (doc: PDFDocument) => void } = {},
): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setAuthor('Jane Q. Holder');
  doc.setTitle('passport of Jane Q. Holder');
  for (let index = 0; index < (options.pages ?? 1); index += 1) {
    const image = await doc.embedJpg(await scanJpeg(1200, 800, index + 3));
    const page = doc.addPage([600, 400]);
    page.drawImage(image, { x: 0, y: 0, width: 600, height: 400 });
  }
  options.extend?.(doc);
  return Buffer.from(await doc.save({ useObjectStreams: options.useObjectStreams ?? false }));
}

/** A document-level JavaScript action (`/OpenAction`), written with the given spelling of the names. */
export function withOpenAction(doc: PDFDocument, spelling: { s: string; js: string }): void {
  const action = doc.context.obj({});
  action.set(PDFName.of('Type'), PDFName.of('Action'));
  action.set(PDFName.of(spelling.s), PDFName.of('JavaScript'));
  action.set(PDFName.of(spelling.js), PDFString.of('app.alert(document.cookie)'));
  doc.catalog.set(PDFName.of('OpenAction'), doc.context.register(action));
}

/** Replaces a name in the saved bytes with an escaped spelling a reader decodes to the same name. */
export function respell(pdf: Buffer, name: string, spelled: string): Buffer {
  const text = pdf.toString('latin1');
  if (!text.includes(name)) throw new Error(`${name} not in the PDF`);
  return Buffer.from(text.replaceAll(name, spelled), 'latin1');
}

/** `%PDF` and HTML at once: a browser sniffing it would run the script; PDF readers skip the comment. */
export function polyglot(pdf: Buffer): Buffer {
  const text = pdf.toString('latin1');
  const firstLine = text.indexOf('\n') + 1;
  return Buffer.from(
    `${text.slice(0, firstLine)}%<html><body><script>fetch('/steal?'+document.cookie)</script></body></html>\n${text.slice(firstLine)}`,
    'latin1',
  );
}

/** A PDF born as text (no picture): not a scan of a document. */
export async function textPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([600, 400]).drawText('PASSPORT  Jane Q. Holder  1990-01-01', { x: 40, y: 200, size: 18, font });
  return Buffer.from(await doc.save());
}

/** A scan PDF with one extra stream of zeros that inflates to `inflatedBytes`: a zlib bomb inside a PDF. */
export async function bombPdf(inflatedBytes: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const image = await doc.embedJpg(await scanJpeg());
  doc.addPage([600, 400]).drawImage(image, { x: 0, y: 0, width: 600, height: 400 });
  const chunk = deflateSync(Buffer.alloc(inflatedBytes), { level: 9 });
  const bomb = doc.context.stream(chunk, { Filter: 'FlateDecode', Length: chunk.length });
  doc.catalog.set(PDFName.of('Padding'), doc.context.register(bomb));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
