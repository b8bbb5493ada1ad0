/**
 * PDF uploads (documents only; issue #18, item 3). A PDF is accepted when it is what a phone scanner or a scanning
 * app makes of an ID: pages that are pictures. It is parsed with a real parser (pdf-lib: object streams inflated,
 * names decoded; we additionally decode lower-case `#xx` escapes, which pdf-lib leaves alone), and what is stored is
 * a new PDF written by us that holds only the page pictures, each validated and stripped like an uploaded photo. So
 * nothing else of the upload is stored: no JavaScript, actions, attachments, forms, annotations, metadata, no bytes
 * of a `%PDF` + HTML polyglot. The original bytes are never kept.
 *
 * Refused:
 * - 422 `CORRUPT_IMAGE`: does not parse, or a page picture does not decode.
 * - 415 `PDF_ACTIVE_CONTENT`: JavaScript, launch / URI / submit actions, attachments, rich media, XFA (the customer
 *   learns why; the rewrite alone would already drop them).
 * - 422 `PDF_NOT_IMAGE_ONLY`: a page without a picture covering at least half of it (a text-born PDF), a page that
 *   draws nested forms or inline images, more than {@link MAX_PDF_PAGES} pages, or picture formats we cannot check
 *   (JBIG2, CCITT, JPEG 2000, 1–4 bit, indexed or CMYK Flate pixels).
 * - 415 `UNSUPPORTED_MEDIA_TYPE`: encrypted, or LZW / run-length compression (legacy encodings that expand
 *   without a bound we can check cheaply).
 * - 422 `DECOMPRESSION_BOMB`: any zlib stream (object streams and content streams included) inflating past
 *   {@link MAX_STREAM_INFLATED_BYTES}, or all of them together past {@link MAX_TOTAL_INFLATED_BYTES}; checked with
 *   Node's bounded inflate before the parser touches them, since pdf-lib inflates without a limit.
 *
 * The server does not rasterise PDFs (sharp's libvips has no PDF loader); the page pictures are kept as pictures, so
 * the document analysis still reports `UNSUPPORTED_FORMAT` for a PDF part.
 */
import { promisify } from 'node:util';
import { crc32, inflate } from 'node:zlib';
import {
  concatTransformationMatrix,
  decodePDFRawStream,
  degrees,
  drawObject,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  popGraphicsState,
  pushGraphicsState,
} from 'pdf-lib';
import { ApiError } from '../errors.js';

export const MAX_PDF_PAGES = 10;
/** One stream may inflate to a full-size page picture (an 8000 × 6000 RGB scan) and a little more. */
export const MAX_STREAM_INFLATED_BYTES = 8000 * 6000 * 3 + 1024 * 1024;
export const MAX_TOTAL_INFLATED_BYTES = 2 * MAX_STREAM_INFLATED_BYTES;
/** A page picture must cover at least this share of the page box: it is the page, not a logo on a text page. */
const MIN_PICTURE_COVER = 0.5;
const MAX_STREAMS = 4096;

const inflateAsync = promisify(inflate) as (buffer: Uint8Array, options: object) => Promise<Buffer>;

/** A page picture as an image file, ready for the ordinary image validation. */
export interface PagePicture {
  mime: 'image/jpeg' | 'image/png';
  bytes: Buffer;
  /** Where it is drawn on the page: the current transformation matrix at its `Do`. */
  matrix: [number, number, number, number, number, number];
}

export interface ImagePdfPage {
  width: number;
  height: number;
  rotation: number;
  pictures: PagePicture[];
}

const ACTIVE_NAMES = new Set([
  'JavaScript',
  'JS',
  'Launch',
  'EmbeddedFile',
  'EmbeddedFiles',
  'RichMedia',
  'XFA',
  'SubmitForm',
  'ImportData',
  'GoToR',
  'GoToE',
]);

function notImageOnly(message: string): ApiError {
  return new ApiError(422, 'PDF_NOT_IMAGE_ONLY', message);
}

function corrupt(message: string, cause?: unknown): ApiError {
  return new ApiError(422, 'CORRUPT_IMAGE', message, undefined, { cause });
}

