/**
 * Credentials API of the API channel (Bearer = the credential's `api.token`, or the widget's token): a document
 * uploaded without a classifier (images or one PDF → pages), delete all pages, and credential data (prefill).
 * Single parts and finalize are in session.ts (the widget shares them).
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { CredentialData, CredentialEnvelope } from '../../shared/api/index.js';
import { requireWorkflowToken } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import {
  credentialEnvelope,
  removeAllParts,
  storeCredentialData,
  storePages,
} from '../executions/credential-data.js';
import { resolveCredential } from '../executions/widget-session.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { apiTokenOf, readBody, withIdempotency } from './session.js';

export const PAGES_PATH =
  '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts';
export const DATA_PATH =
  '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/data';

const Id = z.string().min(1).max(64);
const CredentialParams = z.object({ accountId: Id, workflowExecutionId: Id, credentialId: Id });
const PagesForm = z.object({
  file: z
    .array(z.string().meta({ format: 'binary' }))
    .meta({ description: 'One or two images (JPEG / PNG), or one PDF of one or two pages, in page order' }),
});

const pagesDoc = createRoute({
  method: 'post',
  path: PAGES_PATH,
  tags: ['credentials'],
  summary: 'Upload a document without a classifier: page 1 becomes FRONT, page 2 BACK (replaces those parts)',
  security: bearerSecurity,
  request: {
    params: CredentialParams,
    body: { content: { 'multipart/form-data': { schema: PagesForm } }, required: true },
  },
  responses: {
    200: jsonResponse(CredentialEnvelope, 'Stored; `parts` lists the pages'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

const deletePagesRoute = createRoute({
  method: 'delete',
  path: PAGES_PATH,
  tags: ['credentials'],
  summary: 'Delete all pages (every part) of a credential',
  security: bearerSecurity,
  request: { params: CredentialParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409) },
});

const dataRoute = (method: 'put' | 'post') =>
  createRoute({
    method,
    path: DATA_PATH,
    tags: ['credentials'],
    summary:
      method === 'put'
        ? 'Set the credential data the customer knows (prefill), replacing earlier data'
        : 'Add credential data (prefill), merged over earlier data',
    description:
      'Stored as PII (deleted with the execution) and compared with the document by the dataChecks capability ' +
      '(label MISMATCH_PREFILLED_DATA when they disagree).',
    security: bearerSecurity,
    request: { params: CredentialParams, body: jsonBody(CredentialData) },
    responses: {
      200: jsonResponse(CredentialEnvelope, 'Stored; `data` is what is stored now'),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  });

export function credentialRoutes(ctx: ServerContext) {
  const router = newRouter();
  const apiChannel = requireWorkflowToken(ctx, { apiChannel: true });

  router.openapi({ ...deletePagesRoute, middleware: [apiChannel] as const }, async (c) => {
    const { execution, grant } = c.var;
    const credential = await resolveCredential(ctx, execution, grant, c.req.valid('param'));
    await removeAllParts(ctx, execution, credential);
    return c.body(null, 204);
  });
  for (const [method, mode] of [
    ['put', 'replace'],
    ['post', 'merge'],
  ] as const) {
    router.openapi({ ...dataRoute(method), middleware: [apiChannel] as const }, async (c) => {
      const { execution, grant } = c.var;
      const credential = await resolveCredential(ctx, execution, grant, c.req.valid('param'));
      const data = await storeCredentialData(ctx, execution, credential, c.req.valid('json'), mode);
      return c.json(credentialEnvelope(ctx, execution, credential, apiTokenOf(c, grant), { data }), 200);
    });
  }

  // Several files in one multipart body: parsed by hand, documented here.
  router.openAPIRegistry.registerPath(pagesDoc);
  router.post(PAGES_PATH.replace(/\{(\w+)\}/g, ':$1'), apiChannel, async (c) => {
    const { execution, grant } = c.var;
    const credential = await resolveCredential(ctx, execution, grant, {
      accountId: c.req.param('accountId') ?? '',
      workflowExecutionId: c.req.param('workflowExecutionId') ?? '',
      credentialId: c.req.param('credentialId') ?? '',
    });
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('multipart/form-data')) {
      throw new ApiError(422, 'MISSING_FILE', 'Send the pages as multipart fields `file`');
    }
    const body = await readBody(c);
    let files: Uint8Array[];
    try {
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
      files = await Promise.all(
        form
          .getAll('file')
          .filter((value): value is File => typeof value !== 'string')
          .map(async (file) => new Uint8Array(await file.arrayBuffer())),
      );
    } catch (error) {
      throw new ApiError(400, 'BAD_REQUEST', 'Malformed multipart body', undefined, { cause: error });
    }
    // The multipart envelope differs between retries; the files do not.
    return withIdempotency(ctx, c, execution.id, Buffer.concat(files), async () => {
      const parts = await storePages(ctx, execution, credential, files);
      const envelope = credentialEnvelope(ctx, execution, credential, apiTokenOf(c, grant), {
        parts: parts.map(({ id, classifier, validity }) => ({ id, classifier, validity })),
      });
      return { status: 200, body: JSON.stringify(envelope) };
    });
  });
  return router;
}
