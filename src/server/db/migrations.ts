/** Core schema migrations. `0xx_` sort before the queue's `100_…` migrations; later additions sort after them. */
// biome-ignore-all lint/suspicious/noExplicitAny: migrations run before the typed schema exists
import type { Kysely, Migration } from 'kysely';

export const coreMigrations: Record<string, Migration> = {
  '001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('clients')
        .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('webhook_secret', 'text', (c) => c.notNull())
        .addColumn('allowed_origins', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('access_tokens')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) =>
          c.notNull().references('clients.id').onDelete('cascade'),
        )
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('access_tokens_expires_idx')
        .on('access_tokens')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull().references('clients.id'))
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('wiped_out_at', 'varchar(40)')
        .execute();
      await db.schema.createIndex('accounts_client_idx').on('accounts').column('client_id').execute();
      await db.schema
        .createTable('workflow_executions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.id'))
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull().references('clients.id'))
        .addColumn('definition_key', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('customer_internal_reference', 'text')
        .addColumn('user_reference', 'text')
        .addColumn('callback_url', 'text')
        .addColumn('success_url', 'text')
        .addColumn('error_url', 'text')
        .addColumn('locale', 'varchar(35)', (c) => c.notNull())
        .addColumn('liveness_mode', 'varchar(32)', (c) => c.notNull())
        .addColumn('token_hash', 'varchar(64)', (c) => c.unique())
        .addColumn('token_expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('capture_started_at', 'varchar(40)')
        .addColumn('last_activity_at', 'varchar(40)')
        .addColumn('consent_given', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('consent_version', 'varchar(64)')
        .addColumn('consent_at', 'varchar(40)')
        .addColumn('document_type', 'varchar(32)')
        .addColumn('document_country', 'varchar(3)')
        .addColumn('capture_metadata', 'text')
        .addColumn('finalize_response', 'text')
        .addColumn('decision', 'text')
        .addColumn('capabilities', 'text')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('started_at', 'varchar(40)')
        .addColumn('acquired_at', 'varchar(40)')
        .addColumn('completed_at', 'varchar(40)')
        .addColumn('wiped_out_at', 'varchar(40)')
        .execute();
      await db.schema
        .createIndex('executions_account_idx')
        .on('workflow_executions')
        .columns(['account_id', 'created_at'])
        .execute();
      // The expiry sweep scans active executions by deadline.
      await db.schema
        .createIndex('executions_status_expiry_idx')
        .on('workflow_executions')
        .columns(['status', 'token_expires_at'])
        .execute();
      await db.schema
        .createTable('credentials')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull().references('workflow_executions.id'))
        .addColumn('category', 'varchar(16)', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('allowed_types', 'text')
        .addColumn('allowed_countries', 'text')
        .execute();
      await db.schema
        .createIndex('credentials_execution_idx')
        .on('credentials')
        .column('execution_id')
        .execute();
      await db.schema
        .createTable('parts')
        .addColumn('credential_id', 'varchar(64)', (c) => c.notNull().references('credentials.id'))
        .addColumn('classifier', 'varchar(16)', (c) => c.notNull())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('mime', 'varchar(64)', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
        .addColumn('uploaded_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('parts_pk', ['credential_id', 'classifier'])
        .execute();
      await db.schema.createIndex('parts_execution_idx').on('parts').column('execution_id').execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(255)', (c) => c.notNull())
        .addColumn('request_fingerprint', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['execution_id', 'idempotency_key'])
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of [
        'idempotency_keys',
        'parts',
        'credentials',
        'workflow_executions',
        'accounts',
        'access_tokens',
        'clients',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  // Named after the queue's `100_…` so databases that already ran it still migrate in order.
  '200_handoff': {
    async up(db: Kysely<any>) {
      // Single-use codes behind the "continue on your phone" link; only the hash is stored.
      await db.schema
        .createTable('handoff_codes')
        .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull().references('workflow_executions.id'))
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('redeemed_at', 'varchar(40)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('handoff_codes_execution_idx')
        .on('handoff_codes')
        .column('execution_id')
        .execute();
      // Extra workflow tokens for the same execution (one per redeemed handoff); the original keeps working.
      await db.schema
        .createTable('execution_device_tokens')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull().references('workflow_executions.id'))
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('execution_device_tokens_execution_idx')
        .on('execution_device_tokens')
        .column('execution_id')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('execution_device_tokens').ifExists().execute();
      await db.schema.dropTable('handoff_codes').ifExists().execute();
    },
  },
  // Liveness challenges (issue #6) and the frames uploaded for them. Frames are blobs under
  // `executions/<id>/liveness/`, so PII deletion's prefix delete removes them; rows keep numbers and labels only.
  '300_liveness': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('liveness_challenges')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull().references('workflow_executions.id'))
        .addColumn('mode', 'varchar(32)', (c) => c.notNull())
        .addColumn('nonce', 'varchar(128)', (c) => c.notNull())
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('burst_frames', 'integer')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('issued_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('completed_at', 'varchar(40)')
        .addColumn('label', 'varchar(64)')
        .addColumn('measures', 'text')
        .execute();
      await db.schema
        .createIndex('liveness_challenges_execution_idx')
        .on('liveness_challenges')
        .columns(['execution_id', 'issued_at'])
        .execute();
      await db.schema
        .createTable('liveness_frames')
        .addColumn('challenge_id', 'varchar(64)', (c) => c.notNull().references('liveness_challenges.id'))
        .addColumn('frame_index', 'integer', (c) => c.notNull())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('action', 'varchar(32)')
        .addColumn('captured_at_ms', 'double precision', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('mime', 'varchar(64)', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
        .addColumn('received_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('liveness_frames_pk', ['challenge_id', 'frame_index'])
        .execute();
      await db.schema
        .createIndex('liveness_frames_execution_idx')
        .on('liveness_frames')
        .column('execution_id')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('liveness_frames').ifExists().execute();
      await db.schema.dropTable('liveness_challenges').ifExists().execute();
    },
  },
  // Document verification (issue #12): the minimum age an account asks the data checks for.
  '400_documents': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('workflow_executions').addColumn('minimum_age', 'integer').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('workflow_executions').dropColumn('minimum_age').execute();
    },
  },
  // The client's own face-match threshold (issue #14; the KYC seed's `onboarding_face_encoding_tolerance`): a
  // descriptor distance, null = the calibrated default (src/server/faces/face-match.ts).
  // Issue #18: a client can be disabled (its access tokens die with it); rate-limit counters shared by every node.
  '600_hardening': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('disabled_at', 'varchar(40)').execute();
      await db.schema
        .createTable('rate_limits')
        .addColumn('bucket', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('window_start', 'varchar(40)', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('rate_limits_window_idx')
        .on('rate_limits')
        .column('window_start')
        .execute();
      await db.schema
        .createIndex('access_tokens_client_idx')
        .on('access_tokens')
        .column('client_id')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('access_tokens_client_idx').execute();
      await db.schema.dropTable('rate_limits').execute();
      await db.schema.alterTable('clients').dropColumn('disabled_at').execute();
    },
  },
  '500_face_settings': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('face_match_threshold', 'double precision').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('clients').dropColumn('face_match_threshold').execute();
    },
  },
  // Issue #15: per-credential api tokens and the web token, the customer's consent, fraud feedback, credential
  // data (prefill), part ids, and server-wide keys (report links).
  '2026120601_api15_workflow_api': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('execution_tokens')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('execution_id', 'varchar(64)', (c) => c.notNull().references('workflow_executions.id'))
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('credential_id', 'varchar(64)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('execution_tokens_execution_idx')
        .on('execution_tokens')
        .column('execution_id')
        .execute();
      await db.schema
        .createTable('server_keys')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('workflow_executions').addColumn('user_consent', 'text').execute();
      await db.schema.alterTable('workflow_executions').addColumn('feedback', 'text').execute();
      await db.schema.alterTable('credentials').addColumn('prefill', 'text').execute();
      await db.schema.alterTable('parts').addColumn('id', 'varchar(64)').execute();
      // The list of processed executions across a client's accounts, newest first.
      await db.schema
        .createIndex('workflow_executions_client_completed_idx')
        .on('workflow_executions')
        .columns(['client_id', 'status', 'completed_at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('workflow_executions_client_completed_idx').execute();
      await db.schema.alterTable('parts').dropColumn('id').execute();
      await db.schema.alterTable('credentials').dropColumn('prefill').execute();
      await db.schema.alterTable('workflow_executions').dropColumn('feedback').execute();
      await db.schema.alterTable('workflow_executions').dropColumn('user_consent').execute();
      await db.schema.dropTable('server_keys').execute();
      await db.schema.dropTable('execution_tokens').execute();
    },
  },
  // Issue #17: per-client retention of PII, and the audit trail of what retention and purges deleted.
  '2026120603_cluster17_retention': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('retention_days', 'integer').execute();
      await db.schema
        .createTable('retention_audit')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('action', 'varchar(32)', (c) => c.notNull())
        .addColumn('client_id', 'varchar(128)')
        .addColumn('execution_id', 'varchar(64)')
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('retention_audit_action_idx')
        .on('retention_audit')
        .column('action')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('retention_audit').execute();
      await db.schema.alterTable('clients').dropColumn('retention_days').execute();
    },
  },
};
