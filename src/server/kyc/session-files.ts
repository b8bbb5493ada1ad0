/**
 * What an IDV session holds, read through the KYC API: its files (the parts and the liveness frames), the document
 * data the extraction read, and the checks the pipeline ran. All of it is the engine's (parts, liveness_frames,
 * the decision's capability results); nothing is copied.
 */
import type { CapabilityResult } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { type ExecutionRow, sha256Hex } from '../executions/execution-row.js';
import { IDENTITY_FIELDS } from '../documents/identity.js';
import type { KycSessionRow } from './tables.js';
import type { KycDocumentData, KycFileList, KycTests, StorageFileType } from './session-schemas.js';
import { capabilitiesOf, extractedFields, fullName, kycDocumentType } from './decided-session.js';

/** The document's storage file types ↔ our parts (liveness frames are their own). */
const FILE_TYPE_OF_CLASSIFIER: Record<string, StorageFileType> = {
  FRONT: 'document_front',
  BACK: 'document_back',
  FACE: 'selfie',
};

export function storageFileType(classifier: string): StorageFileType {
  return FILE_TYPE_OF_CLASSIFIER[classifier] ?? 'document_front';
}

/** A liveness frame's file id: its challenge and index (frames have no id of their own). */
const frameFileId = (challengeId: string, index: number) => `${challengeId}.${index}`;

export async function listSessionFiles(ctx: ServerContext, execution: ExecutionRow): Promise<KycFileList> {
  const parts = await ctx.db
    .selectFrom('parts')
    .select(['id', 'classifier', 'mime', 'bytes', 'sha256', 'uploaded_at'])
    .where('execution_id', '=', execution.id)
    .orderBy('uploaded_at')
    .execute();
  const frames = await ctx.db
    .selectFrom('liveness_frames')
    .select(['challenge_id', 'frame_index', 'mime', 'bytes', 'sha256', 'received_at'])
    .where('execution_id', '=', execution.id)
    .orderBy('received_at')
    .orderBy('frame_index')
    .execute();
  return {
    items: [
      ...parts.map((part) => ({
        file_id: part.id as string,
        storage_file_type: storageFileType(part.classifier),
        mime: part.mime,
        bytes: part.bytes,
        sha256: part.sha256,
        created_at: part.uploaded_at,
      })),
      ...frames.map((frame) => ({
        file_id: frameFileId(frame.challenge_id, frame.frame_index),
        storage_file_type: 'liveness_frame' as const,
        mime: frame.mime,
        bytes: frame.bytes,
        sha256: frame.sha256,
        created_at: frame.received_at,
      })),
    ],
  };
}

