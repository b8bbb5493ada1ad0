/**
 * Tables of the KYC API (issue #16). A KYC session is a workflow execution seen through the other API: the
 * execution row, its credentials, parts and liveness challenges are the engine's; `kyc_sessions` only holds what the
 * KYC API adds (session kind, the customer's metadata and settings, the request's address, per-image locations, the
 * weights version the decision used). Identities, weights, requirements and registered webhooks are the KYC API's own.
 * Timestamps are ISO-8601 UTC strings, JSON is text, booleans are 0/1 (portable across SQLite and PostgreSQL).
 */
import type { Kysely, Selectable } from 'kysely';
import type { ServerContext } from '../context.js';
import type { Database } from '../db/schema.js';
import type { ExecutionRow } from '../executions/execution-row.js';

/** `idv`: identity verification (document + selfie + liveness); `ida`: returning-user authentication (selfie + liveness). */
export type KycSessionKind = 'idv' | 'ida';

export interface KycSessionsTable {
  /** = workflow_executions.id (the session id of the KYC API). */
  execution_id: string;
  client_id: string;
  kind: KycSessionKind;
  /** The identity this session verified / updated (idv) or authenticates against (ida). */
  identity_id: string | null;
  /** The customer's own id of the person (`user_id`); selects per-user weights and requirements. */
  user_id: string | null;
  /** JSON object the customer attached (PII possible: wiped by anonymize). */
  metadata: string | null;
  /** JSON of the session's settings as created (document types, countries, screening, locale, redirect URLs). */
  settings: string | null;
  /** Address the session was created / first used from (location read); PII, wiped. */
  request_ip: string | null;
  /** JSON `{ front?: {latitude, longitude}, back?: …, selfie?: … }` sent with the image adds; PII, wiped. */
  image_locations: string | null;
  /** The KYC document type the SDK chose (`driver_license`, `passport_card`, … ; `unknown`). */
  document_type: string | null;
  document_type_given_at: string | null;
  /** The weights version (`kyc_weights.id`) the decision was made with; null until decided. */
  idv_weights_id: string | null;
  created_at: string;
  anonymized_at: string | null;
  /** Deleted through the KYC API: PII wiped and the session no longer listed or readable. */
  deleted_at: string | null;
}

/** A person who stays verified: created or updated by a verified IDV session. */
export interface IdentitiesTable {
  id: string;
  client_id: string;
  /** The workflow API account the identity's sessions live in (its IDA sessions join it too). */
  account_id: string | null;
  user_id: string | null;
  /** `verified` | `unverified` | `anonymized`. */
  status: string;
  verified: number;
  /** 0–100, higher is better (100 − the decision's risk score) of the latest verifying session. */
  score: number | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  gender: string | null;
  nationality: string | null;
  document_type: string | null;
  document_number: string | null;
  issuing_country: string | null;
  expiry_date: string | null;
  /** JSON of the latest extracted document data (field → value, with sources); PII. */
  document_data: string | null;
  /** Face descriptor (base64 of little-endian float32) of the latest verified selfie; biometric, wiped. */
  face_template: string | null;
  /** Which descriptor the template is (model + crop); a template of another version is not compared. */
  face_template_version: string | null;
  /** The latest session that verified (or last tried to verify) this identity. */
  latest_session_id: string | null;
  verified_at: string | null;
  created_at: string;
  updated_at: string;
  anonymized_at: string | null;
}

/** One version of a client's (or one of its users') weights; a new row per update, never changed. */
export interface KycWeightsTable {
  id: string;
  client_id: string;
  /** null: the client's weights; else the weights of this user of the client. */
  user_id: string | null;
  version: number;
  /** JSON of the full weights of this version (every documented field, defaults filled in). */
  weights: string;
  created_at: string;
}

/** Which extracted fields must be present, per document type and data source. */
export interface KycRequirementsTable {
  id: string;
  client_id: string;
  user_id: string | null;
  document_type: string;
  data_source: string;
  /** JSON array of field names. */
  required_fields: string;
  updated_at: string;
}

/** Registered webhook endpoints: each receives the signed events of its client's sessions. */
export interface KycWebhooksTable {
  id: string;
  client_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types, or null: all. */
  events: string | null;
  created_at: string;
  deleted_at: string | null;
}

export type KycSessionRow = Selectable<KycSessionsTable>;

export interface KycTables {
  kyc_sessions: KycSessionsTable;
  identities: IdentitiesTable;
  kyc_weights: KycWeightsTable;
  kyc_requirements: KycRequirementsTable;
  kyc_webhooks: KycWebhooksTable;
}

export type KycDatabase = Kysely<Database & KycTables>;

/** The context's database with the KYC tables in its type (same handle). */
export function kycDb(ctx: Pick<ServerContext, 'db'>): KycDatabase {
  return ctx.db as unknown as KycDatabase;
}

/** A new KYC row: the given columns, every other one empty. */
export function kycSessionValues(
  values: Pick<KycSessionsTable, 'execution_id' | 'client_id' | 'kind' | 'created_at'> &
    Partial<KycSessionsTable>,
): KycSessionsTable {
  return {
    identity_id: null,
    user_id: null,
    metadata: null,
    settings: null,
    request_ip: null,
    image_locations: null,
    document_type: null,
    document_type_given_at: null,
    idv_weights_id: null,
    anonymized_at: null,
    deleted_at: null,
    ...values,
  };
}

/**
 * The KYC row of an execution, created on first need for an execution made through the workflow API (an IDV
 * session whose `user_id` is the workflow API's `userReference`, the customer's id of the person).
 */
export async function ensureKycSession(
  ctx: Pick<ServerContext, 'db'>,
  execution: Pick<ExecutionRow, 'id' | 'client_id' | 'created_at' | 'user_reference'>,
): Promise<KycSessionRow> {
  const db = kycDb(ctx);
  await db
    .insertInto('kyc_sessions')
    .values(
      kycSessionValues({
        execution_id: execution.id,
        client_id: execution.client_id,
        kind: 'idv',
        user_id: execution.user_reference,
        created_at: execution.created_at,
      }),
    )
    .onConflict((oc) => oc.column('execution_id').doNothing())
    .execute();
  return db
    .selectFrom('kyc_sessions')
    .selectAll()
    .where('execution_id', '=', execution.id)
    .executeTakeFirstOrThrow();
}
