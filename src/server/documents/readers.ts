/**
 * The real readers behind the document analysis, in its terms: MRZ (./mrz-reader.ts), PDF417 + AAMVA
 * (./barcode-reader.ts, ./aamva.ts), printed fields (./viz-reader.ts), faces (../faces/) and the operator's
 * sanctions list (./sanctions.ts). Each reader's own result is mapped to the retrieval API's field names
 * (./identity.ts) here, in one place.
 */
import type { FrameLike } from '../../analysis/types.js';
import { findFaces } from '../faces/face-match.js';
import type { WatchlistScreener } from '../pipeline/watchlist.js';
import { parseAamva } from './aamva.js';
import { readPdf417 } from './barcode-reader.js';
import type {
  BarcodeOutcome,
  DocumentReaders,
  DocumentShape,
  FaceFound,
  MrzOutcome,
} from './document-analysis.js';
import { encodeFrameJpeg } from './document-image.js';
import type { DocumentTypeRead, IdentityFields, MrzReport } from './identity.js';
import { type MrzFields, type MrzReading, readMrz } from './mrz-reader.js';
import { loadSanctionsList, type SanctionsList, screenName } from './sanctions.js';
import { readPrintedFields } from './viz-reader.js';

/** What the MRZ's document code says (ICAO 9303: P passport, V visa, I / A / C identity and other official cards). */
function typeOfMrzCode(code: string): DocumentTypeRead | undefined {
  switch (code[0]) {
    case 'P':
      return 'PASSPORT';
    case 'V':
      return 'VISA';
    case 'I':
    case 'A':
    case 'C':
      return 'ID_CARD';
    default:
      return undefined;
  }
}

const SUB_TYPE: Readonly<Record<DocumentTypeRead, string>> = {
  PASSPORT: 'REGULAR_PASSPORT',
  VISA: 'VISA',
  ID_CARD: 'NATIONAL_ID',
  DRIVING_LICENSE: 'REGULAR_DRIVING_LICENSE',
};

/** The fields that have a value: readers leave absent ones undefined or empty, retrieval leaves them out. */
function present(fields: Record<keyof IdentityFields, unknown>): IdentityFields {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''),
  ) as IdentityFields;
}

export function mrzIdentity(fields: MrzFields): IdentityFields {
  const type = typeOfMrzCode(fields.documentCode);
  return present({
    type,
    subType: type && SUB_TYPE[type],
    issuingCountry: fields.issuingState,
    lastName: fields.lastName,
    firstName: fields.firstName,
    middleName: undefined,
    documentNumber: fields.documentNumber,
    personalNumber: fields.personalNumber,
    gender: fields.sex,
    nationality: fields.nationality,
    dateOfBirth: fields.dateOfBirth,
    expiryDate: fields.expiryDate,
    issuingDate: undefined,
    address: undefined,
  });
}

export function mrzOutcome(reading: MrzReading): MrzOutcome {
  if (reading.status !== 'READ' && reading.error) return { status: 'FAILED', rotation: reading.rotation };
  if (reading.status !== 'READ' || !reading.fields || !reading.format || !reading.lines) {
    return { status: reading.status === 'READ' ? 'UNREADABLE' : reading.status, rotation: reading.rotation };
  }
  const checks: MrzReport['checks'] = {};
  for (const [name, ok] of Object.entries(reading.checks)) {
    if (ok !== null) checks[name as keyof MrzReport['checks']] = ok;
  }
  return {
    status: 'READ',
    rotation: reading.rotation,
    report: { format: reading.format, lines: reading.lines, valid: reading.valid, checks },
    fields: mrzIdentity(reading.fields),
  };
}

export function barcodeOutcome(text: string): BarcodeOutcome {
  const parsed = parseAamva(text);
  const f = parsed.fields;
  if (parsed.errors.includes('NO_HEADER') || !f.lastName || !f.documentNumber) return { status: 'UNPARSED' };
  const type: DocumentTypeRead = parsed.documentType === 'ID' ? 'ID_CARD' : 'DRIVING_LICENSE';
  const fields = present({
    type,
    subType: parsed.documentType === 'ID' ? 'STATE_ID' : SUB_TYPE.DRIVING_LICENSE,
    issuingCountry: f.issuingCountry,
    firstName: f.firstName,
    middleName: f.middleName,
    lastName: f.lastName,
    documentNumber: f.documentNumber,
    personalNumber: undefined,
    gender: f.gender,
    nationality: undefined,
    dateOfBirth: f.dateOfBirth,
    expiryDate: f.expiryDate,
    issuingDate: f.issuingDate,
    address: f.address && {
      line1: f.address.line1,
      city: f.address.city,
      subdivision: f.address.subdivision,
      postalCode: f.address.postalCode,
      country: f.address.country,
    },
  });
  return {
    status: 'READ',
    report: {
      format: 'AAMVA',
      version: parsed.version,
      ...(parsed.jurisdiction ? { jurisdiction: parsed.jurisdiction } : {}),
    },
    fields,
  };
}

/** Bounds per read: OCR and decoding of one page never hold a job longer than this. */
const MRZ_TIMEOUT_MS = 6000;
const BARCODE_TIMEOUT_MS = 4000;
const PRINTED_TIMEOUT_MS = 6000;

export const serverDocumentReaders: DocumentReaders = {
  async readMrz(image: FrameLike): Promise<MrzOutcome> {
    return mrzOutcome(await readMrz(image, { timeoutMs: MRZ_TIMEOUT_MS }));
  },
  async readBarcode(image: FrameLike): Promise<BarcodeOutcome> {
    const read = await readPdf417(image, { timeoutMs: BARCODE_TIMEOUT_MS });
    // Running out of time means every bounded attempt failed: nothing readable, the same as not found.
    if (read.status !== 'READ' || read.text === undefined) return { status: 'NOT_FOUND' };
    return barcodeOutcome(read.text);
  },
  async readPrinted(image: FrameLike, shape: DocumentShape): Promise<IdentityFields | undefined> {
    const read = await readPrintedFields(image, {
      kind: shape === 'PASSPORT_PAGE' ? 'passport' : 'id1',
      timeoutMs: PRINTED_TIMEOUT_MS,
    });
    if (read.error) return undefined;
    const { sex, ...rest } = read.fields;
    const fields: IdentityFields = { ...rest, ...(sex ? { gender: sex } : {}) };
    return Object.keys(fields).length > 0 ? fields : undefined;
  },
  async findFaces(image: FrameLike): Promise<FaceFound[]> {
    // Boxes come back in the pixels of the image given.
    const found = await findFaces(await encodeFrameJpeg(image));
    return found.faces.map((face) => ({ box: face.box, score: face.score }));
  },
};

/**
 * The operator's sanctions list as a screener, read once on first use; `undefined` (no list) without a path.
 * A list that cannot be read throws its coded error (`SANCTIONS_LIST_UNREADABLE`), which the capability reports.
 */
export function sanctionsScreener(path: string | undefined): () => Promise<WatchlistScreener | undefined> {
  if (!path) return async () => undefined;
  let list: Promise<SanctionsList> | undefined;
  return async () => {
    list ??= loadSanctionsList(path).catch((error: unknown) => {
      list = undefined; // a fixed file is picked up by the next execution
      throw error;
    });
    const loaded = await list;
    return {
      async screen(person, options) {
        return screenName(loaded, { ...person, firstName: person.firstName ?? '' }, options).matches.map(
          (m) => ({
            uid: m.uid,
            score: m.score,
          }),
        );
      },
    };
  };
}
