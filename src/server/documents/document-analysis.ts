/**
 * Server-side analysis of a document credential's stored images, never trusting the widget's verdict: is there a
 * document, where (the same quad search as the widget, `analysis/document-quad.ts`, then a perspective warp to an
 * upright card), what kind (ID-1 card / passport data page / other, from the outer boundary's aspect and from what
 * could be read), which way up, is there a portrait on the front, and what its machine-readable zones say (MRZ,
 * PDF417) and, where needed, its printed fields.
 *
 * The readers (OCR, barcode, face detection) are injected ({@link DocumentReaders}) so that this module holds only the
 * decisions about where to look and what counts as evidence; ./readers.ts wires the real ones.
 */
import { type DocumentKindGuess, findDocumentQuad, guessDocumentKind } from '../../analysis/document-quad.js';
import { sideLengths, uprightQuad } from '../../analysis/quad-geometry.js';
import { rectifyQuadRgba } from '../../analysis/rectify.js';
import type { FrameLike, Quad } from '../../analysis/types.js';
import { type DecodedImage, decodeForAnalysis, lumaSpread, rotate180 } from './document-image.js';
import type { BarcodeReport, IdentityFields, MrzReport } from './identity.js';

export type DocumentShape = 'ID1' | 'PASSPORT_PAGE' | 'OTHER';

/** Our names for the widget's kind guess (`analysis/document-quad.ts`, from the perspective-free aspect). */
const SHAPE_OF_KIND: Readonly<Record<DocumentKindGuess, DocumentShape>> = {
  id1: 'ID1',
  passport: 'PASSPORT_PAGE',
  other: 'OTHER',
};

/**
 * Side support (0–1, see `findDocumentQuad`) from which a found boundary counts as a document. The search only
 * reports quads whose every visible side is ≥ 45 % backed by edges with a mean ≥ 60 %; boundaries of real cards in
 * the accuracy set score 0.75–1, while on camera noise and plain scenes the search finds nothing at all.
 */
const QUAD_CONFIDENCE_MIN = 0.6;

/**
 * Luma standard deviation below which an image (or the inside of the found boundary) is blank: a uniform grey
 * test image is 0, a photographed sheet of white paper 3–6 (sensor noise and shading), while the flattest real
 * document (a pale card with small print) measures above 20.
 */
export const BLANK_STDDEV = 9;

/** Rectified widths: ~14 px/mm on an ID-1 card, ~11 px/mm on a passport page, enough for OCR of 2.5 mm MRZ glyphs. */
const RECTIFIED_WIDTH: Readonly<Record<DocumentShape, number>> = {
  ID1: 1200,
  PASSPORT_PAGE: 1400,
  OTHER: 1400,
};

/**
 * A photo of a person uploaded as a document page: no document evidence, and one face that is the picture's subject.
 * The server's detector boxes the inner face, so a head-and-shoulders portrait measures ~0.2 of the image height (the
 * astronaut fixture 0.21) and an arm's-length selfie 0.25–0.45; the faces of a group photo are each 0.15–0.22 (the
 * six face-api demo photos) but there are several. A card cropped to its edges (a scan) has its portrait in the left
 * or right part of a card-shaped image instead.
 */
const SELFIE_FACE_HEIGHT_SHARE = 0.15;
/**
 * What counts as a portrait on a document page: a face at least this tall (box height over the page's shorter side)
 * and this sure. Measured with the server's detector (BlazeFace on a 256 px view, min confidence 0.3): the portraits
 * of the 16 real specimens that have one measure 0.21–0.38 tall with score 0.85–0.97, those of our generated cards and
 * passports 0.20–0.28 with 0.93–0.96; what it finds in guilloche, seals, lettering and barcodes on card backs scores
 * 0.31–0.52 (and measures anywhere from 0.05 to 0.61). The score threshold sits in the middle of that gap; the size
 * floor, below the smallest real portrait, keeps ghost images and tiny marks from counting alone.
 */
const PORTRAIT_MIN_SHARE = 0.15;
const PORTRAIT_MIN_SCORE = 0.68;
const CARD_PORTRAIT_OFF_CENTRE = 0.1;
/** Labelled printed fields (name, dates, number…) OCR must find on such a crop for it to count as a document. */
const SCAN_MIN_PRINTED_FIELDS = 2;

export interface FaceFound {
  box: { x: number; y: number; width: number; height: number };
  score: number;
}

