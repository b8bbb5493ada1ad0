/**
 * Reading documents on the server: MRZ (OCR), PDF417 + AAMVA, printed fields, sanctions screening, and the name /
 * date normalization the data checks compare them with. Pure modules: no HTTP, no database, nothing logged.
 */
import { prepareBarcodeReader } from './barcode-reader.js';
import { closeOcr, prepareOcr } from './ocr.js';

export { type AamvaAddress, type AamvaFields, type AamvaParse, parseAamva } from './aamva.js';
export { type Pdf417Reading, type ReadPdf417Options, readPdf417 } from './barcode-reader.js';
export type { MrzCheckName } from './mrz-layout.js';
export {
  type MrzChecks,
  type MrzFields,
  type MrzFormat,
  type MrzReading,
  type ReadMrzOptions,
  readMrz,
} from './mrz-reader.js';
export {
  birthDateFromMrz,
  expiryDateFromMrz,
  foldName,
  isIsoDate,
  isoDate,
  nameForms,
  nameFormsSimilarity,
  nameSimilarity,
  nameTokens,
} from './normalize.js';
export { OcrError, type OcrErrorCode } from './ocr.js';
export {
  DEFAULT_SANCTIONS_TOLERANCE,
  loadSanctionsList,
  type SanctionsEntry,
  type SanctionsList,
  SanctionsListError,
  type ScreeningMatch,
  type ScreeningOptions,
  type ScreeningSubject,
  screenName,
} from './sanctions.js';
export type { RgbaFrame } from './text-lines.js';
export {
  type PrintedFields,
  type PrintedFieldsReading,
  type ReadPrintedFieldsOptions,
  readPrintedFields,
} from './viz-reader.js';

/** Starts the OCR worker and instantiates the barcode wasm ahead of the first document (≈ 0.6 s). */
export async function prepareDocumentReaders(): Promise<void> {
  await Promise.all([prepareOcr(), prepareBarcodeReader()]);
}

/** Ends the OCR worker (server shutdown, tests). Readers used later start it again. */
export function closeDocumentReaders(): Promise<void> {
  return closeOcr();
}