/** The bytes of one file of the session, checked against its recorded sha256 (a mismatch is not served). */
export async function readSessionFile(
  ctx: ServerContext,
  execution: ExecutionRow,
  fileId: string,
): Promise<{ bytes: Buffer; mime: string }> {
  const part = await ctx.db
    .selectFrom('parts')
    .select(['blob_key', 'mime', 'sha256'])
    .where('execution_id', '=', execution.id)
    .where('id', '=', fileId)
    .executeTakeFirst();
  const frameMatch = /^(.+)\.(\d{1,3})$/.exec(fileId);
  const stored =
    part ??
    (frameMatch
      ? await ctx.db
          .selectFrom('liveness_frames')
          .select(['blob_key', 'mime', 'sha256'])
          .where('execution_id', '=', execution.id)
          .where('challenge_id', '=', frameMatch[1] as string)
          .where('frame_index', '=', Number(frameMatch[2]))
          .executeTakeFirst()
      : undefined);
  const bytes = stored ? await ctx.blobs.get(stored.blob_key) : undefined;
  if (!stored || !bytes) throw new ApiError(404, 'NOT_FOUND', 'File not found');
  if ((await sha256Hex(bytes)) !== stored.sha256) {
    ctx.logger.error({ executionId: execution.id }, 'stored file does not match its sha256');
    throw new ApiError(404, 'NOT_FOUND', 'File not found');
  }
  return { bytes, mime: stored.mime };
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Our identity field names → the document's (the rest are their snake_case). */
const DOCUMENT_FIELD_NAMES: Partial<Record<string, string>> = {
  type: 'document_type_read',
  dateOfBirth: 'birth_date',
  issuingDate: 'issue_date',
};

function addressText(value: unknown): string | null {
  if (!value || typeof value !== 'object') return typeof value === 'string' ? value : null;
  const a = value as Record<string, string | undefined>;
  const joined = [a.line1, [a.postalCode, a.city].filter(Boolean).join(' '), a.subdivision, a.country]
    .filter((part) => part)
    .join(', ');
  return joined || null;
}

/** The extraction capability's data in the document's field names; all null before processing or after PII deletion. */
export function readDocumentData(
  execution: ExecutionRow,
  session: KycSessionRow | undefined,
): KycDocumentData {
  const { fields, sources } = extractedFields(execution);
  const value = (name: string): string | null => {
    const v = fields[name];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  const named: KycDocumentData['fields'] = {};
  for (const name of IDENTITY_FIELDS) {
    const v = name === 'address' ? addressText(fields.address) : value(name);
    if (v === null) continue;
    const source = sources[name];
    named[DOCUMENT_FIELD_NAMES[name] ?? snake(name)] = {
      value: v,
      source: source === 'MRZ' || source === 'BARCODE' || source === 'VIZ' ? source : null,
    };
  }
  return {
    session_id: execution.id,
    document_type: kycDocumentType(execution, session, fields),
    issuing_country: value('issuingCountry') ?? execution.document_country,
    first_name: value('firstName'),
    last_name: value('lastName'),
    full_name: fullName(fields),
    birth_date: value('dateOfBirth'),
    gender: value('gender'),
    nationality: value('nationality'),
    document_number: value('documentNumber'),
    personal_number: value('personalNumber'),
    expiry_date: value('expiryDate'),
    issue_date: value('issuingDate'),
    address: addressText(fields.address),
    fields: named,
  };
}

type TestResult = KycTests['tests'][string];

/** A decision type as the KYC API reports a test's result. */
export const CAPABILITY_RESULT: Record<string, TestResult['result']> = {
  PASSED: 'passed',
  REJECTED: 'failed',
  WARNING: 'warning',
  NOT_EXECUTED: 'not_executed',
};

const CHECK_RESULT: Record<string, TestResult['result']> = {
  OK: 'passed',
  FAILED: 'failed',
  WARNING: 'warning',
  NOT_POSSIBLE: 'not_executed',
};

/** Our capability → the test it is reported as. */
const CAPABILITY_TESTS: Record<string, string> = {
  usability: 'usability',
  imageChecks: 'image_checks',
  extraction: 'data_extraction',
  dataChecks: 'data_checks',
  liveness: 'liveness',
  similarity: 'face_match',
  watchlistScreening: 'sanctions',
};

/** The data checks' single checks → tests (the rest keep their snake_case name). */
const DATA_CHECK_TESTS: Record<string, string> = {
  mrzChecksum: 'mrz_checksums',
  sourcesAgree: 'data_consistency',
  dateOfBirth: 'birth_date_validity',
  documentType: 'document_type_allowed',
  country: 'issuing_country_allowed',
  prefill: 'prefill_match',
};

/**
 * The checks this server performed, from the decision's capability results: one test per capability and one per
 * single data check. A capability that did not produce a result (not part of the workflow, not supported by a
 * self-hosted server) is absent, never reported as failed or passed.
 */
export function readSessionTests(execution: ExecutionRow): KycTests {
  const capabilities = capabilitiesOf(execution);
  const tests: KycTests['tests'] = {};
  for (const [capability, results] of Object.entries(capabilities) as Array<[string, CapabilityResult[]]>) {
    const name = CAPABILITY_TESTS[capability];
    const first = results[0];
    if (!name || !first) continue;
    // The worst result of the capability (one per credential) is its test's result.
    const worst =
      results.find((r) => r.decision.type === 'REJECTED') ??
      results.find((r) => r.decision.type === 'WARNING') ??
      results.find((r) => r.decision.type === 'NOT_EXECUTED') ??
      first;
    tests[name] = {
      result: CAPABILITY_RESULT[worst.decision.type] ?? 'not_executed',
      label: worst.decision.details.label,
    };
  }
  const checks = (capabilities.dataChecks?.[0]?.data?.checks ?? []) as Array<{
    name: string;
    outcome: string;
    label?: string;
  }>;
  for (const check of checks) {
    tests[DATA_CHECK_TESTS[check.name] ?? snake(check.name)] = {
      result: CHECK_RESULT[check.outcome] ?? 'not_executed',
      label: check.label ?? check.outcome,
    };
  }
  return { session_id: execution.id, tests };
}
