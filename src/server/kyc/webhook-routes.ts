/** Webhook registry of the KYC API (admin, the client's access token): create / list with statistics / delete. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { EXECUTION_STATUSES } from '../../shared/api/index.js';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { createWebhook, deleteWebhook, listWebhooks } from './webhook-registry.js';

const TAGS = ['kyc: webhooks'];

const KycWebhookCreate = z
  .strictObject({
    url: z.string().min(1).max(2048),
    description: z.string().max(200).optional(),
    events: z
      .array(z.enum(EXECUTION_STATUSES))
      .min(1)
      .optional()
      .describe('Session statuses to receive (the execution status of the event); absent: every one'),
  })
  .meta({ id: 'KycWebhookCreateRequest' });
const KycWebhook = z
  .object({
    webhook_id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()).nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'KycWebhook' });
const KycWebhookList = z
  .object({
    items: z.array(
      KycWebhook.extend({
        stats: z.object({
          delivered: z.number().int(),
          failed: z.number().int(),
          pending: z.number().int(),
          last_attempt_at: z.string().nullable(),
          last_status_code: z.number().int().nullable(),
        }),
      }),
    ),
  })
  .meta({ id: 'KycWebhookList' });
const KycWebhookDelete = z
  .strictObject({ webhook_id: z.string().min(1).max(64) })
  .meta({ id: 'KycWebhookDeleteRequest' });
const KycWebhookDeleted = z
  .object({ webhook_id: z.string(), deleted: z.literal(true) })
  .meta({ id: 'KycWebhookDeleted' });

const webhookCreateRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/webhook/create',
  tags: TAGS,
  summary: 'Register an endpoint for the signed status events of all this client’s sessions',
  security: bearerSecurity,
  request: { body: jsonBody(KycWebhookCreate) },
  responses: { 201: jsonResponse(KycWebhook, 'Registered'), ...errorResponses(400, 401, 422) },
});
const listRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/webhook/list',
  tags: TAGS,
  summary: 'Registered endpoints with their delivery statistics',
  security: bearerSecurity,
  request: { body: jsonBody(z.strictObject({}).meta({ id: 'KycWebhookListRequest' })) },
  responses: { 200: jsonResponse(KycWebhookList, 'Endpoints'), ...errorResponses(400, 401) },
});
const deleteRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/webhook/delete',
  tags: TAGS,
  summary: 'Delete an endpoint (its pending messages are cancelled)',
  security: bearerSecurity,
  request: { body: jsonBody(KycWebhookDelete) },
  responses: { 200: jsonResponse(KycWebhookDeleted, 'Deleted'), ...errorResponses(400, 401, 404) },
});

export function webhookRoutes(ctx: ServerContext) {
  const router = newRouter();
  const client = requireClient(ctx);
  router.openapi({ ...webhookCreateRoute, middleware: [client] as const }, async (c) =>
    c.json(await createWebhook(ctx, c.var.client.id, c.req.valid('json')), 201),
  );
  router.openapi({ ...listRoute, middleware: [client] as const }, async (c) =>
    c.json({ items: await listWebhooks(ctx, c.var.client.id) }, 200),
  );
  router.openapi({ ...deleteRoute, middleware: [client] as const }, async (c) => {
    const { webhook_id } = c.req.valid('json');
    await deleteWebhook(ctx, c.var.client.id, webhook_id);
    return c.json({ webhook_id, deleted: true as const }, 200);
  });
  return router;
}
