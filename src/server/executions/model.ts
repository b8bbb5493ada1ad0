/** Rules of the workflow model: which parts a credential takes and needs, and row decoding. */
import type { CredentialCategory, DocumentType, PartClassifier } from '../../shared/api/index.js';
import type { CredentialsTable } from '../db/schema.js';

export const INACTIVITY_TIMEOUT_MS = 15 * 60 * 1000;

export const CLASSIFIERS_BY_CATEGORY: Record<CredentialCategory, PartClassifier[]> = {
  ID: ['FRONT', 'BACK'],
  SELFIE: ['FACE'],
  FACEMAP: ['FACE'],
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
