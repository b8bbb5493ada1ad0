/** Ending executions nobody finished: token lifetime and inactivity expiry, and re-queueing stranded ones. */
import type { ServerContext } from '../context.js';
import { enqueueCallback } from './callbacks.js';
import type { ExecutionRow } from './execution-row.js';
import { INACTIVITY_TIMEOUT_MS } from './model.js';
import { enqueueProcessing } from './processing-job.js';

/** Ends an INITIATED execution (one winner if several processes race) and calls the customer back. */
export async function expireExecution(
  ctx: ServerContext,
  row: ExecutionRow,
  status: 'TOKEN_EXPIRED' | 'SESSION_EXPIRED',
): Promise<boolean> {
  const completedAt = ctx.clock.now().toISOString();
  const result = await ctx.db
    .updateTable('workflow_executions')
    .set({ status, completed_at: completedAt })
    .where('id', '=', row.id)
    .where('status', '=', 'INITIATED')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await enqueueCallback(ctx, { ...row, status, completed_at: completedAt });
  ctx.logger.info({ executionId: row.id, status }, 'execution expired');
  return true;
}

/** Expires every active execution past its token lifetime or inactivity deadline; returns how many. */
export async function sweepExpiredExecutions(ctx: ServerContext): Promise<number> {
  const now = ctx.clock.now();
  const idleSince = new Date(now.getTime() - INACTIVITY_TIMEOUT_MS).toISOString();
  const due = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('status', '=', 'INITIATED')
    .where((eb) =>
      eb.or([eb('token_expires_at', '<=', now.toISOString()), eb('last_activity_at', '<=', idleSince)]),
    )
    .limit(500)
    .execute();
  let expired = 0;
  for (const row of due) {
    const status = now.getTime() >= Date.parse(row.token_expires_at) ? 'TOKEN_EXPIRED' : 'SESSION_EXPIRED';
    if (await expireExecution(ctx, row, status)) expired += 1;
  }
  return expired;
}

/** How long after finalize an execution without a decision counts as stranded (its job was never enqueued). */
const STRANDED_AFTER_MS = 60_000;

/**
 * Finalize commits the status before it enqueues the processing job; a crash in between would strand the
 * execution. The sweep re-enqueues such executions; the queue's dedupe key makes this a no-op when the job exists.
 */
export async function requeueStrandedExecutions(ctx: ServerContext): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - STRANDED_AFTER_MS).toISOString();
  const stranded = await ctx.db
    .selectFrom('workflow_executions')
    .select(['id'])
    .where('status', '=', 'ACQUIRED')
    .where('decision', 'is', null)
    .where('acquired_at', '<=', cutoff)
    .limit(100)
    .execute();
  for (const { id } of stranded) await enqueueProcessing(ctx, id);
  return stranded.length;
}
