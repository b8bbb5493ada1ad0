/**
 * Pure readers of an execution row as the KYC API reports it: its decision, its capability results, the document
 * data the extraction read and the sanctions answer. Shared by the IDV and IDA session views, the session files and
 * the identities (which must not import the session services: retrieval's PII deletion imports the identities).
 */
import type { CapabilityResult, Decision } from '../../shared/api/index.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import type { KycSessionRow } from './tables.js';
import type { KycDecision, KycDocType } from './session-schemas.js';

/** Screening (`settings.screening`) is workflow 10013, the one with the watchlist capability. */
export const IDV_SCREENING_DEFINITION = 10013;

/** The other way, for sessions whose type was chosen through the workflow API or read from the document. */
export const KYC_DOCUMENT_TYPE: Partial<Record<string, KycDocType>> = {
  DRIVING_LICENSE: 'driver_license',
  ID_CARD: 'identification_card',
  PASSPORT: 'passport',
};

export const json = <T>(text: string | null | undefined): T | null => (text ? (JSON.parse(text) as T) : null);
export function decisionOf(row: Pick<ExecutionRow, 'decision'>): Decision | null {
  return json<Decision>(row.decision);
}

export function kycDecision(decision: Decision | null): KycDecision | null {
  if (!decision) return null;
  return {
    type: decision.type,
    label: decision.details.label,
    ...(decision.details.capability ? { capability: decision.details.capability } : {}),
  };
}

/** true only when the decision is PASSED; null while undecided. */
export function verifiedOf(decision: Decision | null): boolean | null {
  return decision ? decision.type === 'PASSED' : null;
}

export function capabilitiesOf(row: Pick<ExecutionRow, 'capabilities'>): Record<string, CapabilityResult[]> {
  return json<Record<string, CapabilityResult[]>>(row.capabilities) ?? {};
}

/**
 * `on_sanction_list` from the screening capability; `null` with the reason whenever no screening decided it (never
 * `false` pretending a check ran). A possible match (WARNING ALERT) is `true`: a lead for review.
 */
export function sanctionsOf(row: Pick<ExecutionRow, 'definition_key' | 'capabilities' | 'decision'>): {
  on_sanction_list: boolean | null;
  on_sanction_list_reason: string | null;
} {
  if (row.definition_key !== IDV_SCREENING_DEFINITION) {
    return { on_sanction_list: null, on_sanction_list_reason: 'SCREENING_NOT_REQUESTED' };
  }
  if (!row.decision) return { on_sanction_list: null, on_sanction_list_reason: 'NOT_PROCESSED_YET' };
  const result = capabilitiesOf(row).watchlistScreening?.[0];
  if (!result) return { on_sanction_list: null, on_sanction_list_reason: 'NOT_EXECUTED' };
  const label = result.decision.details.label;
  switch (result.decision.type) {
    case 'PASSED':
      return { on_sanction_list: false, on_sanction_list_reason: null };
    case 'WARNING':
    case 'REJECTED':
      return { on_sanction_list: true, on_sanction_list_reason: label };
    default:
      return {
        on_sanction_list: null,
        on_sanction_list_reason: label === 'NO_LIST_CONFIGURED' ? 'NO_SANCTIONS_LIST_CONFIGURED' : label,
      };
  }
}

/** The document data the extraction capability read (merged over MRZ, barcode and printed text); PII. */
export function extractedFields(row: Pick<ExecutionRow, 'capabilities'>): {
  fields: Record<string, unknown>;
  sources: Record<string, string>;
} {
  const data = capabilitiesOf(row).extraction?.[0]?.data ?? {};
  return { fields: data, sources: (data.fieldSources as Record<string, string> | undefined) ?? {} };
}

export const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

export function fullName(fields: Record<string, unknown>): string | null {
  const joined = [fields.firstName, fields.middleName, fields.lastName].filter(
    (part) => typeof part === 'string' && part,
  );
  return joined.length > 0 ? joined.join(' ') : null;
}

/** The KYC document type: as chosen in the SDK, else as chosen through the workflow API, else as read. */
export function kycDocumentType(
  row: Pick<ExecutionRow, 'document_type'>,
  session: Pick<KycSessionRow, 'document_type'> | undefined | null,
  fields: Record<string, unknown>,
): KycDocType | null {
  if (session?.document_type) return session.document_type as KycDocType;
  const engine = row.document_type ?? text(fields.type);
  return engine ? (KYC_DOCUMENT_TYPE[engine] ?? null) : null;
}
