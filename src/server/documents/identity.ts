/**
 * The identity data a document yields, in the retrieval API's (Jumio-style) field names, and where each value came
 * from. One shape for every source (MRZ, PDF417 barcode, printed visual zone), so merging and cross-checking are one
 * loop over field names instead of a case per pair of sources.
 */

export type FieldSource = 'MRZ' | 'BARCODE' | 'VIZ';

export type DocumentTypeRead = 'PASSPORT' | 'ID_CARD' | 'DRIVING_LICENSE' | 'VISA';

export interface Address {
  line1?: string;
  city?: string;
  subdivision?: string;
  postalCode?: string;
  country?: string;
}

export interface IdentityFields {
  type?: DocumentTypeRead;
  /** e.g. `NATIONAL_ID`, `REGULAR_DRIVING_LICENSE`, `ID_CARD` (AAMVA ID), from the document code. */
  subType?: string;
  /** ISO 3166-1 alpha-3 (MRZ issuing state, `USA` / `CAN` for AAMVA). */
  issuingCountry?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  /** ISO dates `YYYY-MM-DD`. */
  dateOfBirth?: string;
  expiryDate?: string;
  issuingDate?: string;
  documentNumber?: string;
  personalNumber?: string;
  gender?: 'M' | 'F' | 'X';
  nationality?: string;
  address?: Address;
}

/** The fields merged and compared across sources (the address is compared as one value). */
export const IDENTITY_FIELDS = [
  'type',
  'subType',
  'issuingCountry',
  'firstName',
  'middleName',
  'lastName',
  'dateOfBirth',
  'expiryDate',
  'issuingDate',
  'documentNumber',
  'personalNumber',
  'gender',
  'nationality',
  'address',
] as const satisfies ReadonlyArray<keyof IdentityFields>;

export interface SourceReading {
  source: FieldSource;
  /** Which stored part it was read from. */
  classifier: 'FRONT' | 'BACK';
  /** MRZ with valid check digits and decoded barcodes are HIGH; OCR of printed text is LOW. */
  confidence: 'HIGH' | 'LOW';
  fields: IdentityFields;
}

/** The MRZ as retrieval reports it. */
export interface MrzReport {
  format: string;
  lines: string[];
  valid: boolean;
  checks: {
    documentNumber?: boolean;
    dateOfBirth?: boolean;
    expiryDate?: boolean;
    personalNumber?: boolean;
    composite?: boolean;
  };
}

export interface BarcodeReport {
  format: 'AAMVA';
  version: number;
  jurisdiction?: string;
}

/** Source precedence when sources disagree or complement each other: machine-readable first. */
export const SOURCE_PRECEDENCE: readonly FieldSource[] = ['MRZ', 'BARCODE', 'VIZ'];

export interface MergedIdentity {
  fields: IdentityFields;
  /** Per field, the source its value was taken from. */
  fieldSources: Partial<Record<keyof IdentityFields, FieldSource>>;
}

/**
 * One value per field, from the most trusted source that has it (MRZ, then barcode, then printed). Names are the
 * exception where the barcode wins: the MRZ truncates and transliterates them, the barcode has them in full.
 */
export function mergeReadings(readings: readonly SourceReading[]): MergedIdentity {
  const fields: IdentityFields = {};
  const fieldSources: MergedIdentity['fieldSources'] = {};
  const bySource = (order: readonly FieldSource[]) =>
    [...readings].sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
  const nameOrder: readonly FieldSource[] = ['BARCODE', 'MRZ', 'VIZ'];
  for (const field of IDENTITY_FIELDS) {
    const isName = field === 'firstName' || field === 'middleName' || field === 'lastName';
    for (const reading of bySource(isName ? nameOrder : SOURCE_PRECEDENCE)) {
      const value = reading.fields[field];
      if (value === undefined || value === '') continue;
      (fields as Record<string, unknown>)[field] = value;
      fieldSources[field] = reading.source;
      break;
    }
  }
  return { fields, fieldSources };
}
