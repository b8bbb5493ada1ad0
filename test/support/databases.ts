/**
 * The databases server tests run against: a fresh SQLite temp file always, and PostgreSQL when `IDV_TEST_PG_URL`
 * is set (a fresh schema per `open()`, dropped on `close()`, so test files never see each other's tables).
 *
 * @example
 * for (const target of testDatabases()) {
 *   describe(target.name, () => {
 *     let handle: Awaited<ReturnType<typeof target.open>>;
 *     before(async () => { handle = await target.open(); });
 *     after(() => handle.close());
 *   });
 * }
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

export interface TestDatabaseHandle {
  // biome-ignore lint/suspicious/noExplicitAny: tests use the schema of whatever migrations they run
  db: Kysely<any>;
  close(): Promise<void>;
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  open(): Promise<TestDatabaseHandle>;
}

async function openSqlite(): Promise<TestDatabaseHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'idv-test-db-'));
  const database = new SQLite(join(dir, 'test.sqlite'));
  // WAL + a busy timeout: the same settings a real server would use with several connections.
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  // biome-ignore lint/suspicious/noExplicitAny: see TestDatabaseHandle
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(url: string): Promise<TestDatabaseHandle> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  // search_path on every pooled connection: migrations and queries written without a schema land in ours.
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  // biome-ignore lint/suspicious/noExplicitAny: see TestDatabaseHandle
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    async close() {
      await db.destroy();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      try {
        await cleanup.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export function testDatabases(): TestDatabase[] {
  const targets: TestDatabase[] = [{ name: 'sqlite', open: openSqlite }];
  const pgUrl = process.env.IDV_TEST_PG_URL;
  if (pgUrl) targets.push({ name: 'postgres', open: () => openPostgres(pgUrl) });
  return targets;
}

/** Runs the given in-code migrations (e.g. `queueMigrations`) to the latest version; throws on failure. */
export async function migrateTestDatabase(
  // biome-ignore lint/suspicious/noExplicitAny: see TestDatabaseHandle
  db: Kysely<any>,
  migrations: Record<string, Migration>,
): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/**
 * A fresh PostgreSQL schema for a spawned server process: the URL selects it through `search_path`; `drop()` removes
 * it with everything in it.
 */
export async function postgresSchema(url: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create schema ${schema}`);
  const separator = url.includes('?') ? '&' : '?';
  return {
    databaseUrl: `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => run(`drop schema if exists ${schema} cascade`),
  };
}
