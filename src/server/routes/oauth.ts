/** `POST /oauth2/token`: client credentials grant. */
import { createRoute } from '@hono/zod-openapi';
import { TokenRequest, TokenResponse } from '../../shared/api/index.js';
import { issueAccessToken } from '../auth/access-tokens.js';
import type { ServerContext } from '../context.js';
import { errorResponses, jsonResponse } from '../http/openapi-helpers.js';
import { clientAddress } from '../http/client-address.js';
import { newRouter } from '../http/router.js';

const tokenRoute = createRoute({
  method: 'post',
  path: '/oauth2/token',
  tags: ['auth'],
  summary: 'Exchange client credentials (HTTP Basic) for a 1-hour Bearer access token',
  security: [{ basicAuth: [] }],
  request: {
    body: { content: { 'application/x-www-form-urlencoded': { schema: TokenRequest } }, required: true },
  },
  responses: {
    200: jsonResponse(TokenResponse, 'Access token'),
    ...errorResponses(400, 401, 422),
    429: { description: 'Too many token requests for this client id or address (`Retry-After`)' },
    503: { description: 'Too many verifications in progress; retry shortly' },
  },
});

export function oauthRoutes(ctx: ServerContext) {
  const router = newRouter();
  router.openapi(tokenRoute, async (c) => {
    const body = c.req.valid('form');
    const token = await issueAccessToken(
      ctx,
      c.req.header('authorization'),
      body.grant_type,
      clientAddress(c, ctx),
    );
    c.header('Cache-Control', 'no-store');
    return c.json(token, 200);
  });
  return router;
}
