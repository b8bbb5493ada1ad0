/**
 * The thin customer callback (ids and status, no PII), queued in the durable webhook outbox, and the status
 * endpoint's answer: both are {@link statusBody}, so for the same execution state the status endpoint answers the
 * very bytes the callback carried (issue #15: "status byte-identical to the callback body").
 */
import type { CallbackPayload, ExecutionStatus, SessionDefinitionKey } from '../../shared/api/index.js';
import { AUTHENTICATION_DEFINITION_KEY } from '../pipeline/types.js';
import type { ServerContext } from '../context.js';
import { enqueueRegisteredWebhooks } from '../kyc/webhook-registry.js';
import type { ExecutionRow } from './execution-row.js';
import { PublicUrls } from './urls.js';

/**
 * `callbackSentAt` is the moment the execution reached its current status (the callback is queued in that same
 * step), not the time of this call: that keeps the body a pure function of the row.
 */
export function statusBody(
  ctx: ServerContext,
  row: Pick<
    ExecutionRow,
    | 'id'
    | 'account_id'
    | 'definition_key'
    | 'status'
    | 'user_reference'
    | 'created_at'
    | 'acquired_at'
    | 'completed_at'
  >,
): CallbackPayload {
  const urls = new PublicUrls(ctx.config);
  return {
    callbackSentAt: row.completed_at ?? row.acquired_at ?? row.created_at,
    ...(row.user_reference ? { userReference: row.user_reference } : {}),
    workflowExecution: {
      id: row.id,
      // The workflow API does not show IDA sessions: their callback names the KYC operation that reads them.
      href:
        row.definition_key === AUTHENTICATION_DEFINITION_KEY
          ? `${ctx.config.publicUrl}/kyc/v2/ida/session/read`
          : urls.execution(row.account_id, row.id),
      definitionKey: row.definition_key as SessionDefinitionKey,
      status: row.status as ExecutionStatus,
    },
    account: { id: row.account_id, href: urls.account(row.account_id) },
  };
}

/**
 * Queues the status event for the execution's own callback URL (when it has one) and for every webhook endpoint
 * its client registered through the KYC API (each its own message and webhook-id).
 */
export async function enqueueCallback(ctx: ServerContext, row: ExecutionRow): Promise<void> {
  const payload = statusBody(ctx, row);
  if (row.callback_url) {
    // One event per status change: enqueued twice (a job that ran twice), it is still one message, one webhook-id.
    await ctx.outbox.enqueue({
      clientId: row.client_id,
      url: row.callback_url,
      payload,
      eventKey: `${row.id}:${row.status}`,
      executionId: row.id,
    });
  }
  await enqueueRegisteredWebhooks(ctx, {
    clientId: row.client_id,
    executionId: row.id,
    status: row.status,
    payload,
  });
}