export interface MrzOutcome {
  /** `FAILED`: the reader itself failed or ran out of time (a fault, not evidence about the document). */
  status: 'READ' | 'NOT_FOUND' | 'UNREADABLE' | 'FAILED';
  rotation: 0 | 180;
  report?: MrzReport;
  fields?: IdentityFields;
}

export interface BarcodeOutcome {
  /** `UNPARSED`: decoded, but not an AAMVA payload we could parse; `FAILED`: the decoder failed or timed out. */
  status: 'READ' | 'NOT_FOUND' | 'UNPARSED' | 'FAILED';
  report?: BarcodeReport;
  fields?: IdentityFields;
}

/** The readers the analysis uses; each answers "nothing found" as a normal result and throws only on a fault. */
export interface DocumentReaders {
  readMrz(image: FrameLike): Promise<MrzOutcome>;
  readBarcode(image: FrameLike): Promise<BarcodeOutcome>;
  readPrinted(image: FrameLike, shape: DocumentShape): Promise<IdentityFields | undefined>;
  findFaces(image: FrameLike): Promise<FaceFound[]>;
}

/** What the type and country imply about where a document keeps its data. */
export interface DocumentExpectation {
  type?: string;
  country?: string;
  /** US and Canadian driving licences and ID cards carry an AAMVA PDF417 on the back. */
  barcode: boolean;
  /** `REQUIRED`: every such document has an MRZ (passports, visas); `LIKELY`: most do (ID cards); `NONE`. */
  mrz: 'REQUIRED' | 'LIKELY' | 'NONE';
  /** Every type we accept is a photo ID. */
  portrait: boolean;
}

const AAMVA_COUNTRIES = new Set(['USA', 'CAN']);

export function documentExpectation(
  type: string | undefined,
  country: string | undefined,
): DocumentExpectation {
  const northAmerican = country !== undefined && AAMVA_COUNTRIES.has(country);
  const barcode = northAmerican && (type === 'DRIVING_LICENSE' || type === 'ID_CARD');
  const mrz =
    type === 'PASSPORT' || type === 'VISA'
      ? 'REQUIRED'
      : type === 'ID_CARD' && !northAmerican
        ? 'LIKELY'
        : 'NONE';
  return { ...(type ? { type } : {}), ...(country ? { country } : {}), barcode, mrz, portrait: true };
}

export interface SideAnalysis {
  classifier: 'FRONT' | 'BACK';
  /** False when the bytes could not be decoded (the part is then unreadable, not a verdict on the user). */
  decoded: boolean;
  width: number;
  height: number;
  /** The image (or the inside of the boundary found in it) has no content. */
  blank: boolean;
  /** The boundary found, in stored-image pixels, with its side support and shape. */
  boundary?: {
    quad: Quad;
    confidence: number;
    aspect: number;
    shape: DocumentShape;
    source: 'outline' | 'frame-border' | 'whole-image';
  };
  /** Evidence of a document: a boundary, a machine-readable zone, or a portrait placed as on a card. */
  document: boolean;
  shape?: DocumentShape;
  /** Which way up the document lies in its rectified image (from the MRZ, else from the portrait). */
  rotation: 0 | 180;
  /** Faces found on this side (portrait search, front only), in the pixels of the upright page (`page`). */
  faces: FaceFound[];
  /** Size of the upright page the zones were read from (rectified, or the whole image). */
  page?: { width: number; height: number };
  /** A large face in the middle of an image that shows no document: a selfie uploaded as a page. */
  selfieLike: boolean;
  /** 64-bit difference hash of the whole image (hex): two uploads of one picture have (nearly) the same. */
  fingerprint?: string;
  mrz?: MrzOutcome;
  barcode?: BarcodeOutcome;
  printed?: IdentityFields;
  /** Milliseconds spent, for the benchmark and the result data. */
  ms: number;
}

export function shapeOfAspect(aspect: number): DocumentShape {
  return SHAPE_OF_KIND[guessDocumentKind(aspect)];
}

/**
 * Analyses one stored page of a document. `wantPrinted` asks for OCR of the printed fields (front of a document
 * without a machine-readable zone, or to cross-check one); `findPortrait` looks for the portrait (default: on the
 * front only).
 */
