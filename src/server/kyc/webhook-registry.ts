/**
 * The KYC API's webhook registry (issue #16): endpoints a client registers once; each receives every status event
 * of the client's sessions (all its executions, either API), in addition to a session's own `webhook_url`
 * (= the execution's callback URL). Delivery is the durable outbox's (signed with the client's Standard Webhooks
 * secret, retried, PII-redacted on deletion); each endpoint gets its own message per event (event key
 * `${executionId}:${status}:wh:${webhookId}`, so its own `webhook-id`), linked to the endpoint in
 * `kyc_webhook_deliveries` for the statistics. Deleting an endpoint cancels its pending messages.
 *
 * A registered URL passes the same policy as a callback URL (checkCallbackUrl now; the resolved address again at
 * delivery).
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { CallbackPayload } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { CallbackTargetError, checkCallbackUrl } from '../queue/callback-target.js';
import type { QueueTables } from '../queue/migrations.js';
import { kycDb } from './tables.js';

/** Link of an outbox message to the registered endpoint it is for. */
interface KycWebhookDeliveriesTable {
  delivery_id: string;
  webhook_id: string;
  created_at: string;
}

/** The link table beside the outbox's own. */
type RegistryDb = Kysely<{ kyc_webhook_deliveries: KycWebhookDeliveriesTable } & QueueTables>;
const registryDb = (ctx: ServerContext) => ctx.db as unknown as RegistryDb;

export interface RegisteredWebhook {
  webhook_id: string;
  url: string;
  description: string | null;
  /** Execution statuses the endpoint receives; null: every one. */
  events: string[] | null;
  created_at: string;
}

export interface WebhookStats {
  delivered: number;
  failed: number;
  pending: number;
  last_attempt_at: string | null;
  last_status_code: number | null;
}

/** The registry's URL check: the callback URL policy, with the same error codes as an account's callbackUrl. */
function checkUrl(ctx: ServerContext, url: string): void {
  try {
    checkCallbackUrl(url, ctx.config.callbackPolicy);
  } catch (error) {
    if (!(error instanceof CallbackTargetError)) throw error;
    const issues = [{ path: 'url', code: error.code }];
    if (error.code === 'INSECURE_URL') throw new ApiError(422, 'INSECURE_URL', 'url must use https', issues);
    throw new ApiError(
      422,
      'CALLBACK_URL_FORBIDDEN',
      `url is not allowed: ${error.message} (public https receivers only)`,
      issues,
    );
  }
}

export async function createWebhook(
  ctx: ServerContext,
  clientId: string,
  body: { url: string; description?: string | undefined; events?: string[] | undefined },
): Promise<RegisteredWebhook> {
  checkUrl(ctx, body.url);
  const webhook: RegisteredWebhook = {
    webhook_id: randomUUID(),
    url: body.url,
    description: body.description ?? null,
    events: body.events ? [...new Set(body.events)] : null,
    created_at: ctx.clock.now().toISOString(),
  };
  await kycDb(ctx)
    .insertInto('kyc_webhooks')
    .values({
      id: webhook.webhook_id,
      client_id: clientId,
      url: webhook.url,
      description: webhook.description,
      events: webhook.events ? JSON.stringify(webhook.events) : null,
      created_at: webhook.created_at,
      deleted_at: null,
    })
    .execute();
  return webhook;
}

async function activeWebhooks(ctx: ServerContext, clientId: string): Promise<RegisteredWebhook[]> {
  const rows = await kycDb(ctx)
    .selectFrom('kyc_webhooks')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    webhook_id: row.id,
    url: row.url,
    description: row.description,
    events: row.events ? (JSON.parse(row.events) as string[]) : null,
    created_at: row.created_at,
  }));
}

