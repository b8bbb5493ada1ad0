/**
 * The ID-proofing search: a client's executions filtered by `searchByAttributes` (AND), ordered by one attribute
 * (then by id, for a total order), paged with keyset cursors. Every query is scoped to the client, so another
 * client's executions are never seen, and every common search runs on an index that leads with `client_id`
 * (`./migrations.ts`; `test/node/server/idproofing.test.ts` checks the plans with EXPLAIN).
 *
 * Written here rather than with a query library: the operators, the per-attribute value rules and the keyset
 * conditions with nulls-last ordering are this API's own; kysely builds the SQL for both dialects.
 */
import {
  CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  sql,
} from 'kysely';
import type { ApiClient } from '../auth/clients.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { PublicUrls } from '../executions/urls.js';
import { AUTHENTICATION_DEFINITION_KEY } from '../pipeline/requirements.js';
import {
  operatorsFor,
  SEARCH_ATTRIBUTES,
  type SearchAttribute,
  type SearchAttributeName,
  type SearchOperator,
  valueCount,
} from './attributes.js';
import { CursorCodec, type CursorPosition } from './cursor.js';
import { dialectOf } from './migrations.js';
import {
  type IdProofingResult,
  type IdProofingSearchRequest,
  type IdProofingSearchResponse,
  SEARCH_LIMIT_DEFAULT,
} from './schemas.js';

type SearchContext = Pick<ServerContext, 'db' | 'config' | 'clock'>;
type Value = string | number | boolean;
// biome-ignore lint/suspicious/noExplicitAny: the search columns are generated (./migrations.ts), not in the typed schema
type Eb = ExpressionBuilder<any, 'workflow_executions'>;

/** The row of a result: the base columns and the generated search columns. */
interface SearchRow {
  id: string;
  account_id: string;
  definition_key: number;
  search_status: string;
  customer_internal_reference: string | null;
  user_reference: string | null;
  created_at: string;
  started_at: string | null;
  acquired_at: string | null;
  completed_at: string | null;
  search_decision: string | null;
  search_risk_score: number | null;
  search_face_match: string | null;
  search_face_match_score: number | null;
  search_document_result: string | null;
  search_liveness_result: string | null;
  document_type: string | null;
  document_country: string | null;
}

const ROW_COLUMNS: Array<keyof SearchRow> = [
  'id',
  'account_id',
  'definition_key',
  'search_status',
  'customer_internal_reference',
  'user_reference',
  'created_at',
  'started_at',
  'acquired_at',
  'completed_at',
  'search_decision',
  'search_risk_score',
  'search_face_match',
  'search_face_match_score',
  'search_document_result',
  'search_liveness_result',
  'document_type',
  'document_country',
];

