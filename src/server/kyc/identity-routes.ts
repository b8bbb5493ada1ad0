/**
 * KYC API identities (issue #16; docs/kyc-api.md): list / read / read many / anonymize (admin, Bearer), the SDK's
 * status of an IDA session's identity, the document of the latest verifying session, and its images. Identities
 * are created and updated by decided IDV sessions (./identities.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { z } from 'zod';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { readPartImage } from '../executions/retrieval.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { assertSameSession, requireSdkSession } from './auth.js';
import {
  anonymizeIdentity,
  canAuthenticate,
  findOwnIdentity,
  type IdentityRow,
  identityViews,
  type KycDocument,
} from './identities.js';
import { KycDocumentData } from './session-schemas.js';
import { kycDb } from './tables.js';

const TAGS = ['kyc: identities'];
const sdkSecurity = [{ clientIdHeader: [], bearerAuth: [] }];
const IdentityId = z.string().min(1).max(64).meta({ description: 'The identity’s id' });
const Nullable = z.string().nullable();

export const KycIdentitySchema = z
  .object({
    identity_id: z.string(),
    client_id: z.string(),
    user_id: Nullable,
    status: z.enum(['verified', 'unverified', 'anonymized']),
    verified: z.boolean(),
    score: z
      .number()
      .nullable()
      .meta({ description: '0–100, higher is better (100 − the decision’s risk score)' }),
    first_name: Nullable,
    last_name: Nullable,
    full_name: Nullable,
    birth_date: Nullable,
    gender: Nullable,
    nationality: Nullable,
    document_type: Nullable,
    document_number: Nullable,
    issuing_country: Nullable,
    expiry_date: Nullable,
    has_face_template: z
      .boolean()
      .meta({ description: 'Whether returning-user authentication can compare a selfie' }),
    latest_session_id: Nullable,
    session_ids: z.array(z.string()).meta({ description: 'Its IDV sessions, oldest first' }),
    verified_at: Nullable,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'KycIdentity' });

export const KycIdentityDocumentSchema = KycDocumentData.omit({ session_id: true }).meta({
  id: 'KycIdentityDocument',
});

const ListRequest = z
  .strictObject({
    take: z.number().int().min(1).max(100).optional(),
    skip: z.number().int().min(0).optional(),
    search_term: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Part of a name, the document number, the user id or the identity id' }),
    user_id: z.string().min(1).max(255).optional(),
    verified: z.boolean().optional(),
  })
  .meta({ id: 'KycIdentityListRequest' });
const ListResponse = z
  .object({
    items: z.array(KycIdentitySchema),
    total: z.number().int(),
    take: z.number().int(),
    skip: z.number().int(),
  })
  .meta({ id: 'KycIdentityList' });
const ReadRequest = z.strictObject({ identity_id: IdentityId }).meta({ id: 'KycIdentityReadRequest' });
const ReadManyRequest = z
  .strictObject({ identity_ids: z.array(IdentityId).min(1).max(100) })
  .meta({ id: 'KycIdentityReadManyRequest' });
const ReadManyResponse = z
  .object({ items: z.array(KycIdentitySchema), not_found: z.array(z.string()) })
  .meta({ id: 'KycIdentityReadManyResponse' });
const AnonymizeResponse = z
  .object({ identity_id: z.string(), anonymized_at: z.string() })
  .meta({ id: 'KycIdentityAnonymizeResponse' });
const SdkStatusRequest = z
  .strictObject({ session_id: z.string().min(1).max(64) })
  .meta({ id: 'KycIdentitySdkStatusRequest' });
const SdkStatusResponse = z
  .object({ identity_id: z.string(), verified: z.boolean(), can_authenticate: z.boolean() })
  .meta({ id: 'KycIdentitySdkStatus' });
const DocumentResponse = z
  .object({ identity_id: z.string(), session_id: z.string(), document: KycIdentityDocumentSchema })
  .meta({ id: 'KycIdentityCompletedDocument' });
const IMAGE_TYPES = {
  selfie: { category: 'SELFIE', classifier: 'FACE' },
  document_front: { category: 'ID', classifier: 'FRONT' },
  document_back: { category: 'ID', classifier: 'BACK' },
} as const;
const ImageRequest = z
  .strictObject({
    identity_id: IdentityId,
    image_type: z.enum(Object.keys(IMAGE_TYPES) as Array<keyof typeof IMAGE_TYPES>),
  })
  .meta({ id: 'KycIdentityImageRequest' });

const binary = { schema: z.string().meta({ format: 'binary' }) };

const listRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/list',
  tags: TAGS,
  summary: 'The client’s identities, newest first',
  security: bearerSecurity,
  request: { body: jsonBody(ListRequest) },
  responses: { 200: jsonResponse(ListResponse, 'One page'), ...errorResponses(400, 401, 422) },
});
const readRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/read',
  tags: TAGS,
  summary: 'One identity',
  security: bearerSecurity,
  request: { body: jsonBody(ReadRequest) },
  responses: { 200: jsonResponse(KycIdentitySchema, 'The identity'), ...errorResponses(400, 401, 404, 422) },
});
const readManyRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/read-many',
  tags: TAGS,
  summary: 'Several identities at once; ids that are not the client’s are listed in not_found',
  security: bearerSecurity,
  request: { body: jsonBody(ReadManyRequest) },
  responses: {
    200: jsonResponse(ReadManyResponse, 'The identities found'),
    ...errorResponses(400, 401, 422),
  },
});
const anonymizeRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/anonymize',
  tags: TAGS,
  summary: 'Clear the person, document data and face template of an identity (it can no longer authenticate)',
  security: bearerSecurity,
  request: { body: jsonBody(ReadRequest) },
  responses: { 200: jsonResponse(AnonymizeResponse, 'Anonymized'), ...errorResponses(400, 401, 404, 422) },
});
const sdkStatusRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/sdk/status',
  tags: TAGS,
  summary: 'SDK: the identity an IDA session authenticates, and whether it can (client-id + session token)',
  security: sdkSecurity,
  request: { body: jsonBody(SdkStatusRequest) },
  responses: {
    200: jsonResponse(SdkStatusResponse, 'The identity’s status'),
    ...errorResponses(400, 401, 403, 404, 422),
  },
});
const documentRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/document/completed',
  tags: TAGS,
  summary: 'The document data of the identity’s latest verifying session',
  security: bearerSecurity,
  request: { body: jsonBody(ReadRequest) },
  responses: { 200: jsonResponse(DocumentResponse, 'The document'), ...errorResponses(400, 401, 404, 422) },
});
const imageRoute = createRoute({
  method: 'post',
  path: '/kyc/v2/identity/image',
  tags: TAGS,
  summary: 'An image of the identity’s latest verifying session: the selfie or a document side',
  security: bearerSecurity,
  request: { body: jsonBody(ImageRequest) },
  responses: {
    200: { description: 'Image bytes', content: { 'image/jpeg': binary, 'image/png': binary } },
    ...errorResponses(400, 401, 404, 422),
  },
});

/** `%`, `_` and `\` in a search term are literal. */
const likePattern = (term: string) => `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const IMAGE_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/** The identity's latest session, when its data is still there (a live identity). */
function latestSessionOf(identity: IdentityRow): string {
  if (identity.anonymized_at || !identity.latest_session_id) {
    throw new ApiError(404, 'NOT_FOUND', 'The identity has no completed session');
  }
  return identity.latest_session_id;
}

export function identityRoutes(ctx: ServerContext) {
  const router = newRouter();
  const client = requireClient(ctx);

  router.openapi({ ...listRoute, middleware: [client] as const }, async (c) => {
    const body = c.req.valid('json');
    let query = kycDb(ctx).selectFrom('identities').where('client_id', '=', c.var.client.id);
    if (body.user_id) query = query.where('user_id', '=', body.user_id);
    if (body.verified !== undefined) query = query.where('verified', '=', body.verified ? 1 : 0);
    if (body.search_term) {
      const pattern = likePattern(body.search_term);
      query = query.where((eb) =>
        eb.or(
          (['first_name', 'last_name', 'document_number', 'user_id', 'id'] as const).map(
            (column) => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`,
          ),
        ),
      );
    }
    const take = body.take ?? 20;
    const skip = body.skip ?? 0;
    const { count } = await query
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .executeTakeFirstOrThrow();
    const rows = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(take)
      .offset(skip)
      .execute();
    return c.json({ items: await identityViews(ctx, rows), total: Number(count), take, skip }, 200);
  });

  router.openapi({ ...readRoute, middleware: [client] as const }, async (c) => {
    const identity = await findOwnIdentity(ctx, c.var.client.id, c.req.valid('json').identity_id);
    const [view] = await identityViews(ctx, [identity]);
    if (!view) throw new ApiError(404, 'NOT_FOUND', 'Identity not found');
    return c.json(view, 200);
  });

  router.openapi({ ...readManyRoute, middleware: [client] as const }, async (c) => {
    const ids = [...new Set(c.req.valid('json').identity_ids)];
    const rows = await kycDb(ctx)
      .selectFrom('identities')
      .selectAll()
      .where('client_id', '=', c.var.client.id)
      .where('id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const found = ids.flatMap((id) => (byId.has(id) ? [byId.get(id) as IdentityRow] : []));
    const items = await identityViews(ctx, found);
    return c.json({ items, not_found: ids.filter((id) => !byId.has(id)) }, 200);
  });

  router.openapi({ ...anonymizeRoute, middleware: [client] as const }, async (c) => {
    const identity = await findOwnIdentity(ctx, c.var.client.id, c.req.valid('json').identity_id);
    const anonymizedAt = await anonymizeIdentity(ctx, identity);
    return c.json({ identity_id: identity.id, anonymized_at: anonymizedAt }, 200);
  });

  router.openapi(
    { ...sdkStatusRoute, middleware: [requireSdkSession(ctx, 'ida', 'read')] as const },
    async (c) => {
      assertSameSession(c.var.execution, c.req.valid('json').session_id);
      const identityId = c.var.kycSession?.identity_id;
      if (!identityId) throw new ApiError(404, 'NOT_FOUND', 'The session has no identity');
      const identity = await findOwnIdentity(ctx, c.var.execution.client_id, identityId);
      return c.json(
        {
          identity_id: identity.id,
          verified: identity.verified === 1,
          can_authenticate: canAuthenticate(identity),
        },
        200,
      );
    },
  );

  router.openapi({ ...documentRoute, middleware: [client] as const }, async (c) => {
    const identity = await findOwnIdentity(ctx, c.var.client.id, c.req.valid('json').identity_id);
    const sessionId = latestSessionOf(identity);
    if (!identity.document_data) throw new ApiError(404, 'NOT_FOUND', 'The identity has no document data');
    const document = JSON.parse(identity.document_data) as KycDocument;
    return c.json({ identity_id: identity.id, session_id: sessionId, document }, 200);
  });

  router.openapi({ ...imageRoute, middleware: [client] as const }, async (c) => {
    const body = c.req.valid('json');
    const identity = await findOwnIdentity(ctx, c.var.client.id, body.identity_id);
    const sessionId = latestSessionOf(identity);
    const target = IMAGE_TYPES[body.image_type];
    const execution = await ctx.db
      .selectFrom('workflow_executions')
      .selectAll()
      .where('id', '=', sessionId)
      .where('client_id', '=', c.var.client.id)
      .executeTakeFirst();
    const credential = execution
      ? await ctx.db
          .selectFrom('credentials')
          .select(['id'])
          .where('execution_id', '=', execution.id)
          .where('category', '=', target.category)
          .executeTakeFirst()
      : undefined;
    if (!execution || !credential) throw new ApiError(404, 'NOT_FOUND', 'Image not found');
    const image = await readPartImage(ctx, execution, credential.id, target.classifier);
    return c.body(new Uint8Array(image.bytes), 200, { 'Content-Type': image.mime, ...IMAGE_HEADERS });
  });

  return router;
}