export async function analyseDocumentSide(
  encoded: Buffer,
  classifier: 'FRONT' | 'BACK',
  expectation: DocumentExpectation,
  readers: DocumentReaders,
  options: { wantPrinted?: boolean; findPortrait?: boolean } = {},
): Promise<SideAnalysis> {
  const started = performance.now();
  const side: SideAnalysis = {
    classifier,
    decoded: false,
    width: 0,
    height: 0,
    blank: false,
    document: false,
    rotation: 0,
    faces: [],
    selfieLike: false,
    ms: 0,
  };
  let frame: DecodedImage;
  try {
    frame = await decodeForAnalysis(encoded);
  } catch {
    side.ms = performance.now() - started;
    return side;
  }
  side.decoded = true;
  side.width = Math.round(frame.width / frame.scale);
  side.height = Math.round(frame.height / frame.scale);
  side.fingerprint = differenceHash(frame);
  if (lumaSpread(frame).stdDev < BLANK_STDDEV) {
    side.blank = true;
    side.ms = performance.now() - started;
    return side;
  }

  // `wholeImageFallback`: a scan cut to the document has no outline to find; the image itself is then the page
  // (low confidence, and no evidence of a document by itself: the zones read from it have to tell).
  const found = findDocumentQuad(frame, { workingWidth: 480, wholeImageFallback: true });
  let page: FrameLike = frame;
  if (found) {
    const quad = uprightQuad(found.quad);
    const shape = SHAPE_OF_KIND[found.kindGuess];
    const [top, , bottom] = sideLengths(quad);
    const width = Math.round(Math.min(RECTIFIED_WIDTH[shape], ((top + bottom) / 2) * 1.25));
    const warped = rectifyQuadRgba(frame, quad, width, Math.round(width / found.aspect));
    const outline = found.source !== 'whole-image' && found.confidence >= QUAD_CONFIDENCE_MIN;
    if (warped) {
      page = warped;
      side.boundary = {
        quad: quad.map((p) => ({ x: p.x / frame.scale, y: p.y / frame.scale })) as Quad,
        confidence: round(found.confidence),
        aspect: round(found.aspect),
        shape,
        source: found.source,
      };
      if (outline) {
        side.shape = shape;
        side.document = true;
        // A sheet of blank paper has an outline too: what counts is whether anything is printed inside it.
        if (lumaSpread(warped).stdDev < BLANK_STDDEV) {
          side.blank = true;
          side.ms = performance.now() - started;
          return side;
        }
      }
    }
  }

  // The MRZ first: it fixes which way up the page lies. A boundary can be an inner panel, so the whole image is
  // read too when the page shows none.
  // A warp resamples: on a small or soft photo the MRZ can read better from the image as it is. So the whole image
  // is read too whenever the page gives no valid MRZ, and the better reading kept.
  let mrz = await readers.readMrz(page);
  if (mrzRank(mrz) < MRZ_VALID && page !== frame) {
    const whole = await readers.readMrz(frame);
    if (mrzRank(whole) > mrzRank(mrz)) {
      mrz = whole;
      page = frame;
    }
  }
  side.mrz = mrz;
  if (mrz.status === 'READ' || mrz.status === 'UNREADABLE') side.document = true;
  let oriented = mrz.status === 'READ' && mrz.rotation === 180 ? rotate180(page) : page;
  if (mrz.status === 'READ') side.rotation = mrz.rotation;

  // Barcode, portrait and printed fields are independent once the page is upright: they run concurrently (the
  // decoder and OCR in this thread's wasm / the OCR worker, faces in the face-analysis thread).
  const barcodeTask =
    // The PDF417 of a North American card is on its back; other documents have none worth the decoder's time.
    classifier === 'BACK' && expectation.barcode
      ? readers
          .readBarcode(page)
          .then((b) => (b.status === 'NOT_FOUND' && page !== frame ? readers.readBarcode(frame) : b))
      : undefined;
  const shapeOf = (image: FrameLike) =>
    shapeOfAspect(Math.max(image.width, image.height) / Math.min(image.width, image.height));
  // Printed fields are read alongside when the page is already known to be a document; otherwise only once the
  // portrait has shown that it is one (no OCR time on noise or selfies).
  const printedEarly = options.wantPrinted && side.document;
  const printedTask = printedEarly ? readers.readPrinted(oriented, side.shape ?? shapeOf(page)) : undefined;
  const portraitsIn = async (image: FrameLike) => {
    const least = PORTRAIT_MIN_SHARE * Math.min(image.width, image.height);
    return (await readers.findFaces(image)).filter(
      (face) => face.box.height >= least && face.score >= PORTRAIT_MIN_SCORE,
    );
  };
  const facesTask = (options.findPortrait ?? classifier === 'FRONT') ? portraitsIn(oriented) : undefined;

  if (barcodeTask) {
    const barcode = await barcodeTask;
    side.barcode = barcode;
    if (barcode.status === 'READ' || barcode.status === 'UNPARSED') side.document = true;
  }
  let turnedForPortrait = false;
  if (facesTask) {
    let faces = await facesTask;
    if (faces.length === 0 && mrz.status !== 'READ') {
      // No MRZ told us which way up: a portrait upside down is still a portrait.
      const turned = rotate180(oriented);
      const turnedFaces = await portraitsIn(turned);
      if (turnedFaces.length > 0) {
        faces = turnedFaces;
        oriented = turned;
        side.rotation = 180;
        turnedForPortrait = true;
      }
    }
    side.faces = faces;
    side.page = { width: oriented.width, height: oriented.height };
    if (!side.document && faces.length > 0) {
      const largest = faces.reduce((a, b) => (b.box.height > a.box.height ? b : a));
      const centreX = (largest.box.x + largest.box.width / 2) / oriented.width;
      const heightShare = largest.box.height / oriented.height;
      const imageShape = shapeOf(frame);
      // A scan cropped to the card has no boundary to find: a card-shaped image, the portrait off-centre, and
      // printed fields around it tell. A photo of a person has the first two often enough, never the third.
      if (imageShape !== 'OTHER' && Math.abs(centreX - 0.5) > CARD_PORTRAIT_OFF_CENTRE) {
        const printed = await readers.readPrinted(oriented, imageShape);
        if (printed && Object.keys(printed).length >= SCAN_MIN_PRINTED_FIELDS) {
          side.document = true;
          side.shape = imageShape;
          side.printed = printed;
        }
      }
      if (!side.document) side.selfieLike = faces.length === 1 && heightShare >= SELFIE_FACE_HEIGHT_SHARE;
    }
  }
  if (side.document && !side.shape) side.shape = shapeOf(page);
  if (printedTask) {
    side.printed = await printedTask;
    // Read upside down: read again the right way up.
    if (turnedForPortrait) side.printed = await readers.readPrinted(oriented, side.shape ?? 'OTHER');
  } else if (side.document && options.wantPrinted && !side.printed) {
    side.printed = await readers.readPrinted(oriented, side.shape ?? 'OTHER');
  }
  side.ms = performance.now() - started;
  return side;
}

