/**
 * IDV sessions of the KYC API: a session is a workflow execution (same rows, blobs, pipeline and decision) plus its
 * `kyc_sessions` row (metadata, settings, request address, image locations). Executions created through the
 * workflow API are IDV sessions without that row: they are listed and read here too.
 *
 * The session status is derived by the database from the execution (one SQL expression, `kycStatusSql`, for read,
 * list, filters and counts): `created` (INITIATED, nothing captured: reading the session does not count) ·
 * `in_progress` (INITIATED, the user answered the consent or an image is stored) · `processing` (ACQUIRED) ·
 * `completed` (PROCESSED) · `expired` (SESSION_EXPIRED / TOKEN_EXPIRED) · `anonymized` (PII deleted).
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { CreateAccountRequest, Decision, DocumentType, LivenessMode } from '../../shared/api/index.js';
import type { ApiClient } from '../auth/clients.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { createExecution } from '../executions/create-execution.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { wipeExecution } from '../executions/retrieval.js';
import { INACTIVITY_TIMEOUT_MS } from '../executions/model.js';
import { dialectOf } from '../search/migrations.js';
import type { KycSessionRow } from './tables.js';
import type {
  ImageLocations,
  KycDocType,
  KycMetaCounts,
  KycSession,
  KycSessionCreateRequest,
  KycSessionList,
  KycSessionListRequest,
  KycSessionStatus,
  KycSessionSummary,
} from './session-schemas.js';
import {
  decisionOf,
  IDV_SCREENING_DEFINITION,
  json,
  kycDecision,
  kycDocumentType,
  sanctionsOf,
  verifiedOf,
} from './decided-session.js';
import { readDocumentData } from './session-files.js';
import { ensureKycSession, kycDb, kycSessionValues } from './tables.js';

export { ensureKycSession };

export {
  capabilitiesOf,
  decisionOf,
  extractedFields,
  fullName,
  kycDecision,
  kycDocumentType,
  sanctionsOf,
  verifiedOf,
} from './decided-session.js';

/** KYC document type → the engine's document type (`unknown` chooses none; the server classifies). */
export const ENGINE_DOCUMENT_TYPE: Record<Exclude<KycDocType, 'unknown'>, DocumentType> = {
  driver_license: 'DRIVING_LICENSE',
  identification_card: 'ID_CARD',
  passport: 'PASSPORT',
  // The US passport card: ID-1 size with an MRZ, read as an ID card.
  passport_card: 'ID_CARD',
};

const IDV_DEFINITION = 10011;

export interface CreatedKycSession {
  session_id: string;
  session_token: string;
  client_id: string;
  status: 'created';
  url: string;
  expires_at: string;
  kind: 'idv';
}

/**
 * Creates the execution through the engine (as `POST /api/v1/accounts` does) and its KYC row. With `identity_id`
 * (the client's own identity) the session joins that identity's account.
 */