/** The client's endpoints with their delivery statistics (messages by outcome, the latest attempt). */
export async function listWebhooks(
  ctx: ServerContext,
  clientId: string,
): Promise<Array<RegisteredWebhook & { stats: WebhookStats }>> {
  const webhooks = await activeWebhooks(ctx, clientId);
  if (webhooks.length === 0) return [];
  const db = registryDb(ctx);
  const counts = await db
    .selectFrom('kyc_webhook_deliveries as link')
    .innerJoin('webhook_deliveries as d', 'd.id', 'link.delivery_id')
    .select(['link.webhook_id', 'd.status', (eb) => eb.fn.countAll<string>().as('n')])
    .where(
      'link.webhook_id',
      'in',
      webhooks.map((w) => w.webhook_id),
    )
    .groupBy(['link.webhook_id', 'd.status'])
    .execute();
  return Promise.all(
    webhooks.map(async (webhook) => {
      const count = (...statuses: string[]) =>
        counts
          .filter((c) => c.webhook_id === webhook.webhook_id && statuses.includes(c.status))
          .reduce((sum, c) => sum + Number(c.n), 0);
      // The latest attempt: the outbox records its status code; its delivery job, when it ran.
      const latest = await db
        .selectFrom('kyc_webhook_deliveries as link')
        .innerJoin('webhook_deliveries as d', 'd.id', 'link.delivery_id')
        .innerJoin('jobs as j', (join) =>
          join.on('j.dedupe_key', '=', sql<string>`${'webhook:'} || d.msg_id`),
        )
        .select(['j.updated_at', 'd.last_status_code'])
        .where('link.webhook_id', '=', webhook.webhook_id)
        .where('d.attempts', '>', 0)
        .orderBy('j.updated_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return {
        ...webhook,
        stats: {
          delivered: count('delivered'),
          failed: count('failed', 'disabled'),
          pending: count('pending'),
          last_attempt_at: latest?.updated_at ?? null,
          last_status_code: latest?.last_status_code ?? null,
        },
      };
    }),
  );
}

/** Deletes (soft) the client's endpoint and cancels its pending messages; 404 for an unknown or another client's. */
export async function deleteWebhook(ctx: ServerContext, clientId: string, webhookId: string): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const result = await kycDb(ctx)
    .updateTable('kyc_webhooks')
    .set({ deleted_at: now })
    .where('id', '=', webhookId)
    .where('client_id', '=', clientId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new ApiError(404, 'NOT_FOUND', 'Webhook not found');
  const db = registryDb(ctx);
  // A delivery attempt sends only a pending message: these are never sent.
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'disabled', next_attempt_at: null, last_error: 'WEBHOOK_DELETED' })
    .where('status', '=', 'pending')
    .where(
      'id',
      'in',
      db.selectFrom('kyc_webhook_deliveries').select('delivery_id').where('webhook_id', '=', webhookId),
    )
    .execute();
}

/**
 * Queues `payload` (the execution's status event) for every registered endpoint of the client that takes the
 * status. Safe to call twice for the same event: the event key makes the second a no-op.
 */
export async function enqueueRegisteredWebhooks(
  ctx: ServerContext,
  event: { clientId: string; executionId: string; status: string; payload: CallbackPayload },
): Promise<void> {
  const webhooks = await activeWebhooks(ctx, event.clientId);
  for (const webhook of webhooks) {
    if (webhook.events && !webhook.events.includes(event.status)) continue;
    const deliveryId = await ctx.outbox.enqueue({
      clientId: event.clientId,
      url: webhook.url,
      payload: event.payload,
      eventKey: `${event.executionId}:${event.status}:wh:${webhook.webhook_id}`,
      executionId: event.executionId,
    });
    await registryDb(ctx)
      .insertInto('kyc_webhook_deliveries')
      .values({
        delivery_id: deliveryId,
        webhook_id: webhook.webhook_id,
        created_at: ctx.clock.now().toISOString(),
      })
      .onConflict((oc) => oc.column('delivery_id').doNothing())
      .execute();
  }
}
