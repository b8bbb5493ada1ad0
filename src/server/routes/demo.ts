/** `--demo` only: a fixed demo client and an unauthenticated endpoint the demo page uses to start a verification. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRoute } from '@hono/zod-openapi';
import { ApiErrorBody, DemoVerificationRequest, DemoVerificationResponse } from '../../shared/api/index.js';
import { createClient, findClient, setAllowedOrigins } from '../auth/clients.js';
import { randomToken } from '../auth/secrets.js';
import type { ServerContext } from '../context.js';
import { createExecution } from '../executions/create-execution.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { newRouter } from '../http/router.js';

export const DEMO_CLIENT_ID = 'demo-client';

export interface DemoClientCredentials {
  id: string;
  secret: string;
}

/**
 * Ensures the demo client exists and may redirect to this server's own origin. The secret is generated once and
 * kept in the data dir so it survives restarts (and a fresh database reuses it).
 */
export async function seedDemoClient(ctx: ServerContext): Promise<DemoClientCredentials> {
  const secretFile = join(ctx.config.dataDir, 'demo-client.json');
  let secret: string;
  if (existsSync(secretFile)) {
    secret = (JSON.parse(readFileSync(secretFile, 'utf8')) as DemoClientCredentials).secret;
  } else {
    secret = randomToken('idv_cs_');
    writeFileSync(secretFile, JSON.stringify({ id: DEMO_CLIENT_ID, secret }), { mode: 0o600 });
  }
  const origin = new URL(ctx.config.publicUrl).origin;
  const existing = await findClient(ctx.db, DEMO_CLIENT_ID);
  if (!existing) {
    await createClient(ctx.db, {
      id: DEMO_CLIENT_ID,
      name: 'Demo',
      secret,
      allowedOrigins: [origin],
      now: ctx.clock.now(),
    });
  } else if (!existing.allowedOrigins.includes(origin)) {
    await setAllowedOrigins(ctx.db, DEMO_CLIENT_ID, [...existing.allowedOrigins, origin]);
  }
  return { id: DEMO_CLIENT_ID, secret };
}

const demoVerificationRoute = createRoute({
  method: 'post',
  path: '/demo/api/verifications',
  tags: ['demo'],
  summary:
    'Demo only (`serve --demo`): start a verification for the demo client, no auth (10011 with passive liveness, or 10013 in the chosen liveness mode)',
  request: { body: { ...jsonBody(DemoVerificationRequest), required: false } },
  responses: {
    201: jsonResponse(DemoVerificationResponse, 'Started'),
    ...errorResponses(400, 422),
    503: jsonResponse(ApiErrorBody, 'Demo client missing'),
  },
});

export function demoRoutes(ctx: ServerContext) {
  const router = newRouter();
  router.openapi(demoVerificationRoute, async (c) => {
    const client = await findClient(ctx.db, DEMO_CLIENT_ID);
    if (!client)
      return c.json({ error: { code: 'SERVICE_UNAVAILABLE' as const, message: 'Demo client missing' } }, 503);
    const demoPage = `${ctx.config.publicUrl}/demo/`;
    // An empty body (the original demo call) or `none` means 10011, whose liveness is passive by default.
    const liveness = c.req.header('content-type') ? c.req.valid('json').liveness : undefined;
    const withLiveness = liveness !== undefined && liveness !== 'none';
    const created = await createExecution(ctx, client, {
      customerInternalReference: `demo-${Date.now()}`,
      workflowDefinition: {
        key: withLiveness ? 10013 : 10011,
        credentials: [{ category: 'ID' }, { category: 'SELFIE' }],
      },
      ...(withLiveness ? { liveness: { mode: liveness } } : {}),
      web: { successUrl: `${demoPage}?result=success`, errorUrl: `${demoPage}?result=error`, locale: 'en' },
    });
    return c.json(
      {
        token: created.sdk.token,
        webHref: created.web.href,
        accountId: created.account.id,
        workflowExecutionId: created.workflowExecution.id,
      },
      201,
    );
  });
  return router;
}
