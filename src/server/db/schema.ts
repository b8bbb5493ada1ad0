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
}

export interface IdempotencyKeysTable {
  execution_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  status: number;
  body: string;
  created_at: string;
}

export interface Database {
  clients: ClientsTable;
  access_tokens: AccessTokensTable;
  accounts: AccountsTable;
  workflow_executions: WorkflowExecutionsTable;
  credentials: CredentialsTable;
  parts: PartsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type IdvDatabase = Kysely<Database>;