/** A name as a PDF reader sees it: every `#xx` escape decoded, upper or lower case. */
function nameText(name: PDFName): string {
  return Buffer.from(name.asBytes())
    .toString('latin1')
    .replace(/#([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * Before any parser inflates anything: every `stream` keyword's data is test-inflated with a bound (non-zlib data
 * fails at its header at once), and decompressing filters other than Flate are refused by name.
 */
async function checkStreams(bytes: Buffer): Promise<void> {
  const text = bytes.toString('latin1');
  const keyword = /stream\r?\n/g;
  let total = 0;
  let streams = 0;
  for (let match = keyword.exec(text); match; match = keyword.exec(text)) {
    if (text.slice(Math.max(0, match.index - 3), match.index) === 'end') continue;
    streams += 1;
    if (streams > MAX_STREAMS) throw notImageOnly('The PDF has too many streams for a scanned document.');
    const dictStart = Math.max(text.lastIndexOf('obj', match.index), match.index - 65_536);
    const dict = text
      .slice(dictStart, match.index)
      .replace(/#([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (/\/(LZWDecode|RunLengthDecode|LZW|RL)(?![A-Za-z])/.test(dict)) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'PDFs with LZW or run-length compression are not accepted.',
      );
    }
    const start = match.index + match[0].length;
    const budget = Math.min(MAX_STREAM_INFLATED_BYTES, MAX_TOTAL_INFLATED_BYTES - total);
    try {
      total += (await inflateAsync(bytes.subarray(start), { maxOutputLength: budget })).length;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ApiError(422, 'DECOMPRESSION_BOMB', 'A stream in the PDF inflates past the safe limit.');
      }
      // Not zlib data (a JPEG, plain text) or truncated: the parser decides about it.
    }
  }
}

/** Every object the parser found, looking for active content by decoded name. */
function checkActiveContent(doc: PDFDocument): void {
  const seen = new Set<unknown>();
  const visit = (object: unknown, depth: number): void => {
    if (depth > 64 || seen.has(object)) return;
    seen.add(object);
    if (object instanceof PDFName) {
      if (ACTIVE_NAMES.has(nameText(object))) {
        throw new ApiError(
          415,
          'PDF_ACTIVE_CONTENT',
          'PDFs with scripts, actions, links or attachments are not accepted.',
        );
      }
    } else if (object instanceof PDFDict) {
      for (const [key, value] of object.entries()) {
        visit(key, depth + 1);
        visit(value, depth + 1);
      }
    } else if (object instanceof PDFArray) {
      for (const value of object.asArray()) visit(value, depth + 1);
    } else if (object instanceof PDFStream) {
      visit(object.dict, depth + 1);
    }
  };
  for (const [, object] of doc.context.enumerateIndirectObjects()) visit(object, 0);
  visit(doc.context.trailerInfo.Root, 0);
}

type Matrix = [number, number, number, number, number, number];

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

const DELIMITERS = new Set('()<>[]{}/%'.split('').map((c) => c.charCodeAt(0)));
const isSpace = (b: number | undefined) =>
  b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0;

/**
 * The `Do` calls of a content stream with the transformation in force: a small tokenizer that only tracks
 * `q` / `Q` / `cm` and skips strings, arrays, dictionaries and comments. Inline images are refused.
 */
function drawCalls(content: Uint8Array): Array<{ name: string; matrix: Matrix }> {
  const calls: Array<{ name: string; matrix: Matrix }> = [];
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  let operands: Array<number | string> = [];
  let i = 0;
  const n = content.length;
  while (i < n) {
    const b = content[i] as number;
    if (isSpace(b)) {
      i += 1;
    } else if (b === 0x25) {
      while (i < n && content[i] !== 0x0a && content[i] !== 0x0d) i += 1;
    } else if (b === 0x28) {
      let level = 0;
      for (; i < n; i += 1) {
        const c = content[i];
        if (c === 0x5c) i += 1;
        else if (c === 0x28) level += 1;
        else if (c === 0x29 && --level === 0) break;
      }
      i += 1;
      operands.push('(string)');
    } else if (b === 0x3c && content[i + 1] !== 0x3c) {
      while (i < n && content[i] !== 0x3e) i += 1;
      i += 1;
      operands.push('<string>');
    } else if ((b === 0x3c && content[i + 1] === 0x3c) || (b === 0x3e && content[i + 1] === 0x3e)) {
      i += 2;
    } else if (b === 0x5b || b === 0x5d || b === 0x7b || b === 0x7d) {
      i += 1;
    } else if (b === 0x2f) {
      let j = i + 1;
      while (j < n && !isSpace(content[j]) && !DELIMITERS.has(content[j] as number)) j += 1;
      operands.push(
        `/${Buffer.from(content.subarray(i + 1, j))
          .toString('latin1')
          .replace(/#([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))}`,
      );
      i = j;
    } else {
      let j = i;
      while (j < n && !isSpace(content[j]) && !DELIMITERS.has(content[j] as number)) j += 1;
      if (j === i) j += 1;
      const word = Buffer.from(content.subarray(i, j)).toString('latin1');
      i = j;
      const number = Number(word);
      if (word !== '' && Number.isFinite(number) && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) {
        operands.push(number);
        continue;
      }
      if (word === 'q') stack.push(ctm);
      else if (word === 'Q') ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0];
      else if (word === 'cm') {
        const m = operands.slice(-6);
        if (m.length === 6 && m.every((v) => typeof v === 'number')) ctm = multiply(m as Matrix, ctm);
      } else if (word === 'Do') {
        const name = operands.at(-1);
        if (typeof name === 'string' && name.startsWith('/'))
          calls.push({ name: name.slice(1), matrix: ctm });
      } else if (word === 'BI' || word === 'ID') {
        throw notImageOnly('Inline images in a PDF page are not accepted.');
      }
      operands = [];
    }
  }
  return calls;
}

