/**
 * IDV admin operations of the KYC API (Bearer = the client's OAuth access token): create, list, read, anonymize,
 * delete a session; its location, document data, files and tests. Another client's session is 404.
 */
import { createRoute } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { clientAddress } from '../http/client-address.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { findOwnSession } from './auth.js';
import { listSessionFiles, readDocumentData, readSessionFile, readSessionTests } from './session-files.js';
import {
  KycAnonymizeResponse,
  KycDeleteResponse,
  KycDocumentData,
  KycFileList,
  KycFileRequest,
  KycLocation,
  KycSession,
  KycSessionCreateRequest,
  KycSessionCreateResponse,
  KycSessionList,
  KycSessionListRequest,
  KycTests,
  SessionRequest,
} from './session-schemas.js';
import {
  anonymizeKycSession,
  createKycSession,
  deleteKycSession,
  listKycSessions,
  locationOf,
  readKycSession,
} from './sessions.js';

const TAGS = ['kyc: idv sessions'];

/** A POST /kyc/v2/idv/session/… operation with a JSON body. */
function adminRoute<B extends ZodType, R extends ZodType>(
  path: string,
  summary: string,
  body: B,
  response: R,
) {
  return createRoute({
    method: 'post',
    path: `/kyc/v2/idv/session${path}`,
    tags: TAGS,
    summary,
    security: bearerSecurity,
    request: { body: jsonBody(body) },
    responses: { 200: jsonResponse(response, 'OK'), ...errorResponses(400, 401, 403, 404, 409, 422) },
  });
}

const createSessionRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/idv/session/create',
  tags: TAGS,
  summary: 'Create an IDV session (a workflow execution: 10011, or 10013 when settings.screening)',
  security: bearerSecurity,
  request: { body: jsonBody(KycSessionCreateRequest) },
  responses: {
    201: jsonResponse(KycSessionCreateResponse, 'Created'),
    ...errorResponses(400, 401, 403, 404, 422),
  },
});
const listRoute = adminRoute(
  '/list',
  'List IDV sessions with filters and per-status counts',
  KycSessionListRequest,
  KycSessionList,
);
const readRoute = adminRoute('/read', 'Read an IDV session', SessionRequest, KycSession);
const anonymizeRoute = adminRoute(
  '/anonymize',
  'Delete the session’s PII (images, extracted data, metadata, address); the decision stays',
  SessionRequest,
  KycAnonymizeResponse,
);
const deleteRoute = adminRoute(
  '/delete',
  'Anonymize and delete the session (404 afterwards)',
  SessionRequest,
  KycDeleteResponse,
);
const locationRoute = adminRoute(
  '/location/read',
  'The request address (version, private or not) and the image locations; no GeoIP lookup is made',
  SessionRequest,
  KycLocation,
);
const documentReadRoute = adminRoute(
  '/document/read',
  'The document data the extraction read (null before processing)',
  SessionRequest,
  KycDocumentData,
);
const documentListRoute = adminRoute(
  '/document/list',
  'The session’s files: document front / back, selfie, liveness frames',
  SessionRequest,
  KycFileList,
);
const testReadRoute = adminRoute(
  '/test/read',
  'The checks performed on the session (checks not performed are absent)',
  SessionRequest,
  KycTests,
);
const downloadRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/idv/session/document/download',
  tags: TAGS,
  summary: 'The bytes of one file of the session (Cache-Control: no-store)',
  security: bearerSecurity,
  request: { body: jsonBody(KycFileRequest) },
  responses: {
    200: {
      description: 'The file, with its own content type',
      content: {
        'image/jpeg': { schema: { type: 'string', format: 'binary' } },
        'image/png': { schema: { type: 'string', format: 'binary' } },
        'application/pdf': { schema: { type: 'string', format: 'binary' } },
      },
    },
    ...errorResponses(400, 401, 404, 422),
  },
});

/** Client address as seen by this server ('unknown' for in-process requests): null when unknown. */
function requestIp(address: string): string | null {
  return address === 'unknown' ? null : address;
}

export function idvAdminRoutes(ctx: ServerContext) {
  const router = newRouter();
  const client = requireClient(ctx);
  const own = (c: { var: { client: Parameters<typeof findOwnSession>[1] } }, sessionId: string) =>
    findOwnSession(ctx, c.var.client, sessionId, 'idv');

  router.openapi({ ...createSessionRoute, middleware: [client] as const }, async (c) => {
    const body = c.req.valid('json');
    const created = await createKycSession(ctx, c.var.client, body, requestIp(clientAddress(c, ctx)));
    return c.json(created, 201);
  });
  router.openapi({ ...listRoute, middleware: [client] as const }, async (c) =>
    c.json(await listKycSessions(ctx, c.var.client, c.req.valid('json')), 200),
  );
  router.openapi({ ...readRoute, middleware: [client] as const }, async (c) => {
    const { execution, session } = await own(c, c.req.valid('json').session_id);
    c.header('Cache-Control', 'no-store');
    return c.json(await readKycSession(ctx, execution, session), 200);
  });
  router.openapi({ ...anonymizeRoute, middleware: [client] as const }, async (c) => {
    const { execution } = await own(c, c.req.valid('json').session_id);
    return c.json(
      { session_id: execution.id, anonymized_at: await anonymizeKycSession(ctx, execution) },
      200,
    );
  });
  router.openapi({ ...deleteRoute, middleware: [client] as const }, async (c) => {
    const { execution } = await own(c, c.req.valid('json').session_id);
    await deleteKycSession(ctx, execution);
    return c.json({ session_id: execution.id, deleted: true as const }, 200);
  });
  router.openapi({ ...locationRoute, middleware: [client] as const }, async (c) => {
    const { execution, session } = await own(c, c.req.valid('json').session_id);
    return c.json(locationOf(execution.id, session), 200);
  });
  router.openapi({ ...documentReadRoute, middleware: [client] as const }, async (c) => {
    const { execution, session } = await own(c, c.req.valid('json').session_id);
    c.header('Cache-Control', 'no-store');
    return c.json(readDocumentData(execution, session), 200);
  });
  router.openapi({ ...documentListRoute, middleware: [client] as const }, async (c) => {
    const { execution } = await own(c, c.req.valid('json').session_id);
    return c.json(await listSessionFiles(ctx, execution), 200);
  });
  router.openapi({ ...testReadRoute, middleware: [client] as const }, async (c) => {
    const { execution } = await own(c, c.req.valid('json').session_id);
    return c.json(readSessionTests(execution), 200);
  });
  router.openapi({ ...downloadRoute, middleware: [client] as const }, async (c) => {
    const body = c.req.valid('json');
    const { execution } = await own(c, body.session_id);
    const file = await readSessionFile(ctx, execution, body.file_id);
    return c.body(new Uint8Array(file.bytes), 200, {
      'Content-Type': file.mime,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });
  return router;
}
