/**
 * The operator's admin API (issue #18): the `idv-server client …` commands over HTTP, for a running cluster.
 * Mounted only when `IDV_ADMIN_TOKEN` is set; every route needs `Authorization: Bearer <IDV_ADMIN_TOKEN>`.
 * Disabling a client and rotating its secret revoke its access tokens at once.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  AdminClient,
  AdminClientList,
  AdminClientSecrets,
  AdminCreateClientRequest,
} from '../../shared/api/index.js';
import {
  ClientInputError,
  ClientNotFoundError,
  createClient,
  disableClient,
  listClients,
  rotateClientSecret,
  rotateWebhookSecret,
} from '../auth/clients.js';
import type { AppEnv, ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { bearerToken } from '../auth/bearer.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { sameSecret } from './ops.js';

const ClientParams = z.object({ clientId: z.string().min(1).max(128) });
const tags = ['admin'];

const listRoute = createRoute({
  method: 'get',
  path: '/admin/v1/clients',
  tags,
  summary: 'API clients (no secrets)',
  security: bearerSecurity,
  responses: { 200: jsonResponse(AdminClientList, 'Clients'), ...errorResponses(401) },
});
const createRouteDef = createRoute({
  method: 'post',
  path: '/admin/v1/clients',
  tags,
  summary: 'Create an API client; the secrets are in this answer only',
  security: bearerSecurity,
  request: { body: jsonBody(AdminCreateClientRequest) },
  responses: { 201: jsonResponse(AdminClientSecrets, 'Created'), ...errorResponses(400, 401, 422) },
});
const action = (path: string, summary: string, response: z.ZodType) =>
  createRoute({
    method: 'post',
    path: `/admin/v1/clients/{clientId}/${path}`,
    tags,
    summary,
    security: bearerSecurity,
    request: { params: ClientParams },
    responses: { 200: jsonResponse(response, 'Done'), ...errorResponses(401, 404) },
  });
const disableRoute = action(
  'disable',
  'Disable a client: no new token, every access token revoked',
  AdminClient,
);
const rotateSecretRoute = action(
  'rotate-secret',
  'A new client secret (shown once); the old one and every access token stop working',
  AdminClientSecrets,
);
const rotateWebhookRoute = action(
  'rotate-webhook-secret',
  'A new webhook signing secret (shown once); callbacks are signed with it from now on',
  AdminClientSecrets,
);

/** The clients module's own errors as API errors. */
async function domain<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ClientNotFoundError) throw new ApiError(404, 'NOT_FOUND', 'No such client');
    if (error instanceof ClientInputError) throw new ApiError(422, 'VALIDATION_FAILED', error.message);
    throw error;
  }
}

async function summaryOf(ctx: ServerContext, clientId: string): Promise<AdminClient> {
  const found = (await listClients(ctx.db)).find((client) => client.id === clientId);
  if (!found) throw new ApiError(404, 'NOT_FOUND', 'No such client');
  return found;
}

export function adminRoutes(ctx: ServerContext, adminToken: string) {
  const router = newRouter();
  router.use('/admin/*', async (c: Context<AppEnv>, next) => {
    if (!sameSecret(bearerToken(c.req.header('authorization')), adminToken)) {
      throw new ApiError(401, 'UNAUTHORIZED', 'Bearer admin token required');
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });
  router.openapi(listRoute, async (c) => c.json({ clients: await listClients(ctx.db) }, 200));
  router.openapi(createRouteDef, async (c) => {
    const body = c.req.valid('json');
    const created = await domain(() => createClient(ctx.db, { ...body, now: ctx.clock.now() }));
    return c.json(
      { clientId: created.id, clientSecret: created.secret, webhookSecret: created.webhookSecret },
      201,
    );
  });
  router.openapi(disableRoute, async (c) => {
    const { clientId } = c.req.valid('param');
    await domain(() => disableClient(ctx.db, clientId, ctx.clock.now()));
    return c.json(await summaryOf(ctx, clientId), 200);
  });
  router.openapi(rotateSecretRoute, async (c) => {
    const { clientId } = c.req.valid('param');
    return c.json({ clientId, clientSecret: await domain(() => rotateClientSecret(ctx.db, clientId)) }, 200);
  });
  router.openapi(rotateWebhookRoute, async (c) => {
    const { clientId } = c.req.valid('param');
    return c.json(
      { clientId, webhookSecret: await domain(() => rotateWebhookSecret(ctx.db, clientId)) },
      200,
    );
  });
  return router;
}
