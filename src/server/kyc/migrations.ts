/** Schema of the KYC API's own tables (./tables.ts). Names start `2026120701_kyc16`; later additions sort after. */
// biome-ignore-all lint/suspicious/noExplicitAny: migrations run before the typed schema exists
import { type Kysely, type Migration, sql } from 'kysely';

export const kycMigrations: Record<string, Migration> = {
  '2026120701_kyc16_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kyc_sessions')
        .addColumn('execution_id', 'varchar(64)', (c) => c.primaryKey().references('workflow_executions.id'))
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('identity_id', 'varchar(64)')
        .addColumn('user_id', 'varchar(255)')
        .addColumn('metadata', 'text')
        .addColumn('settings', 'text')
        .addColumn('request_ip', 'varchar(64)')
        .addColumn('image_locations', 'text')
        .addColumn('document_type', 'varchar(32)')
        .addColumn('document_type_given_at', 'varchar(40)')
        .addColumn('idv_weights_id', 'varchar(64)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('anonymized_at', 'varchar(40)')
        .addColumn('deleted_at', 'varchar(40)')
        .execute();
      await db.schema
        .createIndex('kyc_sessions_client_idx')
        .on('kyc_sessions')
        .columns(['client_id', 'kind', 'created_at'])
        .execute();
      await db.schema
        .createIndex('kyc_sessions_identity_idx')
        .on('kyc_sessions')
        .column('identity_id')
        .execute();
      await db.schema
        .createTable('identities')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('account_id', 'varchar(64)')
        .addColumn('user_id', 'varchar(255)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('score', 'integer')
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('birth_date', 'varchar(10)')
        .addColumn('gender', 'varchar(8)')
        .addColumn('nationality', 'varchar(3)')
        .addColumn('document_type', 'varchar(32)')
        .addColumn('document_number', 'varchar(64)')
        .addColumn('issuing_country', 'varchar(3)')
        .addColumn('expiry_date', 'varchar(10)')
        .addColumn('document_data', 'text')
        .addColumn('face_template', 'text')
        .addColumn('face_template_version', 'varchar(64)')
        .addColumn('latest_session_id', 'varchar(64)')
        .addColumn('verified_at', 'varchar(40)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('anonymized_at', 'varchar(40)')
        .execute();
      await db.schema
        .createIndex('identities_client_user_idx')
        .on('identities')
        .columns(['client_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('identities_client_document_idx')
        .on('identities')
        .columns(['client_id', 'issuing_country', 'document_number'])
        .execute();
      await db.schema
        .createTable('kyc_weights')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('weights', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kyc_weights_client_idx')
        .on('kyc_weights')
        .columns(['client_id', 'user_id', 'version'])
        .execute();
      await db.schema
        .createTable('kyc_requirements')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)')
        .addColumn('document_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('data_source', 'varchar(16)', (c) => c.notNull())
        .addColumn('required_fields', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kyc_requirements_client_idx')
        .on('kyc_requirements')
        .columns(['client_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('kyc_webhooks')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'varchar(200)')
        .addColumn('events', 'text')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('deleted_at', 'varchar(40)')
        .execute();
      await db.schema.createIndex('kyc_webhooks_client_idx').on('kyc_webhooks').column('client_id').execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['kyc_webhooks', 'kyc_requirements', 'kyc_weights', 'identities', 'kyc_sessions']) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  // Which registered webhook each outbox message is for (and unique weights version numbers, below): the registry's delivery statistics, and the pending
  // messages of a deleted webhook are cancelled.
  '2026120702_kyc16_webhook_deliveries_weights_versions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kyc_webhook_deliveries')
        .addColumn('delivery_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('webhook_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kyc_webhook_deliveries_webhook_idx')
        .on('kyc_webhook_deliveries')
        .column('webhook_id')
        .execute();
      // One row per version number and scope (client, or one user of it): concurrent writers retry, never share one.
      await sql`create unique index kyc_weights_version_idx on kyc_weights (client_id, coalesce(user_id, ''), version)`.execute(
        db,
      );
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('kyc_weights_version_idx').execute();
      await db.schema.dropTable('kyc_webhook_deliveries').execute();
    },
  },
};
