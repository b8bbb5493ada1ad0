/**
 * Widget-facing API (Bearer = workflow token): session, consent, document, capture metadata, parts, finalize.
 * Parts and finalize are also the credentials API of the API channel (Bearer = a credential's `api.token`): its
 * answers carry the documented envelope and an upload answers 200 there (the widget's sdk / web tokens keep 201 for
 * a new part, which the widget's transport relies on).
 */
import { createHash } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  CredentialEnvelope,
  CaptureMetadataRequest,
  CaptureMetadataResponse,
  ConsentRequest,
  ConsentResponse,
  DocumentSelectionRequest,
  DocumentSelectionResponse,
  FinalizeResponse,
  PartClassifier,
  PartUploadResponse,
  SessionResponse,
} from '../../shared/api/index.js';
import { bearerToken } from '../auth/bearer.js';
import { requireWorkflowToken } from '../auth/middleware.js';
import type { WorkflowGrant } from '../auth/workflow-tokens.js';
import type { AppEnv, ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { credentialEnvelope } from '../executions/credential-data.js';
import {
  chooseDocument,
  finalizeExecution,
  readSession,
  recordCaptureMetadata,
  recordConsent,
  removePart,
  resolvePartTarget,
  storePart,
} from '../executions/widget-session.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { extractMultipartFile } from '../media/multipart-file.js';
import { bearerSecurity, newRouter } from '../http/router.js';

export const PART_PATH =
  '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/{classifier}';

const Id = z.string().min(1).max(64);
const ExecutionParams = z.object({ accountId: Id, workflowExecutionId: Id });
const PartParams = ExecutionParams.extend({ credentialId: Id, classifier: PartClassifier });
const PartUploadForm = z.object({
  file: z.string().meta({ format: 'binary', description: 'JPEG or PNG (PDF for ID)' }),
});
const idempotencyHeader = z.object({
  'idempotency-key': z.string().max(255).optional().meta({ description: 'Replays the first answer' }),
});

const sessionRoute = createRoute({
  method: 'get',
  path: '/api/v1/session',
  tags: ['widget'],
  summary: 'Everything the widget needs to start or resume',
  security: bearerSecurity,
  responses: { 200: jsonResponse(SessionResponse, 'Session'), ...errorResponses(401) },
});

const consentRoute = createRoute({
  method: 'post',
  path: '/api/v1/session/consent',
  tags: ['widget'],
  summary: 'Record the user’s consent',
  security: bearerSecurity,
  request: { body: jsonBody(ConsentRequest) },
  responses: { 200: jsonResponse(ConsentResponse, 'Recorded'), ...errorResponses(400, 401, 409, 422) },
});

const documentRoute = createRoute({
  method: 'put',
  path: '/api/v1/session/document',
  tags: ['widget'],
  summary: 'Choose the document type and issuing country',
  security: bearerSecurity,
  request: { body: jsonBody(DocumentSelectionRequest) },
  responses: {
    200: jsonResponse(DocumentSelectionResponse, 'Chosen'),
    ...errorResponses(400, 401, 409, 422),
  },
});

const metadataRoute = createRoute({
  method: 'post',
  path: '/api/v1/session/capture-metadata',
  tags: ['widget'],
  summary: 'Store how the images were captured (no images)',
  security: bearerSecurity,
  request: { body: jsonBody(CaptureMetadataRequest) },
  responses: { 200: jsonResponse(CaptureMetadataResponse, 'Stored'), ...errorResponses(400, 401, 409, 422) },
});

const finalizeRoute = createRoute({
  method: 'put',
  path: '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
  tags: ['widget'],
  summary: 'Finalize capture: status ACQUIRED and processing starts (idempotent)',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(FinalizeResponse, 'Acquired'), ...errorResponses(401, 403, 409, 422) },
});

const uploadDoc = (method: 'post' | 'put') =>
  createRoute({
    method,
    path: PART_PATH,
    tags: ['widget'],
    summary: 'Upload (create or replace) one part image; multipart field `file`',
    security: bearerSecurity,
    request: {
      params: PartParams,
      headers: idempotencyHeader,
      body: { content: { 'multipart/form-data': { schema: PartUploadForm } }, required: true },
    },
    responses: {
      201: jsonResponse(PartUploadResponse, 'Created (widget token)'),
      200: jsonResponse(
        z.union([CredentialEnvelope, PartUploadResponse]),
        'api.token: stored (always 200), with the credentials envelope; widget token: replaced',
      ),
      ...errorResponses(401, 403, 404, 409, 413, 415, 422),
    },
  });

const deleteDoc = createRoute({
  method: 'delete',
  path: PART_PATH,
  tags: ['widget'],
  summary: 'Remove an uploaded part',
  security: bearerSecurity,
  request: { params: PartParams, headers: idempotencyHeader },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
});

/**
 * Multipart field `file`, or the raw image as the body. The body is read once into a Buffer and the file is a view
 * of it: no copy on the way to validation.
 */
export async function readUpload<E extends AppEnv>(c: Context<E>): Promise<Buffer> {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    const file = extractMultipartFile(await readBody(c), type, 'file');
    if (!file) throw new ApiError(422, 'MISSING_FILE', 'Multipart field `file` is required');
    return file;
  }
  if (/^(image\/|application\/(pdf|octet-stream))/.test(type)) return readBody(c);
  throw new ApiError(422, 'MISSING_FILE', 'Send the image as multipart field `file`');
}

export async function readBody<E extends AppEnv>(c: Context<E>): Promise<Buffer> {
  try {
    return Buffer.from(await c.req.arrayBuffer());
  } catch (error) {
    // The body limit answers with its own ApiError; anything else is a client that broke off mid-body.
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', 'The request body could not be read', undefined, { cause: error });
  }
}

