/**
 * Table types of the core schema. Portable across SQLite and PostgreSQL: timestamps are ISO-8601 UTC strings
 * (they sort as text), JSON is stored as text, booleans as 0/1 integers.
 */
import type { Kysely } from 'kysely';

export interface ClientsTable {
  id: string;
  name: string;
  secret_hash: string;
  /** Needed in clear to sign callbacks (Standard Webhooks `whsec_…`). */
  webhook_secret: string;
  /** JSON array of origins. */
  allowed_origins: string;
  created_at: string;
  /** Own face-match threshold (descriptor distance); null = the default (src/server/faces/face-settings.ts). */
  face_match_threshold?: number | null;
  /** Set by `client disable`: no token is issued and every access token is gone. */
  disabled_at?: string | null;
  /** Executions older than this many days have their PII deleted (src/server/queue/maintenance.ts); null = kept. */
  retention_days?: number | null;
}

/** What retention and purges deleted, and when (no PII: ids and counts). */
export interface RetentionAuditTable {
  id: string;
  action: 'pii-wiped' | 'jobs-purged' | 'deliveries-purged';
  client_id: string | null;
  execution_id: string | null;
  count: number;
  created_at: string;
}

/** Fixed-window counters (`<purpose>:<key>`), in the database so a limit holds across nodes. */
export interface RateLimitsTable {
  bucket: string;
  window_start: string;
  count: number;
}

export interface AccessTokensTable {
  token_hash: string;
  client_id: string;
  expires_at: string;
  created_at: string;
}

export interface AccountsTable {
  id: string;
  client_id: string;
  created_at: string;
  updated_at: string;
  wiped_out_at: string | null;
}

export interface WorkflowExecutionsTable {
  id: string;
  account_id: string;
  client_id: string;
  definition_key: number;
  status: string;
  customer_internal_reference: string | null;
  user_reference: string | null;
  callback_url: string | null;
  success_url: string | null;
  error_url: string | null;
  locale: string;
  liveness_mode: string;
  /** Holder's minimum age the data checks enforce (account option `dataChecks.minimumAge`); null: none. */
  minimum_age: number | null;
  token_hash: string | null;
  token_expires_at: string;
  capture_started_at: string | null;
  last_activity_at: string | null;
  consent_given: number;
  consent_version: string | null;
  consent_at: string | null;
  document_type: string | null;
  document_country: string | null;
  capture_metadata: string | null;
  /** JSON of the first successful finalize answer, replayed on repeat calls. */
  finalize_response: string | null;
  decision: string | null;
  capabilities: string | null;
  /** JSON UserConsent the customer sent at account creation (API channel); PII, wiped. */
  user_consent: string | null;
  /** JSON Feedback (fraud feedback on the decision); no PII. */
  feedback: string | null;
  created_at: string;
  started_at: string | null;
  acquired_at: string | null;
  completed_at: string | null;
  wiped_out_at: string | null;
}

export interface CredentialsTable {
  id: string;
  execution_id: string;
  category: string;
  position: number;
  /** JSON array of document types; null = any. */
  allowed_types: string | null;
  /** JSON array of ISO3 codes; null = any. */
  allowed_countries: string | null;
  /** JSON CredentialData the customer sent (prefill); PII, wiped. */
  prefill: string | null;
}

export interface PartsTable {
  credential_id: string;
  classifier: string;
  execution_id: string;
  blob_key: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  uploaded_at: string;
  /** A new id per stored upload (the part's id in the credentials API); null on rows stored before it. */
  id: string | null;
}

export interface IdempotencyKeysTable {
  execution_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  status: number;
  body: string;
  created_at: string;
}

/**
 * One liveness challenge. `status`: `ISSUED` (open), `VERIFYING` (complete is running), `PASSED`, `FAILED`
 * (verified and rejected), `EXPIRED` (ran out unused), `ABANDONED` (superseded by a newer challenge). All but
 * `ISSUED`, `VERIFYING` and `PASSED` count as failed attempts.
 */
export interface LivenessChallengesTable {
  id: string;
  execution_id: string;
  mode: string;
  nonce: string;
  /** JSON array of LivenessAction, in the order the user must do them (empty for a passive burst). */
  actions: string;
  burst_frames: number | null;
  status: string;
  issued_at: string;
  expires_at: string;
  completed_at: string | null;
  /** Verdict label (`OK` when passed), see src/server/liveness/liveness-labels.ts. */
  label: string | null;
  /** JSON of the numbers behind the verdict (distances, progress, timings); never images or descriptors. */
  measures: string | null;
}

export interface LivenessFramesTable {
  challenge_id: string;
  frame_index: number;
  execution_id: string;
  kind: string;
  step: number;
  action: string | null;
  captured_at_ms: number;
  blob_key: string;
  mime: string;
  bytes: number;
  sha256: string;
  received_at: string;
}

/**
 * Extra workflow tokens of an execution (issue #15): `web` (the hosted page's `web.href`, full widget scope) and
 * `api` (one per credential: that credential's parts and data, and finalize). Only hashes are stored.
 */
export interface ExecutionTokensTable {
  token_hash: string;
  execution_id: string;
  kind: string;
  credential_id: string | null;
  created_at: string;
}

/** Server-wide random keys shared by every node through the database (e.g. the report-link HMAC key). */
export interface ServerKeysTable {
  name: string;
  secret: string;
  created_at: string;
}

export interface Database {
  execution_tokens: ExecutionTokensTable;
  server_keys: ServerKeysTable;
  clients: ClientsTable;
  access_tokens: AccessTokensTable;
  accounts: AccountsTable;
  workflow_executions: WorkflowExecutionsTable;
  credentials: CredentialsTable;
  parts: PartsTable;
  idempotency_keys: IdempotencyKeysTable;
  liveness_challenges: LivenessChallengesTable;
  liveness_frames: LivenessFramesTable;
  rate_limits: RateLimitsTable;
  retention_audit: RetentionAuditTable;
}

export type IdvDatabase = Kysely<Database>;
