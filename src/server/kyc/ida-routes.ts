/**
 * KYC API IDA admin operations (issue #16; docs/kyc-api.md): create a returning-user authentication session for a
 * verified identity, list / read / delete sessions, download the selfie. The SDK steps of an IDA session are the
 * shared ones in ./sdk-routes.ts (prefix /kyc/v2/ida/sdk/); the decision is the engine's (./ida-sessions.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { LivenessMode } from '../../shared/api/common.js';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { clientAddress } from '../http/client-address.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { findOwnSession } from './auth.js';
import {
  createIdaSession,
  deleteIdaSession,
  idaSessionFile,
  idaSessionView,
  listIdaSessions,
} from './ida-sessions.js';
import {
  KycDecision,
  KycHistory,
  KycSessionStatus,
  KycStatusCounts,
  SessionId,
  SessionRequest,
} from './session-schemas.js';

const TAGS = ['kyc: ida'];
const Status = KycSessionStatus;
const DecisionSchema = KycDecision.nullable();
const History = KycHistory;

const CreateRequest = z
  .strictObject({
    identity_id: z.string().min(1).max(64),
    liveness_mode: LivenessMode.optional(),
    webhook_url: z.url().max(2048).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'KycIdaCreateRequest' });
const CreateResponse = z
  .object({
    session_id: z.string(),
    session_token: z
      .string()
      .meta({ description: 'Bearer token of the SDK steps (with the client-id header)' }),
    client_id: z.string(),
    identity_id: z.string(),
    status: Status,
    url: z.string().meta({ description: 'The hosted capture page of the session' }),
    expires_at: z.string(),
    kind: z.literal('ida'),
  })
  .meta({ id: 'KycIdaSession' });
const ListRequest = z
  .strictObject({
    take: z.number().int().min(1).max(100).optional(),
    skip: z.number().int().min(0).optional(),
    identity_id: z.string().min(1).max(64).optional(),
    date_from: z.iso.datetime({ offset: true }).optional(),
    date_to: z.iso.datetime({ offset: true }).optional(),
    status: Status.optional(),
  })
  .meta({ id: 'KycIdaListRequest' });
const Summary = z.object({
  session_id: z.string(),
  kind: z.literal('ida'),
  identity_id: z.string().nullable(),
  status: Status,
  authenticated: z.boolean().nullable(),
  reason: z.string().nullable(),
  score: z.number().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
});
const ListResponse = z
  .object({
    items: z.array(Summary),
    total: z.number().int(),
    take: z.number().int(),
    skip: z.number().int(),
    meta_counts: KycStatusCounts.extend({
      authenticated: z.number().int(),
      not_authenticated: z.number().int(),
    }),
  })
  .meta({ id: 'KycIdaSessionList' });
const ReadResponse = z
  .object({
    session_id: z.string(),
    kind: z.literal('ida'),
    identity_id: z.string().nullable(),
    status: Status,
    authenticated: z
      .boolean()
      .nullable()
      .meta({ description: 'null until decided; true exactly when the decision is PASSED' }),
    reason: z.string().nullable().meta({ description: 'The decision’s label when not authenticated' }),
    score: z.number().nullable(),
    decision: DecisionSchema,
    face_match: z
      .object({ score: z.number().nullable(), distance: z.number(), threshold: z.number().nullable() })
      .nullable()
      .meta({
        description: 'Selfie against the identity’s face template (descriptor distance; ≤ threshold matches)',
      }),
    liveness: z
      .object({ result: z.enum(['passed', 'failed', 'warning', 'not_executed']), label: z.string() })
      .nullable(),
    created_at: z.string(),
    finalized_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    idv_weights_id: z.string().nullable(),
    history: History,
  })
  .meta({ id: 'KycIdaSessionRecord' });
const DeleteResponse = z
  .object({ session_id: z.string(), deleted: z.literal(true) })
  .meta({ id: 'KycIdaDeleteResponse' });
const DownloadRequest = z
  .strictObject({
    session_id: SessionId,
    file_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'A stored part’s id; the selfie when absent' }),
  })
  .meta({ id: 'KycIdaDownloadRequest' });

const binary = { schema: z.string().meta({ format: 'binary' }) };

const createSessionRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/ida/session/create',
  tags: TAGS,
  summary: 'Create a returning-user authentication session for a verified identity',
  description:
    '404 for an identity that is not the client’s; 409 IDENTITY_NOT_VERIFIED when it is not verified or has no ' +
    'face template. The user then takes a selfie and passes a liveness challenge (SDK steps under /kyc/v2/ida/sdk/).',
  security: bearerSecurity,
  request: { body: jsonBody(CreateRequest) },
  responses: {
    201: jsonResponse(CreateResponse, 'Session created'),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});
const listRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/ida/session/list',
  tags: TAGS,
  summary: 'The client’s IDA sessions, newest first, with counts per status',
  security: bearerSecurity,
  request: { body: jsonBody(ListRequest) },
  responses: { 200: jsonResponse(ListResponse, 'One page'), ...errorResponses(400, 401, 422) },
});
const readRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/ida/session/read',
  tags: TAGS,
  summary: 'One IDA session: status, verdict, face match and liveness results, history',
  security: bearerSecurity,
  request: { body: jsonBody(SessionRequest) },
  responses: { 200: jsonResponse(ReadResponse, 'The session'), ...errorResponses(400, 401, 404, 422) },
});
const deleteRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/ida/session/delete',
  tags: TAGS,
  summary: 'Delete an IDA session: its images and data are wiped and it is no longer listed or readable',
  security: bearerSecurity,
  request: { body: jsonBody(SessionRequest) },
  responses: { 200: jsonResponse(DeleteResponse, 'Deleted'), ...errorResponses(400, 401, 404, 422) },
});
const downloadRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/ida/session/download',
  tags: TAGS,
  summary: 'A stored image of the session (the selfie when file_id is absent)',
  security: bearerSecurity,
  request: { body: jsonBody(DownloadRequest) },
  responses: {
    200: { description: 'Image bytes', content: { 'image/jpeg': binary, 'image/png': binary } },
    ...errorResponses(400, 401, 404, 422),
  },
});

const FILE_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

export function idaRoutes(ctx: ServerContext) {
  const router = newRouter();
  const client = requireClient(ctx);

  router.openapi({ ...createSessionRoute, middleware: [client] as const }, async (c) =>
    c.json(await createIdaSession(ctx, c.var.client, c.req.valid('json'), clientAddress(c, ctx)), 201),
  );

  router.openapi({ ...listRoute, middleware: [client] as const }, async (c) =>
    c.json(await listIdaSessions(ctx, c.var.client, c.req.valid('json')), 200),
  );

  router.openapi({ ...readRoute, middleware: [client] as const }, async (c) => {
    const { execution, session } = await findOwnSession(
      ctx,
      c.var.client,
      c.req.valid('json').session_id,
      'ida',
    );
    // findOwnSession answers kind ida only for sessions with a KYC row.
    return c.json(await idaSessionView(ctx, execution, session as NonNullable<typeof session>), 200);
  });

  router.openapi({ ...deleteRoute, middleware: [client] as const }, async (c) => {
    const { execution } = await findOwnSession(ctx, c.var.client, c.req.valid('json').session_id, 'ida');
    await deleteIdaSession(ctx, execution);
    return c.json({ session_id: execution.id, deleted: true as const }, 200);
  });

  router.openapi({ ...downloadRoute, middleware: [client] as const }, async (c) => {
    const body = c.req.valid('json');
    const { execution } = await findOwnSession(ctx, c.var.client, body.session_id, 'ida');
    const file = await idaSessionFile(ctx, execution, body.file_id);
    return c.body(new Uint8Array(file.bytes), 200, { 'Content-Type': file.mime, ...FILE_HEADERS });
  });

  return router;
}