interface StoredAnswer {
  status: number;
  body: string;
}

/**
 * `Idempotency-Key`: a retried request gets the first answer instead of doing the work again. The key is bound to
 * the method, the path and the uploaded file's sha256 (the multipart envelope differs between retries, the file
 * does not): the same key with another request or another file is 409 `IDEMPOTENCY_KEY_MISMATCH`.
 */
export async function withIdempotency<E extends AppEnv>(
  ctx: ServerContext,
  c: Context<E>,
  executionId: string,
  content: Uint8Array | undefined,
  work: () => Promise<StoredAnswer>,
): Promise<Response> {
  const key = c.req.header('idempotency-key');
  const contentHash = content ? ` ${createHash('sha256').update(content).digest('hex')}` : '';
  const fingerprint = `${c.req.method} ${c.req.path}${contentHash}`;
  const reply = (answer: StoredAnswer) =>
    answer.status === 204
      ? c.body(null, 204)
      : c.body(answer.body, answer.status as 200, { 'Content-Type': 'application/json' });
  if (!key) return reply(await work());
  if (key.length > 255) throw new ApiError(422, 'VALIDATION_FAILED', 'Idempotency-Key is too long');
  const previous = await ctx.db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('execution_id', '=', executionId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (previous) {
    if (previous.request_fingerprint !== fingerprint) {
      throw new ApiError(409, 'IDEMPOTENCY_KEY_MISMATCH', 'Idempotency-Key was used for another request');
    }
    c.header('Idempotent-Replayed', 'true');
    return reply({ status: previous.status, body: previous.body });
  }
  const answer = await work();
  await ctx.db
    .insertInto('idempotency_keys')
    .values({
      execution_id: executionId,
      idempotency_key: key,
      request_fingerprint: fingerprint,
      status: answer.status,
      body: answer.body,
      created_at: ctx.clock.now().toISOString(),
    })
    .onConflict((oc) => oc.columns(['execution_id', 'idempotency_key']).doNothing())
    .execute();
  return reply(answer);
}

export function sessionRoutes(ctx: ServerContext) {
  const router = newRouter();
  const reading = requireWorkflowToken(ctx, { activity: 'read' });
  const widget = requireWorkflowToken(ctx);
  const apiChannel = requireWorkflowToken(ctx, { apiChannel: true });

  router.openapi({ ...sessionRoute, middleware: [reading] as const }, async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await readSession(ctx, c.var.execution), 200);
  });
  router.openapi({ ...consentRoute, middleware: [widget] as const }, async (c) => {
    return c.json(await recordConsent(ctx, c.var.execution, c.req.valid('json')), 200);
  });
  router.openapi({ ...documentRoute, middleware: [widget] as const }, async (c) => {
    const body = c.req.valid('json');
    await chooseDocument(ctx, c.var.execution, body);
    return c.json({ document: body }, 200);
  });
  router.openapi({ ...metadataRoute, middleware: [widget] as const }, async (c) => {
    const receivedAt = await recordCaptureMetadata(ctx, c.var.execution, c.req.valid('json'));
    return c.json({ captureMetadata: { receivedAt } }, 200);
  });
  router.openapi({ ...finalizeRoute, middleware: [apiChannel] as const }, async (c) => {
    return c.json(await finalizeExecution(ctx, c.var.execution, c.req.valid('param')), 200);
  });

  // Uploads are parsed by hand (multipart or raw body), so they are documented here and routed below.
  router.openAPIRegistry.registerPath(uploadDoc('post'));
  router.openAPIRegistry.registerPath(uploadDoc('put'));
  router.openAPIRegistry.registerPath(deleteDoc);
  const honoPartPath = PART_PATH.replace(/\{(\w+)\}/g, ':$1');
  router.on(['POST', 'PUT'], honoPartPath, apiChannel, async (c) => {
    const { execution: row, grant } = c.var;
    const target = await resolvePartTarget(ctx, row, grant, partAddress(c));
    const upload = await readUpload(c);
    return withIdempotency(ctx, c, row.id, upload, async () => {
      const { part, partId, created } = await storePart(ctx, row, target, upload);
      if (grant.kind !== 'api') return { status: created ? 201 : 200, body: JSON.stringify({ part }) };
      const envelope = credentialEnvelope(ctx, row, target.credential, apiTokenOf(c, grant), {
        part: { id: partId, validity: 'VALID', ...part },
      });
      return { status: 200, body: JSON.stringify(envelope) };
    });
  });
  router.delete(honoPartPath, apiChannel, async (c) => {
    const { execution: row, grant } = c.var;
    const target = await resolvePartTarget(ctx, row, grant, partAddress(c));
    return withIdempotency(ctx, c, row.id, undefined, async () => {
      await removePart(ctx, row, target);
      return { status: 204, body: '' };
    });
  });
  return router;
}

/** The caller's own api.token, echoed in the envelope's `api` block (only its hash is stored). */
export function apiTokenOf<E extends AppEnv>(c: Context<E>, grant: WorkflowGrant): string | undefined {
  return grant.kind === 'api' ? bearerToken(c.req.header('authorization')) : undefined;
}

function partAddress<E extends AppEnv>(c: Context<E>) {
  return {
    accountId: c.req.param('accountId') ?? '',
    workflowExecutionId: c.req.param('workflowExecutionId') ?? '',
    credentialId: c.req.param('credentialId') ?? '',
    classifier: c.req.param('classifier') ?? '',
  };
}