export async function createKycSession(
  ctx: ServerContext,
  client: ApiClient,
  body: KycSessionCreateRequest,
  requestIp: string | null,
): Promise<CreatedKycSession> {
  const db = kycDb(ctx);
  let accountId: string | undefined;
  if (body.identity_id) {
    const identity = await db
      .selectFrom('identities')
      .select(['account_id'])
      .where('id', '=', body.identity_id)
      .where('client_id', '=', client.id)
      .executeTakeFirst();
    if (!identity) throw new ApiError(404, 'NOT_FOUND', 'Identity not found');
    accountId = identity.account_id ?? undefined;
  }
  const settings = body.settings ?? {};
  const types = settings.document_types
    ? [...new Set(settings.document_types.map((t) => ENGINE_DOCUMENT_TYPE[t]))]
    : undefined;
  const request: CreateAccountRequest = {
    customerInternalReference: body.customer_reference ?? 'kyc-session',
    ...(body.user_id ? { userReference: body.user_id } : {}),
    workflowDefinition: {
      key: settings.screening ? IDV_SCREENING_DEFINITION : IDV_DEFINITION,
      credentials: [
        {
          category: 'ID',
          ...(types ? { type: { values: types } } : {}),
          ...(settings.countries ? { country: { values: settings.countries } } : {}),
        },
        { category: 'SELFIE' },
        { category: 'FACEMAP' },
      ],
    },
    ...(body.webhook_url ? { callbackUrl: body.webhook_url } : {}),
    ...(settings.locale || settings.success_url || settings.error_url
      ? {
          web: {
            ...(settings.locale ? { locale: settings.locale } : {}),
            ...(settings.success_url ? { successUrl: settings.success_url } : {}),
            ...(settings.error_url ? { errorUrl: settings.error_url } : {}),
          },
        }
      : {}),
    liveness: { mode: body.liveness_mode ?? 'passive' },
    ...(settings.minimum_age ? { dataChecks: { minimumAge: settings.minimum_age } } : {}),
  };
  const created = await createExecution(ctx, client, request, accountId);
  const sessionId = created.workflowExecution.id;
  const execution = await ctx.db
    .selectFrom('workflow_executions')
    .select(['token_expires_at', 'created_at'])
    .where('id', '=', sessionId)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('kyc_sessions')
    .values(
      kycSessionValues({
        execution_id: sessionId,
        client_id: client.id,
        kind: 'idv',
        identity_id: body.identity_id ?? null,
        user_id: body.user_id ?? null,
        metadata: body.metadata ? JSON.stringify(body.metadata) : null,
        settings: body.settings ? JSON.stringify(body.settings) : null,
        request_ip: requestIp,
        created_at: execution.created_at,
      }),
    )
    .execute();
  return {
    session_id: sessionId,
    session_token: created.sdk.token,
    client_id: client.id,
    status: 'created',
    url: created.web.href,
    expires_at: execution.token_expires_at,
    kind: 'idv',
  };
}

/** The session status (see the module comment): one expression for read, list, filters and counts. */
export function kycStatusSql(): RawBuilder<KycSessionStatus> {
  return sql<KycSessionStatus>`CASE
    WHEN e.wiped_out_at IS NOT NULL OR k.anonymized_at IS NOT NULL THEN 'anonymized'
    WHEN e.status IN ('SESSION_EXPIRED', 'TOKEN_EXPIRED') THEN 'expired'
    WHEN e.status = 'PROCESSED' THEN 'completed'
    WHEN e.status = 'ACQUIRED' THEN 'processing'
    WHEN e.consent_at IS NOT NULL OR EXISTS (SELECT 1 FROM parts p WHERE p.execution_id = e.id) THEN 'in_progress'
    ELSE 'created' END`;
}

/** The client's IDV sessions (with or without a KYC row), not deleted. */
function idvSessions(ctx: ServerContext, client: ApiClient) {
  return kycDb(ctx)
    .selectFrom('workflow_executions as e')
    .leftJoin('kyc_sessions as k', 'k.execution_id', 'e.id')
    .where('e.client_id', '=', client.id)
    .where((eb) => eb.or([eb('k.kind', 'is', null), eb('k.kind', '=', 'idv')]))
    .where('k.deleted_at', 'is', null);
}

/** When the session stops accepting capture: the token's end, or sooner after 15 minutes without activity. */
export function expiresAt(row: Pick<ExecutionRow, 'token_expires_at' | 'last_activity_at'>): string {
  const inactivity = row.last_activity_at
    ? new Date(Date.parse(row.last_activity_at) + INACTIVITY_TIMEOUT_MS).toISOString()
    : undefined;
  return inactivity && inactivity < row.token_expires_at ? inactivity : row.token_expires_at;
}

