/** `POST /api/web/v1/idproofing`: the ID-proofing search over a client's own executions (OAuth Bearer). */
import { createRoute } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { apiErrorFromZod } from '../http/errors.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { searchIdProofing } from '../search/idproofing-search.js';
import { IdProofingSearchRequest, IdProofingSearchResponse } from '../search/schemas.js';

const searchRoute = createRoute({
  method: 'post',
  path: '/api/web/v1/idproofing',
  tags: ['idproofing'],
  summary: 'Search the workflow executions of this client by attributes, with cursor paging',
  description:
    'Conditions in `searchByAttributes` all hold (AND). Results are ordered by `orderByAttribute` (default ' +
    '`createdAt` DESC; executions without a value last), then by id. Page with the `nextCursor` / `prevCursor` ' +
    'of an answer: a cursor is opaque, signed, and good only for the same search by the same client. Any mistake ' +
    'in the body answers 400 with the error body. Field mapping: docs/idproofing.md.',
  security: bearerSecurity,
  request: { body: jsonBody(IdProofingSearchRequest) },
  responses: {
    200: jsonResponse(IdProofingSearchResponse, 'One page of results'),
    ...errorResponses(400, 401, 413),
  },
});

/** A search body that does not parse is the caller's mistake: 400 (not the routers' 422), as the documents say. */
function badRequestHook(result: { success: boolean; error?: ZodError }): void {
  if (result.success || !result.error) return;
  const error = apiErrorFromZod(result.error, 'body');
  const code = error.code === 'UNKNOWN_FIELD' ? 'UNKNOWN_FIELD' : 'BAD_REQUEST';
  throw new ApiError(400, code, error.message, error.issues);
}

export function idProofingRoutes(ctx: ServerContext) {
  const router = newRouter();
  router.openapi(
    { ...searchRoute, middleware: [requireClient(ctx)] as const },
    async (c) => c.json(await searchIdProofing(ctx, c.var.client, c.req.valid('json')), 200),
    // The hook only throws; its declared type wants the route's response type as a return.
    badRequestHook as never,
  );
  return router;
}