function badRequest(message: string, index?: number): ApiError {
  return new ApiError(
    400,
    'BAD_REQUEST',
    message,
    index === undefined ? undefined : [{ path: `searchByAttributes.${index}` }],
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A condition value as stored: timestamps as ISO-8601 UTC text (they sort as text), numbers as numbers. */
function normalizeValue(
  name: SearchAttributeName,
  attribute: SearchAttribute,
  value: Value,
  index: number,
): string | number | boolean {
  const wrong = (what: string) => badRequest(`${name}: ${what}`, index);
  switch (attribute.kind) {
    case 'text':
      if (typeof value !== 'string') throw wrong('expects text values');
      return value;
    case 'enum':
    case 'constant': {
      const allowed = attribute.values ?? [];
      const match = allowed.find((candidate) => String(candidate) === String(value));
      if (match === undefined || typeof value === 'boolean')
        throw wrong(`expects one of ${allowed.join(', ')}`);
      return match;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong('expects integer values');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong('expects numbers');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('expects true or false');
      return value;
    case 'timestamp': {
      if (typeof value !== 'string' || !(ISO_DATE.test(value) || ISO_DATETIME.test(value)))
        throw wrong('expects ISO-8601 timestamps (2026-01-31 or 2026-01-31T12:00:00Z)');
      const time = Date.parse(ISO_DATE.test(value) ? `${value}T00:00:00Z` : value);
      if (Number.isNaN(time)) throw wrong('expects ISO-8601 timestamps');
      return new Date(time).toISOString();
    }
  }
}

const NEVER = sql<SqlBool>`1 = 0`;
const ALWAYS = sql<SqlBool>`1 = 1`;

function condition(
  eb: Eb,
  name: SearchAttributeName,
  operator: SearchOperator,
  values: Array<string | number | boolean>,
): Expression<SqlBool> {
  const attribute: SearchAttribute = SEARCH_ATTRIBUTES[name];
  if (attribute.kind === 'constant') {
    // deviceCheckResult: every execution has the one value.
    const hit = values.includes((attribute.values ?? [])[0] as string);
    const positive = operator === 'EQUALS' || operator === 'IN';
    return hit === positive ? ALWAYS : NEVER;
  }
  if (attribute.kind === 'boolean') {
    // documentClassified: the document's type and country are known.
    const classified = eb.and([eb('document_type', 'is not', null), eb('document_country', 'is not', null)]);
    const wanted = operator === 'EQUALS' ? values[0] === true : values[0] !== true;
    return wanted ? classified : eb.not(classified);
  }
  const column = attribute.column as string;
  const [first, second] = values;
  switch (operator) {
    case 'EQUALS':
      return eb(column, '=', first);
    case 'NOT_EQUALS':
      return eb(column, '<>', first);
    case 'IN':
      return eb(column, 'in', values);
    case 'NOT_IN':
      return eb(column, 'not in', values);
    case 'GREATER_THAN':
      return eb(column, '>', first);
    case 'GREATER_THAN_OR_EQUAL':
      return eb(column, '>=', first);
    case 'LESS_THAN':
      return eb(column, '<', first);
    case 'LESS_THAN_OR_EQUAL':
      return eb(column, '<=', first);
    case 'BETWEEN':
      return eb.and([eb(column, '>=', first), eb(column, '<=', second)]);
    case 'STARTS_WITH': {
      // A range the index can walk, then the exact prefix test (collations may order punctuation differently).
      const prefix = String(first);
      return eb.and([
        eb(column, '>=', prefix),
        eb(column, '<', `${prefix}\u{10FFFF}`),
        eb(sql`substr(${sql.ref(column)}, 1, ${prefix.length})`, '=', prefix),
      ]);
    }
  }
}

interface Order {
  name: SearchAttributeName;
  column: string;
  descending: boolean;
  nullable: boolean;
}

/**
 * Nulls come last in either direction. An ORDER BY with `NULLS LAST` cannot walk one index both ways (an index scanned
 * backwards puts its nulls first), so a page reads the rows with a value, then, when it needs more, the rows without
 * one: each is a plain range of the `(client_id, column, id)` index, in both dialects.
 */
type Region = 'value' | 'null';

/** Regions in reading order from where the page starts (a backward page reads from the end). */
function regionsToRead(order: Order, position: CursorPosition | undefined): Region[] {
  const all: Region[] = order.nullable ? ['value', 'null'] : ['value'];
  const backward = position?.direction === 'prev';
  const sequence = backward ? [...all].reverse() : all;
  if (!position) return sequence;
  const start = sequence.indexOf(position.value === null ? 'null' : 'value');
  return sequence.slice(start);
}

/** Rows of one region strictly beyond the cursor (after it for `next`, before it for `prev`). */
function keyset(eb: Eb, order: Order, region: Region, position: CursorPosition): Expression<SqlBool> {
  const beyond = (position.direction === 'next') !== order.descending ? '>' : '<';
  // Among nulls the order is by id alone, in the same direction.
  if (region === 'null') return eb('id', beyond, position.id);
  const value = position.value as string | number;
  return eb.or([
    eb(order.column, beyond, value),
    eb.and([eb(order.column, '=', value), eb('id', beyond, position.id)]),
  ]);
}

function resolveOrder(request: IdProofingSearchRequest): Order {
  const name = request.orderByAttribute?.attribute ?? 'createdAt';
  const attribute: SearchAttribute = SEARCH_ATTRIBUTES[name];
  return {
    name,
    column: attribute.column as string,
    descending: (request.orderByAttribute?.order ?? 'DESC') === 'DESC',
    nullable: attribute.nullable,
  };
}

/** Validated conditions: known operator for the attribute, the right number and kind of values. */
function resolveConditions(request: IdProofingSearchRequest) {
  return (request.searchByAttributes ?? []).map((condition, index) => {
    const attribute: SearchAttribute = SEARCH_ATTRIBUTES[condition.attribute];
    if (!operatorsFor(attribute.kind).includes(condition.operator)) {
      throw badRequest(
        `${condition.attribute} does not take ${condition.operator} (takes ${operatorsFor(attribute.kind).join(', ')})`,
        index,
      );
    }
    const [min, max] = valueCount(condition.operator);
    if (condition.values.length < min || condition.values.length > max) {
      throw badRequest(
        `${condition.operator} takes ${min === max ? min : `${min} to ${max}`} value(s)`,
        index,
      );
    }
    const values = condition.values.map((value) =>
      normalizeValue(condition.attribute, attribute, value, index),
    );
    return { attribute: condition.attribute, operator: condition.operator, values };
  });
}

export async function searchIdProofing(
  ctx: SearchContext,
  client: ApiClient,
  request: IdProofingSearchRequest,
): Promise<IdProofingSearchResponse> {
  const conditions = resolveConditions(request);
  const order = resolveOrder(request);
  const limit = request.limit ?? SEARCH_LIMIT_DEFAULT;
  const fingerprint = CursorCodec.fingerprint({ conditions, order: [order.name, order.descending] });
  const secret = await ctx.db
    .selectFrom('clients')
    .select(['secret_hash'])
    .where('id', '=', client.id)
    .executeTakeFirst();
  if (!secret) throw new ApiError(401, 'INVALID_TOKEN', 'Unknown client');
  const codec = new CursorCodec(secret.secret_hash);
  const position = request.cursor ? codec.decode(request.cursor, fingerprint) : undefined;
  // Signed by us, so only a bug could get here; still a 400, never a wrong page.
  if (position && position.value === null && !order.nullable)
    throw new ApiError(400, 'BAD_REQUEST', 'Invalid cursor for this search');
  const backward = position?.direction === 'prev';

  const fetched: SearchRow[] = [];
  for (const region of regionsToRead(order, position)) {
    const inCursorRegion = position && (position.value === null) === (region === 'null');
    const rows = (await searchQuery(
      ctx,
      client.id,
      conditions,
      order,
      region,
      backward,
      inCursorRegion ? position : undefined,
    )
      .limit(limit + 1 - fetched.length)
      .execute()) as SearchRow[];
    fetched.push(...rows);
    if (fetched.length > limit) break;
  }
  const more = fetched.length > limit;
  const rows = fetched.slice(0, limit);
  if (backward) rows.reverse();

  const cursorAt = (row: SearchRow, direction: 'next' | 'prev') =>
    codec.encode({ direction, value: sortValue(row, order), id: row.id }, fingerprint);
  const first = rows[0];
  const last = rows.at(-1);
  const nextCursor = last && (backward || more) ? cursorAt(last, 'next') : null;
  const prevCursor = first && (backward ? more : position !== undefined) ? cursorAt(first, 'prev') : null;

  const uploads = await uploadTimes(
    ctx,
    rows.map((row) => row.id),
  );
  const urls = new PublicUrls(ctx.config);
  const results = rows.map((row) => project(toResult(row, uploads.get(row.id), urls), request.attributes));
  return {
    timestamp: ctx.clock.now().toISOString(),
    limit,
    count: results.length,
    nextCursor,
    prevCursor,
    results,
  };
}

type Conditions = ReturnType<typeof resolveConditions>;

/**
 * One region's page query without its limit: client scope, conditions, keyset, order (reversed for a backward page;
 * the caller turns the rows round).
 */
function searchQuery(
  ctx: SearchContext,
  clientId: string,
  conditions: Conditions,
  order: Order,
  region: Region,
  backward: boolean,
  position: CursorPosition | undefined,
) {
  const direction = order.descending !== backward ? 'desc' : 'asc';
  // biome-ignore lint/suspicious/noExplicitAny: generated search columns (see SearchRow)
  const db = ctx.db as unknown as Kysely<any>;
  let query = db
    .selectFrom('workflow_executions')
    .select(ROW_COLUMNS)
    .where('client_id', '=', clientId)
    // KYC API authentication sessions belong to that API only.
    .where('definition_key', '!=', AUTHENTICATION_DEFINITION_KEY)
    .where((eb: Eb) => eb.and(conditions.map((c) => condition(eb, c.attribute, c.operator, c.values))));
  if (order.nullable) query = query.where(order.column, region === 'null' ? 'is' : 'is not', null);
  if (position) query = query.where((eb: Eb) => keyset(eb, order, region, position));
  if (region === 'value') query = query.orderBy(order.column, direction);
  return query.orderBy('id', direction);
}

/**
 * The database's plan for the first page of a search (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN`), one line
 * per step: tests and the bench check that the common searches use an index.
 */
export async function explainIdProofingSearch(
  ctx: SearchContext,
  clientId: string,
  request: IdProofingSearchRequest,
): Promise<string> {
  const compiled = searchQuery(
    ctx,
    clientId,
    resolveConditions(request),
    resolveOrder(request),
    'value',
    false,
    undefined,
  )
    .limit((request.limit ?? SEARCH_LIMIT_DEFAULT) + 1)
    .compile();
  const postgres = dialectOf(ctx.db) === 'postgres';
  const prefix = postgres ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
  const result = await ctx.db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]),
  );
  return result.rows.map((row) => String(postgres ? row['QUERY PLAN'] : row.detail)).join('\n');
}

