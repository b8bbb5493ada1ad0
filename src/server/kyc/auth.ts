/**
 * Who may call a KYC API operation:
 * - admin operations (sessions, identities, weights, requirements, webhooks): the client's OAuth access token, as in
 *   the workflow API (`requireClient` → `c.var.client`); a session or identity of another client is 404;
 * - SDK steps: the `client-id` header (the client's id) plus the session's token (`Authorization: Bearer
 *   <session_token>`, the execution's sdk token), and the body's `session_id` must name that same session
 *   (`assertSameSession`). A token of another client's session, or a wrong `client-id`, is 403 `CLIENT_MISMATCH`.
 */
import { createMiddleware } from 'hono/factory';
import type { ApiClient } from '../auth/clients.js';
import { authenticateWorkflowToken, type WidgetActivity } from '../auth/workflow-tokens.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { type KycSessionKind, type KycSessionRow, kycDb } from './tables.js';

export type { KycSessionRow };

export interface KycSdkVariables {
  execution: ExecutionRow;
  /** The KYC side of the session; undefined for an execution created through the workflow API (kind idv). */
  kycSession: KycSessionRow | undefined;
}

/** The `client-id` header is how the document's SDK names the client; it must be the session's client. */
export const CLIENT_ID_HEADER = 'client-id';

export async function findKycSession(
  ctx: ServerContext,
  executionId: string,
): Promise<KycSessionRow | undefined> {
  return kycDb(ctx)
    .selectFrom('kyc_sessions')
    .selectAll()
    .where('execution_id', '=', executionId)
    .executeTakeFirst();
}

/**
 * SDK steps of a session of `kind` (an execution without a KYC row counts as an IDV session). `read`: a read that does
 * not start the session's inactivity clock (as the widget's session load).
 */
export function requireSdkSession(
  ctx: ServerContext,
  kind: KycSessionKind,
  activity: WidgetActivity = 'capture',
) {
  return createMiddleware<{ Variables: KycSdkVariables }>(async (c, next) => {
    const clientId = c.req.header(CLIENT_ID_HEADER);
    if (!clientId) {
      throw new ApiError(401, 'CLIENT_ID_REQUIRED', 'The client-id header is required on SDK steps');
    }
    const access = await authenticateWorkflowToken(ctx, c.req.header('authorization'), activity);
    if (access.grant.kind !== 'widget') {
      throw new ApiError(403, 'FORBIDDEN', 'SDK steps take the session token (session_token)');
    }
    if (access.execution.client_id !== clientId) {
      throw new ApiError(403, 'CLIENT_MISMATCH', 'The session does not belong to this client-id');
    }
    const session = await findKycSession(ctx, access.execution.id);
    if (session?.deleted_at || (session?.kind ?? 'idv') !== kind) {
      throw new ApiError(404, 'NOT_FOUND', `No ${kind.toUpperCase()} session for this token`);
    }
    c.set('execution', access.execution);
    c.set('kycSession', session);
    await next();
  });
}

/** The body's `session_id` must be the session the token opens. */
export function assertSameSession(execution: Pick<ExecutionRow, 'id'>, sessionId: string): void {
  if (sessionId !== execution.id) {
    throw new ApiError(403, 'SESSION_MISMATCH', 'session_id is not the session of this session token');
  }
}

/**
 * An admin operation's session: the client's own, of `kind`, not deleted; otherwise 404 (another client's session
 * is not revealed). Executions created through the workflow API are IDV sessions without a KYC row.
 */
export async function findOwnSession(
  ctx: ServerContext,
  client: ApiClient,
  sessionId: string,
  kind: KycSessionKind,
): Promise<{ execution: ExecutionRow; session: KycSessionRow | undefined }> {
  const execution = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', sessionId)
    .where('client_id', '=', client.id)
    .executeTakeFirst();
  const session = execution ? await findKycSession(ctx, execution.id) : undefined;
  if (!execution || session?.deleted_at || (session?.kind ?? 'idv') !== kind) {
    throw new ApiError(404, 'NOT_FOUND', `${kind.toUpperCase()} session not found`);
  }
  return { execution, session };
}
