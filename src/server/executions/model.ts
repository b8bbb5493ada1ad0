/** Rules of the workflow model: which parts a credential takes and needs, and row decoding. */
import type {
  CredentialCategory,
  CredentialData,
  DocumentType,
  PartClassifier,
} from '../../shared/api/index.js';
import type { CredentialsTable } from '../db/schema.js';
import type { IdentityFields } from '../documents/identity.js';

export const INACTIVITY_TIMEOUT_MS = 15 * 60 * 1000;

export const CLASSIFIERS_BY_CATEGORY: Record<CredentialCategory, PartClassifier[]> = {
  ID: ['FRONT', 'BACK'],
  SELFIE: ['FACE'],
  // Liveness frames arrive through their own endpoints; a facemap takes no still image.
  FACEMAP: [],
};

export interface CredentialRecord {
  id: string;
  category: CredentialCategory;
  allowedTypes: DocumentType[] | null;
  allowedCountries: string[] | null;
}

export function credentialFromRow(row: CredentialsTable): CredentialRecord {
  return {
    id: row.id,
    category: row.category as CredentialCategory,
    allowedTypes: row.allowed_types ? (JSON.parse(row.allowed_types) as DocumentType[]) : null,
    allowedCountries: row.allowed_countries ? (JSON.parse(row.allowed_countries) as string[]) : null,
  };
}

/**
 * Parts finalize insists on. A passport has no back; when no type was chosen yet, a credential that only
 * allows passports needs no back either.
 */
export function requiredClassifiers(
  credential: CredentialRecord,
  chosenType: string | null,
): PartClassifier[] {
  switch (credential.category) {
    case 'ID': {
      const passportOnly = credential.allowedTypes?.length === 1 && credential.allowedTypes[0] === 'PASSPORT';
      return chosenType === 'PASSPORT' || (!chosenType && passportOnly) ? ['FRONT'] : ['FRONT', 'BACK'];
    }
    case 'SELFIE':
      return ['FACE'];
    case 'FACEMAP':
      // Liveness frames arrive through their own endpoints; no still image is required here.
      return [];
  }
}

/**
 * The customer's credential data (prefill, Jumio field names) as the fields the data checks compare with the
 * document; undefined when the credential has none.
 */
export function prefillOf(row: Pick<CredentialsTable, 'prefill'>): IdentityFields | undefined {
  if (!row.prefill) return undefined;
  const data = JSON.parse(row.prefill) as CredentialData;
  const fields: IdentityFields = {
    ...(data.firstName ? { firstName: data.firstName } : {}),
    ...(data.middleName ? { middleName: data.middleName } : {}),
    ...(data.lastName ? { lastName: data.lastName } : {}),
    ...(data.dateOfBirth ? { dateOfBirth: data.dateOfBirth } : {}),
    ...(data.sex ? { gender: data.sex } : {}),
    ...(data.nationality ? { nationality: data.nationality } : {}),
    ...(data.id?.idNumber ? { documentNumber: data.id.idNumber } : {}),
    ...(data.id?.personalNumber ? { personalNumber: data.id.personalNumber } : {}),
    ...(data.id?.issuingCountry ? { issuingCountry: data.id.issuingCountry } : {}),
    ...(data.id?.expiryDate ? { expiryDate: data.id.expiryDate } : {}),
    ...(data.id?.issuingDate ? { issuingDate: data.id.issuingDate } : {}),
    ...(data.address
      ? {
          address: {
            ...(data.address.line1 ? { line1: data.address.line1 } : {}),
            ...(data.address.city ? { city: data.address.city } : {}),
            ...(data.address.subdivision ? { subdivision: data.address.subdivision } : {}),
            ...(data.address.postalCode ? { postalCode: data.address.postalCode } : {}),
            ...(data.address.country ? { country: data.address.country } : {}),
          },
        }
      : {}),
  };
  return Object.keys(fields).length > 0 ? fields : undefined;
}