function sortValue(row: SearchRow, order: Order): string | number | null {
  const value = row[order.column as keyof SearchRow];
  return value === undefined ? null : (value as string | number | null);
}

/** Latest upload time per part classifier of each execution on the page (one indexed query). */
async function uploadTimes(
  ctx: SearchContext,
  executionIds: string[],
): Promise<Map<string, Partial<Record<string, string>>>> {
  const times = new Map<string, Partial<Record<string, string>>>();
  if (executionIds.length === 0) return times;
  const rows = await ctx.db
    .selectFrom('parts')
    .select(['execution_id', 'classifier', (eb) => eb.fn.max('uploaded_at').as('uploaded_at')])
    .where('execution_id', 'in', executionIds)
    .groupBy(['execution_id', 'classifier'])
    .execute();
  for (const row of rows) {
    const entry = times.get(row.execution_id) ?? {};
    entry[row.classifier] = row.uploaded_at;
    times.set(row.execution_id, entry);
  }
  return times;
}

function toResult(
  row: SearchRow,
  uploads: Partial<Record<string, string>> | undefined,
  urls: PublicUrls,
): Required<IdProofingResult> {
  return {
    workflowExecutionId: row.id,
    accountId: row.account_id,
    href: urls.execution(row.account_id, row.id),
    definitionKey: Number(row.definition_key) as Required<IdProofingResult>['definitionKey'],
    status: row.search_status as Required<IdProofingResult>['status'],
    customerInternalReference: row.customer_internal_reference,
    userReference: row.user_reference,
    createdAt: row.created_at,
    startedAt: row.started_at,
    acquiredAt: row.acquired_at,
    completedAt: row.completed_at,
    decision: row.search_decision as Required<IdProofingResult>['decision'],
    riskScore: row.search_risk_score === null ? null : Number(row.search_risk_score),
    faceMatch: row.search_face_match as Required<IdProofingResult>['faceMatch'],
    faceMatchScore: row.search_face_match_score === null ? null : Number(row.search_face_match_score),
    documentAuthenticationResult:
      row.search_document_result as Required<IdProofingResult>['documentAuthenticationResult'],
    livenessResult: row.search_liveness_result as Required<IdProofingResult>['livenessResult'],
    deviceCheckResult: 'NONE',
    documentType: row.document_type as Required<IdProofingResult>['documentType'],
    documentCountry: row.document_country,
    documentClassified: row.document_type !== null && row.document_country !== null,
    frontUploadedAt: uploads?.FRONT ?? null,
    backUploadedAt: uploads?.BACK ?? null,
    faceUploadedAt: uploads?.FACE ?? null,
  };
}

function project(
  result: Required<IdProofingResult>,
  attributes: IdProofingSearchRequest['attributes'],
): IdProofingResult {
  if (!attributes) return result;
  const projected: Record<string, unknown> = { workflowExecutionId: result.workflowExecutionId };
  for (const name of attributes) projected[name] = result[name];
  return projected as IdProofingResult;
}
