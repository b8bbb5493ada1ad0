/**
 * Search columns and indexes for the ID-proofing search (issue #15 item 4).
 *
 * The searchable results (decision, face match, document authentication, liveness) live inside the `decision` and
 * `capabilities` JSON of an execution. Rather than a second table kept in step by hand, they are **generated
 * columns** the database derives from that JSON itself: every write (processing, PII deletion) updates them, no code
 * path can forget to, and they can be indexed. SQLite: `VIRTUAL` (computed on read, index stores the value);
 * PostgreSQL: `STORED` (PostgreSQL ≥ 12; the only kind it has).
 *
 * Every index leads with `client_id`: a search always runs inside one client's executions.
 */
// biome-ignore-all lint/suspicious/noExplicitAny: migrations run before the typed schema exists
import { type Kysely, type Migration, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres') ? 'postgres' : 'sqlite';
}

/** `$.a.b[0].c` in each dialect's JSON syntax: text value. */
function jsonText(dialect: Dialect, column: string, path: Array<string | number>): string {
  if (dialect === 'sqlite') {
    const jsonPath = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    return `json_extract(${column}, '$${jsonPath}')`;
  }
  const steps = path.map((p) => (typeof p === 'number' ? String(p) : `'${p}'`));
  const last = steps.pop();
  return `((${column})::jsonb${steps.map((s) => ` -> ${s}`).join('')} ->> ${last})`;
}

function capabilityDecision(dialect: Dialect, capability: string): string {
  return jsonText(dialect, 'capabilities', [capability, 0, 'decision', 'type']);
}

/** The generated columns: name → (type, expression). One place, so the route and the bench agree on them. */
export function searchColumnDefinitions(dialect: Dialect): Array<[string, string, string]> {
  const image = capabilityDecision(dialect, 'imageChecks');
  const data = capabilityDecision(dialect, 'dataChecks');
  const similarity = capabilityDecision(dialect, 'similarity');
  const score = jsonText(dialect, 'capabilities', ['similarity', 0, 'data', 'score']);
  const risk = jsonText(dialect, 'decision', ['risk', 'score']);
  const roundedScore =
    dialect === 'sqlite' ? `CAST(ROUND(${score}) AS INTEGER)` : `(ROUND((${score})::numeric))::integer`;
  const riskNumber = dialect === 'sqlite' ? `CAST(${risk} AS REAL)` : `(${risk})::double precision`;
  return [
    ['search_status', 'varchar(32)', `CASE WHEN wiped_out_at IS NOT NULL THEN 'WIPED_OUT' ELSE status END`],
    ['search_decision', 'varchar(16)', jsonText(dialect, 'decision', ['type'])],
    ['search_risk_score', 'double precision', riskNumber],
    [
      'search_face_match',
      'varchar(16)',
      `CASE ${similarity} WHEN 'PASSED' THEN 'MATCH' WHEN 'REJECTED' THEN 'NO_MATCH' WHEN 'WARNING' THEN 'NO_MATCH' ` +
        `WHEN 'NOT_EXECUTED' THEN 'NOT_POSSIBLE' ELSE NULL END`,
    ],
    ['search_face_match_score', 'integer', roundedScore],
    // The document is authentic when its image checks and its data checks (check digits, expiry, agreement of
    // sources) pass; either rejecting rejects it.
    [
      'search_document_result',
      'varchar(16)',
      `CASE WHEN ${image} = 'REJECTED' OR ${data} = 'REJECTED' THEN 'REJECTED' ` +
        `WHEN ${image} = 'WARNING' OR ${data} = 'WARNING' THEN 'WARNING' ` +
        `WHEN ${image} = 'PASSED' AND ${data} = 'PASSED' THEN 'PASSED' ` +
        `WHEN ${image} IS NULL AND ${data} IS NULL THEN NULL ELSE 'NOT_EXECUTED' END`,
    ],
    ['search_liveness_result', 'varchar(16)', capabilityDecision(dialect, 'liveness')],
  ];
}

/** Index name → columns (all on workflow_executions). */
export const SEARCH_INDEXES: Record<string, string[]> = {
  executions_search_created_idx: ['client_id', 'created_at', 'id'],
  executions_search_completed_idx: ['client_id', 'completed_at', 'id'],
  executions_search_status_idx: ['client_id', 'search_status', 'created_at'],
  executions_search_decision_idx: ['client_id', 'search_decision', 'created_at'],
  executions_search_face_score_idx: ['client_id', 'search_face_match_score', 'id'],
  executions_search_document_idx: ['client_id', 'search_document_result', 'created_at'],
  executions_search_cir_idx: ['client_id', 'customer_internal_reference'],
  executions_search_user_ref_idx: ['client_id', 'user_reference'],
};

export const searchMigrations: Record<string, Migration> = {
  '2026120602_search15_idproofing': {
    async up(db: Kysely<any>) {
      const dialect = dialectOf(db);
      const kind = dialect === 'sqlite' ? 'VIRTUAL' : 'STORED';
      for (const [name, type, expression] of searchColumnDefinitions(dialect)) {
        const columnType = dialect === 'sqlite' && type === 'double precision' ? 'REAL' : type;
        await sql
          .raw(
            `ALTER TABLE workflow_executions ADD COLUMN ${name} ${columnType} GENERATED ALWAYS AS (${expression}) ${kind}`,
          )
          .execute(db);
      }
      for (const [name, columns] of Object.entries(SEARCH_INDEXES)) {
        await db.schema.createIndex(name).on('workflow_executions').columns(columns).execute();
      }
    },
    async down(db: Kysely<any>) {
      for (const name of Object.keys(SEARCH_INDEXES)) await db.schema.dropIndex(name).ifExists().execute();
      for (const [name] of searchColumnDefinitions(dialectOf(db))) {
        await db.schema.alterTable('workflow_executions').dropColumn(name).execute();
      }
    },
  },
};
