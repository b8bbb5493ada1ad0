/**
 * Workflow tokens: what a token opens, and the lifetime and inactivity rules applied on every use.
 *
 * An execution has several tokens, each with its scope (issue #15):
 * - `sdk.token` (account creation) and device tokens (cross-device handoff): the whole widget flow;
 * - the `web.href` token: the same scope, but a different secret, so a leaked page URL is not the SDK token;
 * - one `api.token` per credential: that credential's parts and data, and finalize; nothing of the widget flow.
 * PII deletion revokes all of them.
 */
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { expireExecution } from '../executions/expiry.js';
import { executionIdOfDeviceToken } from '../executions/handoff.js';
import { INACTIVITY_TIMEOUT_MS } from '../executions/model.js';
import { bearerToken } from './bearer.js';
import { hashToken } from './secrets.js';

/**
 * `read`: the widget loads the session (does not start the inactivity clock).
 * `capture`: any other call; the first one starts the 15-minute sliding inactivity timeout.
 */
export type WidgetActivity = 'read' | 'capture';

/** What a workflow token may do: the widget flow, or one credential through the API channel. */
export type WorkflowGrant = { kind: 'widget' } | { kind: 'api'; credentialId: string };

export interface WorkflowAccess {
  execution: ExecutionRow;
  grant: WorkflowGrant;
}

async function liveExecution(ctx: ServerContext, executionId: string): Promise<ExecutionRow | undefined> {
  return ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', executionId)
    .where('wiped_out_at', 'is', null)
    .executeTakeFirst();
}

/** The execution and scope a workflow token opens; no side effects. */
export async function findWorkflowAccess(
  ctx: ServerContext,
  token: string,
): Promise<WorkflowAccess | undefined> {
  const tokenHash = hashToken(token);
  const own = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (own) return { execution: own, grant: { kind: 'widget' } };
  const extra = await ctx.db
    .selectFrom('execution_tokens')
    .select(['execution_id', 'kind', 'credential_id'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (extra) {
    const execution = await liveExecution(ctx, extra.execution_id);
    if (!execution) return undefined;
    return extra.kind === 'api' && extra.credential_id
      ? { execution, grant: { kind: 'api', credentialId: extra.credential_id } }
      : { execution, grant: { kind: 'widget' } };
  }
  const executionId = await executionIdOfDeviceToken(ctx, tokenHash);
  const execution = executionId ? await liveExecution(ctx, executionId) : undefined;
  return execution ? { execution, grant: { kind: 'widget' } } : undefined;
}

/** The execution a token opens (any scope); for the hosted page and CORS, which only need the owner. */
export async function findExecutionByToken(
  ctx: ServerContext,
  token: string,
): Promise<ExecutionRow | undefined> {
  return (await findWorkflowAccess(ctx, token))?.execution;
}

export async function authenticateWorkflowToken(
  ctx: ServerContext,
  authorization: string | undefined,
  activity: WidgetActivity,
): Promise<WorkflowAccess> {
  const token = bearerToken(authorization);
  if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Bearer workflow token required');
  const access = await findWorkflowAccess(ctx, token);
  if (!access) throw new ApiError(401, 'INVALID_TOKEN', 'Unknown workflow token');
  const row = access.execution;
  const now = ctx.clock.now();
  if (row.status === 'TOKEN_EXPIRED') throw new ApiError(401, 'TOKEN_EXPIRED', 'Workflow token expired');
  if (row.status === 'SESSION_EXPIRED')
    throw new ApiError(401, 'SESSION_EXPIRED', 'Session expired after inactivity');
  if (now.getTime() >= Date.parse(row.token_expires_at)) {
    if (row.status === 'INITIATED') await expireExecution(ctx, row, 'TOKEN_EXPIRED');
    throw new ApiError(401, 'TOKEN_EXPIRED', 'Workflow token expired');
  }
  if (row.status !== 'INITIATED') return access;
  if (row.last_activity_at && now.getTime() - Date.parse(row.last_activity_at) >= INACTIVITY_TIMEOUT_MS) {
    await expireExecution(ctx, row, 'SESSION_EXPIRED');
    throw new ApiError(401, 'SESSION_EXPIRED', 'Session expired after inactivity');
  }
  const nowIso = now.toISOString();
  const captureStarted = row.capture_started_at !== null || activity === 'capture';
  const changes: Partial<ExecutionRow> = {};
  if (!row.started_at) changes.started_at = nowIso;
  if (captureStarted) {
    changes.last_activity_at = nowIso;
    if (!row.capture_started_at) changes.capture_started_at = nowIso;
  }
  if (Object.keys(changes).length > 0) {
    await ctx.db.updateTable('workflow_executions').set(changes).where('id', '=', row.id).execute();
    Object.assign(row, changes);
  }
  return access;
}