/** Status of one execution through the same SQL expression as the list. */
export async function kycStatus(ctx: ServerContext, executionId: string): Promise<KycSessionStatus> {
  const found = await kycDb(ctx)
    .selectFrom('workflow_executions as e')
    .leftJoin('kyc_sessions as k', 'k.execution_id', 'e.id')
    .select(kycStatusSql().as('status'))
    .where('e.id', '=', executionId)
    .executeTakeFirstOrThrow();
  return found.status;
}

/** Upload time of each part classifier (FRONT, BACK, FACE) of the execution. */
async function partTimes(ctx: ServerContext, executionId: string): Promise<Record<string, string>> {
  const parts = await ctx.db
    .selectFrom('parts')
    .select(['classifier', 'uploaded_at'])
    .where('execution_id', '=', executionId)
    .execute();
  return Object.fromEntries(parts.map((p) => [p.classifier, p.uploaded_at]));
}

/** When liveness was given: the passed challenge's completion (else null). */
async function livenessGivenAt(ctx: ServerContext, executionId: string): Promise<string | null> {
  const passed = await ctx.db
    .selectFrom('liveness_challenges')
    .select(['completed_at'])
    .where('execution_id', '=', executionId)
    .where('status', '=', 'PASSED')
    .executeTakeFirst();
  return passed?.completed_at ?? null;
}

/**
 * When each step was given (`*_given_at`) and the session's history from those times, for both kinds (an IDA session
 * has no document steps: their times are null and they are not in its history).
 */
