/**
 * Tables of the durable job queue and the webhook outbox. Portable across SQLite and PostgreSQL, same conventions
 * as the core schema: timestamps are ISO-8601 UTC strings (fixed width, so they compare correctly as text), JSON
 * is stored as text. Names start with `100_` so they sort after the core `0xx_` migrations.
 */
// biome-ignore-all lint/suspicious/noExplicitAny: migrations run before the typed schema exists
import type { Kysely, Migration } from 'kysely';

export const queueMigrations: Record<string, Migration> = {
  '100_queue': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(100)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        // Unique but nullable: both engines allow any number of NULLs in a unique column.
        .addColumn('dedupe_key', 'varchar(255)', (c) => c.unique())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('run_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('locked_until', 'varchar(40)')
        // Which claim holds the lock, so a worker whose lock expired cannot overwrite the next worker's result.
        .addColumn('locked_by', 'varchar(64)')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['status', 'run_at']).execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('msg_id', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'varchar(40)')
        .addColumn('locked_until', 'varchar(40)')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'varchar(200)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('delivered_at', 'varchar(40)')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due_idx')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_client_idx')
        .on('webhook_deliveries')
        .columns(['client_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_deliveries').execute();
      await db.schema.dropTable('jobs').execute();
    },
  },
  // Which execution a callback is about, so PII deletion can reach the stored bodies (they may carry the
  // customer's `userReference`).
  '2026120604_lead_delivery_execution': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook_deliveries').addColumn('execution_id', 'varchar(64)').execute();
      await db.schema
        .createIndex('webhook_deliveries_execution_idx')
        .on('webhook_deliveries')
        .column('execution_id')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('webhook_deliveries_execution_idx').execute();
      await db.schema.alterTable('webhook_deliveries').dropColumn('execution_id').execute();
    },
  },
};

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  dedupe_key: string | null;
  status: JobStatus;
  attempts: number;
  run_at: string;
  locked_until: string | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** `running` with an expired `locked_until` means its worker died: the job is claimable again. */
export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  client_id: string;
  url: string;
  msg_id: string;
  /** The exact bytes sent (and signed), serialized once at enqueue time; redacted by PII deletion. */
  body: string;
  /** The execution the message is about, when it is about one. */
  execution_id: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  locked_until: string | null;
  last_status_code: number | null;
  /** A short machine reason (e.g. `TIMEOUT`, `HTTP_500`), never a response body. */
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'disabled';

export interface QueueTables {
  jobs: JobsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
