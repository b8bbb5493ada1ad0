import type { ApiClient } from '../auth/clients.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { createExecution } from '../executions/create-execution.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { readPartImage, wipeExecution } from '../executions/retrieval.js';
import { AUTHENTICATION_DEFINITION_KEY } from '../pipeline/requirements.js';
import type { KycSessionRow } from './tables.js';
import { canAuthenticate } from './identities.js';
import { capabilitiesOf, decisionOf, kycDecision, verifiedOf } from './decided-session.js';
import type { KycSessionStatus } from './session-schemas.js';
import { CAPABILITY_RESULT } from './session-files.js';
import { kycStatus, kycStatusSql, sessionTimeline } from './sessions.js';
import { kycDb, kycSessionValues } from './tables.js';

export { AUTHENTICATION_DEFINITION_KEY };

/**
 * The verdict of an IDA session: `authenticated` is null until decided, then true exactly when the decision is
 * PASSED; `reason` is the decision's label when not authenticated (e.g. NO_MATCH, LIVENESS_UNDETERMINED).
 */
export function idaVerdict(execution: Pick<ExecutionRow, 'decision'>) {
  const decision = decisionOf(execution);
  return {
    authenticated: verifiedOf(decision),
    reason: decision && decision.type !== 'PASSED' ? decision.details.label : null,
    score: decision?.risk ? 100 - decision.risk.score : null,
    decision: kycDecision(decision),
  };
}