function numberOf(dict: PDFDict, key: string): number | undefined {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

function filterNames(dict: PDFDict): string[] {
  const filter = dict.lookup(PDFName.of('Filter'));
  if (filter instanceof PDFName) return [nameText(filter)];
  if (filter instanceof PDFArray)
    return filter.asArray().map((f) => (f instanceof PDFName ? nameText(f) : '?'));
  return [];
}

/** Colour channels of a Flate picture we can turn into a PNG; undefined for anything else. */
function channelsOf(doc: PDFDocument, dict: PDFDict): 1 | 3 | undefined {
  const space = dict.lookup(PDFName.of('ColorSpace'));
  if (space instanceof PDFName) {
    const name = nameText(space);
    return name === 'DeviceGray' ? 1 : name === 'DeviceRGB' ? 3 : undefined;
  }
  if (space instanceof PDFArray && space.size() === 2) {
    const kind = space.lookup(0);
    const profile = doc.context.lookup(space.get(1));
    if (kind instanceof PDFName && nameText(kind) === 'ICCBased' && profile instanceof PDFStream) {
      const components = numberOf(profile.dict, 'N');
      return components === 1 ? 1 : components === 3 ? 3 : undefined;
    }
  }
  return undefined;
}

/** One PNG chunk: length, type, data and the CRC-32 (zlib's) of type + data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * The picture of an image XObject as a file: a DCT stream is a JPEG already; a Flate stream of 8-bit gray / RGB
 * rows becomes a PNG (with PNG predictors its data already is a PNG IDAT; without, each row gets a filter byte).
 */
async function pictureFile(doc: PDFDocument, image: PDFRawStream): Promise<Omit<PagePicture, 'matrix'>> {
  const dict = image.dict;
  const filters = filterNames(dict);
  if (filters.length === 1 && filters[0] === 'DCTDecode')
    return { mime: 'image/jpeg', bytes: Buffer.from(image.contents) };
  const width = numberOf(dict, 'Width') ?? 0;
  const height = numberOf(dict, 'Height') ?? 0;
  const bits = numberOf(dict, 'BitsPerComponent');
  const channels = channelsOf(doc, dict);
  if (filters.length !== 1 || filters[0] !== 'FlateDecode' || bits !== 8 || !channels) {
    throw notImageOnly(
      'A page picture is in a format the server cannot check (use JPEG or 8-bit RGB / gray).',
    );
  }
  if (!(width > 0 && height > 0 && width * height * channels <= MAX_STREAM_INFLATED_BYTES)) {
    throw new ApiError(
      422,
      'DECOMPRESSION_BOMB',
      'A page picture declares more pixels than can be safely decoded.',
    );
  }
  const parms = dict.lookup(PDFName.of('DecodeParms'));
  const predictor = parms instanceof PDFDict ? (numberOf(parms, 'Predictor') ?? 1) : 1;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 3 ? 2 : 0;
  let idat: Buffer;
  if (predictor >= 10) {
    idat = Buffer.from(image.contents);
  } else if (predictor === 1) {
    const rowBytes = width * channels;
    let raw: Buffer;
    try {
      raw = await inflateAsync(image.contents, { maxOutputLength: rowBytes * height });
    } catch (cause) {
      throw corrupt('A page picture could not be decoded.', cause);
    }
    if (raw.length !== rowBytes * height) throw corrupt('A page picture has the wrong number of pixels.');
    const rows = Buffer.alloc((rowBytes + 1) * height);
    for (let y = 0; y < height; y += 1)
      raw.copy(rows, y * (rowBytes + 1) + 1, y * rowBytes, (y + 1) * rowBytes);
    const { deflateSync } = await import('node:zlib');
    idat = deflateSync(rows, { level: 6 });
  } else {
    throw notImageOnly('A page picture uses a TIFF predictor the server does not read.');
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  return { mime: 'image/png', bytes: png };
}

function pageContent(page: ReturnType<PDFDocument['getPages']>[number]): Uint8Array {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
  const parts: Uint8Array[] = [];
  for (const entry of streams) {
    const stream = entry instanceof PDFRef ? page.doc.context.lookup(entry) : entry;
    if (!(stream instanceof PDFRawStream)) throw corrupt('A page content stream is missing.');
    parts.push(decodePDFRawStream(stream).decode(), new Uint8Array([0x0a]));
  }
  return Buffer.concat(parts);
}

/**
 * Parses a PDF and returns its pages as pictures (not yet validated as images; see `rewriteImagePdf`). Throws the
 * ApiErrors listed in the module comment.
 */
export async function readImagePdf(bytes: Buffer): Promise<ImagePdfPage[]> {
  await checkStreams(bytes);
  let doc: PDFDocument;
  try {
    // parseSpeed (objects per tick): a PDF of many small objects yields to other requests while it is parsed.
    doc = await PDFDocument.load(bytes, {
      throwOnInvalidObject: true,
      updateMetadata: false,
      parseSpeed: 200,
    });
  } catch (cause) {
    if ((cause as { name?: string }).name === 'EncryptedPDFError') {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Encrypted PDFs are not accepted.');
    }
    throw corrupt('The PDF could not be parsed.', cause);
  }
  checkActiveContent(doc);
  let pages: ReturnType<PDFDocument['getPages']>;
  try {
    pages = doc.getPages();
  } catch (cause) {
    throw corrupt('The PDF has no readable page tree.', cause);
  }
  if (pages.length === 0) throw corrupt('The PDF has no pages.');
  if (pages.length > MAX_PDF_PAGES) throw notImageOnly(`A document PDF has at most ${MAX_PDF_PAGES} pages.`);
  const result: ImagePdfPage[] = [];
  for (const page of pages) {
    const box = page.getMediaBox();
    const xObjects = page.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
    const pictures: PagePicture[] = [];
    let covered = 0;
    let content: Uint8Array;
    try {
      content = pageContent(page);
    } catch (cause) {
      if (cause instanceof ApiError) throw cause;
      throw corrupt('A page content stream could not be decoded.', cause);
    }
    for (const call of drawCalls(content)) {
      const object = xObjects?.lookup(PDFName.of(call.name));
      if (!(object instanceof PDFRawStream))
        throw notImageOnly('A page draws something that is not a picture.');
      const subtype = object.dict.lookup(PDFName.of('Subtype'));
      if (!(subtype instanceof PDFName) || nameText(subtype) !== 'Image') {
        throw notImageOnly('A page draws something that is not a picture (a form or a nested page).');
      }
      const [a, b, c, d] = call.matrix;
      covered += Math.abs(a * d - b * c);
      pictures.push({ ...(await pictureFile(doc, object)), matrix: call.matrix });
    }
    if (pictures.length === 0 || covered < MIN_PICTURE_COVER * box.width * box.height) {
      throw notImageOnly('Each page of a document PDF must be a photo or scan of the document.');
    }
    result.push({ width: box.width, height: box.height, rotation: page.getRotation().angle, pictures });
  }
  return result;
}

/** Writes a new PDF of the given pages: only the (already validated) pictures, no metadata, no other objects. */
export async function writeImagePdf(pages: ImagePdfPage[]): Promise<Buffer> {
  const out = await PDFDocument.create({ updateMetadata: false });
  for (const source of pages) {
    const page = out.addPage([source.width, source.height]);
    if (source.rotation) page.setRotation(degrees(source.rotation));
    for (const [index, picture] of source.pictures.entries()) {
      const image =
        picture.mime === 'image/jpeg' ? await out.embedJpg(picture.bytes) : await out.embedPng(picture.bytes);
      const name = PDFName.of(`Im${index}`);
      page.node.setXObject(name, image.ref);
      page.pushOperators(
        pushGraphicsState(),
        concatTransformationMatrix(...picture.matrix),
        drawObject(name),
        popGraphicsState(),
      );
    }
  }
  return Buffer.from(await out.save({ useObjectStreams: false }));
}
