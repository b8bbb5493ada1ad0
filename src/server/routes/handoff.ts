/**
 * Cross-device handoff: `POST /api/v1/session/handoff` (Bearer = workflow token) mints a single-use link;
 * `GET /web/v1/handoff/{code}` redeems it once and continues on the hosted page with the phone's own token.
 * The desktop follows progress by polling `GET /api/v1/session` (its token keeps working).
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { HandoffResponse } from '../../shared/api/index.js';
import type { ServerContext } from '../context.js';
import { HandoffError, type HandoffFailure, issueHandoff, redeemHandoff } from '../executions/handoff.js';
import { requireWorkflowToken } from '../auth/middleware.js';
import { PublicUrls } from '../executions/urls.js';
import { errorResponses, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { NOTICE_PAGE_CSP, renderNoticePage } from './hosted.js';

const handoffRoute = createRoute({
  method: 'post',
  path: '/api/v1/session/handoff',
  tags: ['widget'],
  summary: 'Start a cross-device handoff: a single-use link (10 min) that opens this verification on a phone',
  security: bearerSecurity,
  responses: { 201: jsonResponse(HandoffResponse, 'Link issued'), ...errorResponses(401, 409) },
});

const redeemRoute = createRoute({
  method: 'get',
  path: '/web/v1/handoff/{code}',
  tags: ['widget'],
  summary: 'Open a handoff link: redirects once to the hosted page; afterwards an error page',
  request: { params: z.object({ code: z.string().max(64) }) },
  responses: {
    303: { description: 'To the hosted page with a fresh workflow token for the same execution' },
    404: { description: 'Unknown link (HTML)' },
    409: { description: 'The verification is no longer open (HTML)' },
    410: { description: 'Used or expired link (HTML)' },
  },
});

const FAILURE_PAGES: Record<
  HandoffFailure,
  { status: 404 | 409 | 410; title: string; body: string; code: string }
> = {
  UNKNOWN: {
    status: 404,
    code: 'HANDOFF_UNKNOWN',
    title: 'This link is not valid',
    body: 'Check that you opened the whole link, or scan the QR code on your computer again.',
  },
  USED: {
    status: 410,
    code: 'HANDOFF_USED',
    title: 'This link was already used',
    body: 'Each link works once. On your computer, choose “Continue on your phone” again to get a new one.',
  },
  EXPIRED: {
    status: 410,
    code: 'HANDOFF_EXPIRED',
    title: 'This link has expired',
    body: 'Links work for 10 minutes. On your computer, choose “Continue on your phone” again to get a new one.',
  },
  EXECUTION_NOT_ACTIVE: {
    status: 409,
    code: 'EXECUTION_NOT_ACTIVE',
    title: 'This verification is closed',
    body: 'It was already finished or it expired. Go back to the site that sent you here.',
  },
};

export function handoffRoutes(ctx: ServerContext) {
  const router = newRouter();
  const widget = requireWorkflowToken(ctx, { activity: 'read' });
  router.openapi({ ...handoffRoute, middleware: [widget] as const }, async (c) => {
    const row = c.var.execution;
    c.header('Cache-Control', 'no-store');
    return c.json(await issueHandoff(ctx, row), 201);
  });
  router.openapi(redeemRoute, async (c) => {
    const headers = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
    try {
      const redeemed = await redeemHandoff(ctx, c.req.valid('param').code);
      const target = new URL(new PublicUrls(ctx.config).hostedApp(redeemed.token, redeemed.locale));
      target.searchParams.set('handoff', '1');
      return c.body(null, 303, { ...headers, Location: target.href });
    } catch (error) {
      if (!(error instanceof HandoffError)) throw error;
      const page = FAILURE_PAGES[error.code];
      return c.html(renderNoticePage(page), page.status, {
        ...headers,
        'Content-Security-Policy': NOTICE_PAGE_CSP,
      });
    }
  });
  return router;
}