const MRZ_VALID = 3;

/** Valid reading > read with a failing check digit > band found but unreadable > nothing (or a reader fault). */
function mrzRank(mrz: MrzOutcome): number {
  if (mrz.status === 'READ') return mrz.report?.valid ? MRZ_VALID : 2;
  return mrz.status === 'UNREADABLE' ? 1 : 0;
}

/**
 * dHash: luma on a 9×8 grid (box-averaged), one bit per horizontal neighbour pair. Robust to re-encoding and
 * resizing, so the same photo uploaded as both sides is recognised whatever the client did to it.
 */
export function differenceHash(frame: FrameLike): string {
  const cols = 9;
  const rows = 8;
  const cells = new Float64Array(cols * rows);
  const counts = new Uint32Array(cols * rows);
  const step = Math.max(1, Math.floor(Math.min(frame.width / cols, frame.height / rows) / 8));
  for (let y = 0; y < frame.height; y += step) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / frame.height));
    for (let x = 0; x < frame.width; x += step) {
      const col = Math.min(cols - 1, Math.floor((x * cols) / frame.width));
      const i = (y * frame.width + x) * 4;
      cells[row * cols + col]! +=
        0.299 * frame.data[i]! + 0.587 * frame.data[i + 1]! + 0.114 * frame.data[i + 2]!;
      counts[row * cols + col]! += 1;
    }
  }
  let hex = '';
  for (let row = 0; row < rows; row++) {
    let byte = 0;
    for (let col = 0; col < 8; col++) {
      const left = cells[row * cols + col]! / Math.max(1, counts[row * cols + col]!);
      const right = cells[row * cols + col + 1]! / Math.max(1, counts[row * cols + col + 1]!);
      byte = (byte << 1) | (left > right ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/** Number of differing bits of two {@link differenceHash} values. */
export function hashDistance(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i += 2) {
    let x = Number.parseInt(a.slice(i, i + 2), 16) ^ Number.parseInt(b.slice(i, i + 2), 16);
    while (x) {
      bits += x & 1;
      x >>= 1;
    }
  }
  return bits;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
