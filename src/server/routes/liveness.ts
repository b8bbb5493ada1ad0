/** Widget-facing liveness API (Bearer = workflow token): challenge, frames, complete. Contract: shared/api/liveness.ts. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  LivenessChallengeResponse,
  LivenessCompleteRequest,
  LivenessCompleteResponse,
  LivenessFrameResponse,
} from '../../shared/api/index.js';
import { requireWorkflowToken } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import {
  completeLivenessChallenge,
  issueLivenessChallenge,
  storeLivenessFrame,
} from '../liveness/liveness-challenges.js';
import { type LivenessOptions, resolveLivenessOptions } from '../liveness/liveness-options.js';

export const LIVENESS_FRAMES_PATH = '/api/v1/session/liveness/{challengeId}/frames';

const ChallengeParams = z.object({ challengeId: z.string().min(1).max(64) });
const FrameForm = z.object({
  file: z.string().meta({ format: 'binary', description: 'JPEG (or PNG) ≤ 80 KB' }),
  meta: z.string().meta({ description: 'LivenessFrameMeta as JSON' }),
});

const challengeRoute = createRoute({
  method: 'post',
  path: '/api/v1/session/liveness',
  tags: ['widget'],
  summary: 'Issue a liveness challenge (abandons an open one)',
  security: bearerSecurity,
  responses: {
    201: jsonResponse(LivenessChallengeResponse, 'Issued'),
    ...errorResponses(401, 409),
  },
});

const framesDoc = createRoute({
  method: 'post',
  path: LIVENESS_FRAMES_PATH,
  tags: ['widget'],
  summary: 'Upload one frame of a challenge; multipart fields `file` and `meta`',
  security: bearerSecurity,
  request: {
    params: ChallengeParams,
    body: { content: { 'multipart/form-data': { schema: FrameForm } }, required: true },
  },
  responses: {
    201: jsonResponse(LivenessFrameResponse, 'Stored'),
    200: jsonResponse(LivenessFrameResponse, 'Already stored (retried upload)'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
    410: { description: 'The challenge expired' },
  },
});

const completeRoute = createRoute({
  method: 'post',
  path: '/api/v1/session/liveness/{challengeId}/complete',
  tags: ['widget'],
  summary: 'Verify the uploaded frames: DONE, RETRY or EXHAUSTED (never a score or a reason)',
  security: bearerSecurity,
  request: { params: ChallengeParams, body: jsonBody(LivenessCompleteRequest) },
  responses: {
    200: jsonResponse(LivenessCompleteResponse, 'Verified'),
    ...errorResponses(401, 403, 404, 409, 422),
    410: { description: 'The challenge expired' },
  },
});

/** `file` and `meta` of a multipart frame upload (a frame is ≤ 80 KB, so the standard form parser is fine). */
async function readFrameUpload(
  request: Request,
): Promise<{ file: Buffer | undefined; meta: string | undefined }> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the frame as multipart/form-data (`file` + `meta`)',
    );
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', 'Malformed multipart body', undefined, { cause: error });
  }
  const file = form.get('file');
  const meta = form.get('meta');
  return {
    file: file instanceof Blob ? Buffer.from(await file.arrayBuffer()) : undefined,
    meta: meta === null ? undefined : typeof meta === 'string' ? meta : await meta.text(),
  };
}

export function livenessRoutes(ctx: ServerContext, overrides: Partial<LivenessOptions> = {}) {
  const options = resolveLivenessOptions(overrides);
  const router = newRouter();
  const widget = requireWorkflowToken(ctx);

  router.openapi({ ...challengeRoute, middleware: [widget] as const }, async (c) => {
    const row = c.var.execution;
    c.header('Cache-Control', 'no-store');
    return c.json({ challenge: await issueLivenessChallenge(ctx, row, options) }, 201);
  });
  router.openapi({ ...completeRoute, middleware: [widget] as const }, async (c) => {
    const row = c.var.execution;
    const { challengeId } = c.req.valid('param');
    c.header('Cache-Control', 'no-store');
    return c.json(await completeLivenessChallenge(ctx, row, challengeId, c.req.valid('json'), options), 200);
  });

  // Multipart is parsed by hand (file + JSON meta), so the upload is documented here and routed below.
  router.openAPIRegistry.registerPath(framesDoc);
  router.post(LIVENESS_FRAMES_PATH.replace('{challengeId}', ':challengeId'), widget, async (c) => {
    const row = c.var.execution;
    const challengeId = c.req.param('challengeId') ?? '';
    const { answer, created } = await storeLivenessFrame(
      ctx,
      row,
      challengeId,
      await readFrameUpload(c.req.raw),
    );
    return c.json(answer, created ? 201 : 200);
  });
  return router;
}