export interface IdaCreateRequest {
  identity_id: string;
  liveness_mode?: 'passive' | 'passive_active' | undefined;
  webhook_url?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/**
 * Creates an IDA session for one of the client's identities. 404 for an identity that is not the client's (or does
 * not exist), 409 IDENTITY_NOT_VERIFIED when it is not verified or has no usable face template.
 */
export async function createIdaSession(
  ctx: ServerContext,
  client: ApiClient,
  body: IdaCreateRequest,
  requestIp: string | null,
) {
  const db = kycDb(ctx);
  const identity = await db
    .selectFrom('identities')
    .selectAll()
    .where('id', '=', body.identity_id)
    .where('client_id', '=', client.id)
    .executeTakeFirst();
  if (!identity) throw new ApiError(404, 'NOT_FOUND', 'Identity not found');
  if (!canAuthenticate(identity)) {
    throw new ApiError(
      409,
      'IDENTITY_NOT_VERIFIED',
      'The identity is not verified or has no face template: verify it with an IDV session first',
    );
  }
  // The identity's account, unless its PII was deleted meanwhile: then the session opens a new one.
  const account = identity.account_id
    ? await db
        .selectFrom('accounts')
        .select(['id'])
        .where('id', '=', identity.account_id)
        .where('client_id', '=', client.id)
        .where('wiped_out_at', 'is', null)
        .executeTakeFirst()
    : undefined;
  const userReference =
    identity.user_id && identity.user_id.length <= 100 ? { userReference: identity.user_id } : {};
  const created = await createExecution(
    ctx,
    client,
    {
      customerInternalReference: 'kyc-ida',
      ...userReference,
      // The workflow API's schema knows only its own keys; `internal` below sets the real one.
      workflowDefinition: { key: 10011 },
      ...(body.webhook_url ? { callbackUrl: body.webhook_url } : {}),
      liveness: { mode: body.liveness_mode ?? 'passive' },
    },
    account?.id,
    { key: AUTHENTICATION_DEFINITION_KEY, credentials: [{ category: 'SELFIE' }, { category: 'FACEMAP' }] },
  );
  const sessionId = created.workflowExecution.id;
  const now = ctx.clock.now().toISOString();
  await db
    .insertInto('kyc_sessions')
    .values(
      kycSessionValues({
        execution_id: sessionId,
        client_id: client.id,
        kind: 'ida',
        identity_id: identity.id,
        user_id: identity.user_id,
        metadata: body.metadata ? JSON.stringify(body.metadata) : null,
        request_ip: requestIp,
        created_at: now,
      }),
    )
    .execute();
  const execution = await ctx.db
    .selectFrom('workflow_executions')
    .select(['token_expires_at'])
    .where('id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return {
    session_id: sessionId,
    session_token: created.sdk.token,
    client_id: client.id,
    identity_id: identity.id,
    status: 'created' as const,
    url: created.web.href,
    expires_at: execution.token_expires_at,
    kind: 'ida' as const,
  };
}

/** `POST /kyc/v2/ida/session/read`: the session, its verdict and the numbers behind it (no biometric data). */
export async function idaSessionView(ctx: ServerContext, execution: ExecutionRow, session: KycSessionRow) {
  const capabilities = capabilitiesOf(execution);
  const similarity = capabilities.similarity?.[0];
  const match = similarity?.data as
    | { faceMatchScore?: number; distance?: number; threshold?: number }
    | undefined;
  const liveness = capabilities.liveness?.[0];
  return {
    session_id: execution.id,
    kind: 'ida' as const,
    identity_id: session.identity_id,
    status: await kycStatus(ctx, execution.id),
    ...idaVerdict(execution),
    face_match:
      match?.distance !== undefined
        ? {
            score: match.faceMatchScore ?? null,
            distance: match.distance,
            threshold: match.threshold ?? null,
          }
        : null,
    liveness: liveness
      ? { result: CAPABILITY_RESULT[liveness.decision.type], label: liveness.decision.details.label }
      : null,
    created_at: session.created_at,
    finalized_at: execution.acquired_at,
    completed_at: execution.completed_at,
    idv_weights_id: session.idv_weights_id,
    history: (await sessionTimeline(ctx, execution, session)).history,
  };
}

export interface IdaListRequest {
  take?: number | undefined;
  skip?: number | undefined;
  identity_id?: string | undefined;
  date_from?: string | undefined;
  date_to?: string | undefined;
  status?: KycSessionStatus | undefined;
}

/**
 * The client's IDA sessions, newest first, with counts per status (and per verdict) over the same filters without
 * the status. The status is derived from the execution, so the page is cut after filtering in memory: fine for the
 * sessions of one client over a date range; a client with very many should pass dates.
 */
export async function listIdaSessions(ctx: ServerContext, client: ApiClient, body: IdaListRequest) {
  let query = kycDb(ctx)
    .selectFrom('kyc_sessions as k')
    .innerJoin('workflow_executions as e', 'e.id', 'k.execution_id')
    .select([
      'k.execution_id',
      'k.identity_id',
      'k.created_at',
      'e.decision',
      'e.completed_at',
      kycStatusSql().as('status'),
    ])
    .where('k.client_id', '=', client.id)
    .where('k.kind', '=', 'ida')
    .where('k.deleted_at', 'is', null);
  if (body.identity_id) query = query.where('k.identity_id', '=', body.identity_id);
  // Stored times are UTC ISO strings: compare like with like whatever offset the caller wrote.
  const utc = (at: string) => new Date(at).toISOString();
  if (body.date_from) query = query.where('k.created_at', '>=', utc(body.date_from));
  if (body.date_to) query = query.where('k.created_at', '<=', utc(body.date_to));
  const rows = await query.orderBy('k.created_at', 'desc').orderBy('k.execution_id').execute();
  const meta_counts = {
    created: 0,
    in_progress: 0,
    processing: 0,
    completed: 0,
    expired: 0,
    anonymized: 0,
    authenticated: 0,
    not_authenticated: 0,
  };
  const summaries = rows.map((row) => {
    const status = row.status;
    const verdict = idaVerdict(row);
    meta_counts[status] += 1;
    if (verdict.authenticated === true) meta_counts.authenticated += 1;
    if (verdict.authenticated === false) meta_counts.not_authenticated += 1;
    return {
      session_id: row.execution_id,
      kind: 'ida' as const,
      identity_id: row.identity_id,
      status,
      authenticated: verdict.authenticated,
      reason: verdict.reason,
      score: verdict.score,
      created_at: row.created_at,
      completed_at: row.completed_at,
    };
  });
  const matching = body.status ? summaries.filter((s) => s.status === body.status) : summaries;
  const take = body.take ?? 20;
  const skip = body.skip ?? 0;
  return { items: matching.slice(skip, skip + take), total: matching.length, take, skip, meta_counts };
}

/** `POST /kyc/v2/ida/session/delete`: PII deletion of the execution, then the session is gone from this API. */
export async function deleteIdaSession(ctx: ServerContext, execution: ExecutionRow): Promise<void> {
  await wipeExecution(ctx, execution);
  const now = ctx.clock.now().toISOString();
  await kycDb(ctx)
    .updateTable('kyc_sessions')
    .set({ metadata: null, request_ip: null, image_locations: null, anonymized_at: now, deleted_at: now })
    .where('execution_id', '=', execution.id)
    .execute();
}

/** The session's selfie, or the stored part `file_id` names; only bytes the decision was made on once decided. */
export async function idaSessionFile(
  ctx: ServerContext,
  execution: ExecutionRow,
  fileId: string | undefined,
): Promise<{ bytes: Buffer; mime: string }> {
  let query = ctx.db
    .selectFrom('parts')
    .innerJoin('credentials', 'credentials.id', 'parts.credential_id')
    .select(['parts.credential_id', 'parts.classifier'])
    .where('parts.execution_id', '=', execution.id);
  query = fileId
    ? query.where('parts.id', '=', fileId)
    : query.where('credentials.category', '=', 'SELFIE').where('parts.classifier', '=', 'FACE');
  const part = await query.executeTakeFirst();
  if (!part) throw new ApiError(404, 'NOT_FOUND', 'File not found');
  return readPartImage(ctx, execution, part.credential_id, part.classifier);
}