export async function sessionTimeline(
  ctx: ServerContext,
  execution: ExecutionRow,
  session: Pick<KycSessionRow, 'document_type_given_at' | 'anonymized_at'> | undefined,
) {
  const parts = await partTimes(ctx, execution.id);
  const times = {
    consent_given_at: execution.consent_given === 1 ? execution.consent_at : null,
    document_type_given_at: session?.document_type_given_at ?? null,
    front_image_given_at: parts.FRONT ?? null,
    back_image_given_at: parts.BACK ?? null,
    selfie_image_given_at: parts.FACE ?? null,
    liveness_given_at: await livenessGivenAt(ctx, execution.id),
    finalized_at: execution.acquired_at,
    completed_at: execution.status === 'PROCESSED' ? execution.completed_at : null,
  };
  const events: Array<[string, string | null]> = [
    ['created', execution.created_at],
    ['consent', times.consent_given_at],
    ['document_type', times.document_type_given_at],
    ['front_image', times.front_image_given_at],
    ['back_image', times.back_image_given_at],
    ['selfie_image', times.selfie_image_given_at],
    ['liveness', times.liveness_given_at],
    ['finalized', times.finalized_at],
    ['completed', times.completed_at],
    ['anonymized', session?.anonymized_at ?? execution.wiped_out_at],
  ];
  const history = events
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([event, at]) => ({ event, at }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { times, history };
}

export async function readKycSession(
  ctx: ServerContext,
  execution: ExecutionRow,
  session: KycSessionRow | undefined,
): Promise<KycSession> {
  const decision = decisionOf(execution);
  const { times, history } = await sessionTimeline(ctx, execution, session);
  const document = readDocumentData(execution, session);
  return {
    session_id: execution.id,
    kind: 'idv',
    client_id: execution.client_id,
    user_id: session?.user_id ?? execution.user_reference,
    identity_id: session?.identity_id ?? null,
    status: await kycStatus(ctx, execution.id),
    liveness_mode: execution.liveness_mode as LivenessMode,
    metadata: json<Record<string, unknown>>(session?.metadata),
    webhook_url: execution.callback_url,
    settings: json<Record<string, unknown>>(session?.settings),
    document_type: document.document_type,
    issuing_country: document.issuing_country,
    first_name: document.first_name,
    last_name: document.last_name,
    full_name: document.full_name,
    birth_date: document.birth_date,
    gender: document.gender,
    nationality: document.nationality,
    document_number: document.document_number,
    expiry_date: document.expiry_date,
    ...times,
    created_at: execution.created_at,
    expires_at: expiresAt(execution),
    verified: verifiedOf(decision),
    score: decision ? Math.max(0, Math.min(100, Math.round(100 - decision.risk.score))) : null,
    decision: kycDecision(decision),
    ...sanctionsOf(execution),
    idv_weights_id: session?.idv_weights_id ?? null,
    history,
  };
}

/** `%`, `_` and `\` in a search term match themselves. */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A text value inside a JSON column, in the database's own JSON syntax (`$.a.b[0].c`). */
function jsonValue(dialect: 'sqlite' | 'postgres', column: string, path: Array<string | number>) {
  if (dialect === 'sqlite') {
    const jsonPath = path.map((p) => (typeof p === 'number' ? `[${p}]` : `."${p}"`)).join('');
    return sql<string>`CAST(json_extract(${sql.ref(column)}, ${`$${jsonPath}`}) AS TEXT)`;
  }
  // Literals: the path is this module's field names or metadata keys limited to [A-Za-z0-9_-] by the schema.
  const steps = path.map((p) => sql.lit(p));
  const last = steps.pop();
  return sql<string>`((${sql.ref(column)})::jsonb${sql.join(
    steps.map((s) => sql` -> ${s}`),
    sql``,
  )} ->> ${last})`;
}

const SEARCHED_FIELDS = ['firstName', 'lastName', 'documentNumber'];

export async function listKycSessions(
  ctx: ServerContext,
  client: ApiClient,
  body: KycSessionListRequest,
): Promise<KycSessionList> {
  if (body.client_id && body.client_id !== client.id) {
    throw new ApiError(403, 'CLIENT_MISMATCH', 'client_id must be your own client id');
  }
  const take = body.take ?? 20;
  const skip = body.skip ?? 0;
  const dialect = dialectOf(ctx.db);
  const scalar = (value: string | number | boolean) =>
    typeof value === 'boolean' ? (dialect === 'sqlite' ? (value ? '1' : '0') : String(value)) : String(value);
  const status = kycStatusSql();
  const base = idvSessions(ctx, client).where((eb) => {
    const conditions: Expression<SqlBool>[] = [];
    // Stored timestamps are UTC ISO strings: a bound with another offset is compared as the same instant in UTC.
    if (body.date_from) conditions.push(eb('e.created_at', '>=', new Date(body.date_from).toISOString()));
    if (body.date_to) conditions.push(eb('e.created_at', '<=', new Date(body.date_to).toISOString()));
    if (body.identity_id) conditions.push(eb('k.identity_id', '=', body.identity_id));
    if (body.user_id) {
      conditions.push(eb.or([eb('k.user_id', '=', body.user_id), eb('e.user_reference', '=', body.user_id)]));
    }
    for (const [key, value] of Object.entries(body.metadata ?? {})) {
      conditions.push(eb(jsonValue(dialect, 'k.metadata', [key]), '=', scalar(value)));
    }
    if (body.search_term) {
      const pattern = likePattern(body.search_term);
      const like = (value: Expression<string | null>) =>
        sql<SqlBool>`lower(${value}) LIKE ${pattern} ESCAPE '\\'`;
      conditions.push(
        eb.or([
          eb('e.id', '=', body.search_term),
          like(eb.ref('k.user_id')),
          like(eb.ref('e.user_reference')),
          ...SEARCHED_FIELDS.map((field) =>
            like(jsonValue(dialect, 'e.capabilities', ['extraction', 0, 'data', field])),
          ),
        ]),
      );
    }
    return eb.and(conditions);
  });
  // The decision type is the search's generated column (search/migrations.ts), outside the typed schema.
  const decisionType = sql<string | null>`e.search_decision`;
  const groups = await base
    .select((eb) => [status.as('status'), decisionType.as('decision_type'), eb.fn.countAll().as('count')])
    .groupBy([status, decisionType])
    .execute();
  const meta_counts: KycMetaCounts = {
    created: 0,
    in_progress: 0,
    processing: 0,
    completed: 0,
    expired: 0,
    anonymized: 0,
    verified: 0,
    not_verified: 0,
  };
  let total = 0;
  for (const group of groups) {
    const count = Number(group.count);
    meta_counts[group.status] += count;
    if (group.decision_type === 'PASSED') meta_counts.verified += count;
    else if (group.decision_type) meta_counts.not_verified += count;
    if (!body.status || group.status === body.status) total += count;
  }
  const page = await (body.status ? base.where(status, '=', body.status) : base)
    .select([
      'e.id',
      'e.user_reference',
      'e.document_type',
      'e.decision',
      'e.created_at',
      'e.completed_at',
      'e.status as execution_status',
      'k.user_id',
      'k.identity_id',
      'k.metadata',
      'k.document_type as kyc_document_type',
      status.as('status'),
    ])
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id')
    .limit(take)
    .offset(skip)
    .execute();
  const items: KycSessionSummary[] = page.map((row) => {
    const decision = json<Decision>(row.decision);
    return {
      session_id: row.id,
      kind: 'idv',
      status: row.status,
      user_id: row.user_id ?? row.user_reference,
      identity_id: row.identity_id,
      metadata: json<Record<string, unknown>>(row.metadata),
      document_type: kycDocumentType(row, { document_type: row.kyc_document_type }, {}),
      verified: verifiedOf(decision),
      decision: kycDecision(decision),
      created_at: row.created_at,
      completed_at: row.execution_status === 'PROCESSED' ? row.completed_at : null,
    };
  });
  return { items, total, take, skip, meta_counts };
}

/** PII deletion through the engine (images, extracted data, references, KYC metadata / address / locations). */
export async function anonymizeKycSession(ctx: ServerContext, execution: ExecutionRow): Promise<string> {
  await wipeExecution(ctx, execution);
  const row = await kycDb(ctx)
    .selectFrom('kyc_sessions')
    .select(['anonymized_at'])
    .where('execution_id', '=', execution.id)
    .executeTakeFirst();
  const wiped = await ctx.db
    .selectFrom('workflow_executions')
    .select(['wiped_out_at'])
    .where('id', '=', execution.id)
    .executeTakeFirstOrThrow();
  return row?.anonymized_at ?? (wiped.wiped_out_at as string);
}

/** Anonymizes, then hides the session from every KYC operation (404 afterwards); the audit row stays. */
export async function deleteKycSession(ctx: ServerContext, execution: ExecutionRow): Promise<void> {
  await anonymizeKycSession(ctx, execution);
  const session = await ensureKycSession(ctx, execution);
  await kycDb(ctx)
    .updateTable('kyc_sessions')
    .set({ deleted_at: session.deleted_at ?? ctx.clock.now().toISOString() })
    .where('execution_id', '=', execution.id)
    .execute();
}

/** What the request address says without a third-party lookup: its version and whether it is private. */
export function locationOf(
  sessionId: string,
  session: KycSessionRow | undefined,
): {
  session_id: string;
  ip_address: string | null;
  ip_version: 4 | 6 | null;
  is_private: boolean | null;
  country_code: null;
  region: null;
  city: null;
  latitude: null;
  longitude: null;
  isp: null;
  unavailable_reason: 'NO_GEOIP_DATABASE';
  image_locations: ImageLocations;
} {
  const ip = session?.request_ip ?? null;
  const version = ip ? isIP(ip) : 0;
  let isPrivate: boolean | null = null;
  if (ip && version) {
    const parsed = ipaddr.process(ip);
    isPrivate = parsed.range() !== 'unicast';
  }
  return {
    session_id: sessionId,
    ip_address: ip,
    ip_version: version === 4 || version === 6 ? version : null,
    is_private: isPrivate,
    country_code: null,
    region: null,
    city: null,
    latitude: null,
    longitude: null,
    isp: null,
    unavailable_reason: 'NO_GEOIP_DATABASE',
    image_locations: json<ImageLocations>(session?.image_locations) ?? {},
  };
}
