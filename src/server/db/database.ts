/** Opens the configured database (SQLite file by default, PostgreSQL by URL) and migrates it. */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  SqliteDialect,
} from 'kysely';
import pg from 'pg';
import { kycMigrations } from '../kyc/migrations.js';
import { queueMigrations } from '../queue/index.js';
import { searchMigrations } from '../search/migrations.js';
import { coreMigrations } from './migrations.js';
import type { Database } from './schema.js';

export function openDatabase(opts: { dataDir: string; databaseUrl?: string }): Kysely<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  // Owner-only: the SQLite file holds the webhook signing secrets (SQLite gives its -wal / -shm files the same mode).
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const file = join(opts.dataDir, 'idv.sqlite');
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const database = new SQLite(file);
  // WAL lets readers (retrieval) run while a writer (upload, job) holds the lock; the busy timeout covers
  // the CLI writing while the server runs.
  database.pragma('journal_mode = WAL');
  // In WAL mode NORMAL is still crash-safe (a power loss may drop the last commits, never corrupt); FULL would fsync
  // on every commit, which blocks the event loop for milliseconds per upload.
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...coreMigrations, ...queueMigrations, ...searchMigrations, ...kycMigrations };
  }
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly code = 'MIGRATION_FAILED';
}

/** Runs core and queue migrations to the latest version; returns the names applied now. */
// biome-ignore lint/suspicious/noExplicitAny: the Migrator is schema-agnostic
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Dated names (`2026120602_…`) sort between older numbered ones; a database that already ran a later name must
  // still take them.
  const migrator = new Migrator({ db, provider: new InCodeMigrations(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new MigrationError('database migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
