/**
 * SDK steps of the KYC API (headers `client-id` + `Authorization: Bearer <session_token>`), built once and mounted for
 * both session kinds: `/kyc/v2/idv/sdk/…` (document type, front, back, selfie, liveness) and `/kyc/v2/ida/sdk/…`
 * (selfie and liveness only). Each step is the engine's own (consent, document choice, part upload, liveness
 * challenge, finalize), so a session captured here is decided exactly as one captured by the widget.
 *
 * Order: consent first (every step but session/read answers 409 CONSENT_REQUIRED before it); the document images
 * need the document type (409 STEP_OUT_OF_ORDER); finalize needs the required images (409 MISSING_PARTS).
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodType } from 'zod';
import { LIVENESS_MAX_FRAMES } from '../../shared/api/index.js';
import type { AppEnv, ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import {
  assertExecutionActive,
  type ExecutionRow,
  whileExecutionActive,
} from '../executions/execution-row.js';
import {
  chooseDocument,
  finalizeExecution,
  hasConsent,
  loadCredentials,
  recordConsent,
  storePart,
} from '../executions/widget-session.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { newRouter } from '../http/router.js';
import {
  completeLivenessChallenge,
  issueLivenessChallenge,
  livenessStatus,
  storeLivenessFrame,
} from '../liveness/liveness-challenges.js';
import { type LivenessOptions, resolveLivenessOptions } from '../liveness/liveness-options.js';
import { assertSameSession, type KycSdkVariables, type KycSessionRow, requireSdkSession } from './auth.js';
import { storageFileType } from './session-files.js';
import {
  type ImageLocations,
  type KycSdkSession as KycSdkSessionBody,
  KycSdkSession,
  SdkConsentRequest,
  SdkConsentResponse,
  SdkDocumentTypeRequest,
  SdkDocumentTypeResponse,
  SdkFinalizeIda,
  SdkFinalizeIdv,
  SdkImageForm,
  SdkImageResponse,
  SdkLivenessForm,
  SdkLivenessResult,
  SdkLivenessSession,
  SdkMetadataRequest,
  SessionRequest,
} from './session-schemas.js';
import {
  decisionOf,
  ENGINE_DOCUMENT_TYPE,
  ensureKycSession,
  expiresAt,
  kycDecision,
  kycStatus,
  sanctionsOf,
  verifiedOf,
} from './sessions.js';
import { idaVerdict } from './ida-sessions.js';
import type { KycSessionKind } from './tables.js';
import { kycDb } from './tables.js';

const sdkSecurity = [{ clientIdHeader: [], bearerAuth: [] }];

type SdkEnv = AppEnv & { Variables: KycSdkVariables };

/** The images an SDK adds, and the part each one is. */
const IMAGE_STEPS = {
  front: { classifier: 'FRONT', category: 'ID', path: 'front-image' },
  back: { classifier: 'BACK', category: 'ID', path: 'back-image' },
  selfie: { classifier: 'FACE', category: 'SELFIE', path: 'selfie-image' },
} as const;
type ImageStep = keyof typeof IMAGE_STEPS;

function requireConsent(execution: ExecutionRow): void {
  if (!hasConsent(execution)) {
    throw new ApiError(409, 'CONSENT_REQUIRED', 'Send the consent step (…/sdk/consent) first');
  }
}

/** The document type counts as given when the SDK chose one (even `unknown`) or the workflow API did. */
function documentTypeGiven(execution: ExecutionRow, session: KycSessionRow | undefined): boolean {
  return Boolean(session?.document_type_given_at || execution.document_type);
}

async function readForm(c: Context<SdkEnv>): Promise<FormData> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data');
  }
  try {
    return await c.req.raw.formData();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', 'Malformed multipart body', undefined, { cause: error });
  }
}

function formText(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** The form's `session_id` must name the token's session (checked before anything is read or stored). */
function formSessionId(form: FormData, execution: ExecutionRow): string {
  const sessionId = formText(form, 'session_id');
  if (!sessionId) {
    throw new ApiError(422, 'VALIDATION_FAILED', 'Multipart field `session_id` is required', [
      { path: 'session_id', code: 'required', message: 'required' },
    ]);
  }
  assertSameSession(execution, sessionId);
  return sessionId;
}

/** Optional `latitude` / `longitude` form fields: both or neither, in range. */
function formLocation(form: FormData): { latitude: number; longitude: number } | undefined {
  const lat = formText(form, 'latitude');
  const lng = formText(form, 'longitude');
  if (lat === undefined && lng === undefined) return undefined;
  const latitude = Number(lat);
  const longitude = Number(lng);
  const issues = [
    ...(lat === undefined || !Number.isFinite(latitude) || Math.abs(latitude) > 90
      ? [{ path: 'latitude' }]
      : []),
    ...(lng === undefined || !Number.isFinite(longitude) || Math.abs(longitude) > 180
      ? [{ path: 'longitude' }]
      : []),
  ];
  if (issues.length > 0) {
    throw new ApiError(
      422,
      'VALIDATION_FAILED',
      'latitude (−90…90) and longitude (−180…180) go together',
      issues,
    );
  }
  return { latitude, longitude };
}

async function formFiles(form: FormData, name: string): Promise<Buffer[]> {
  const files = form.getAll(name).filter((value): value is File => typeof value !== 'string');
  return Promise.all(files.map(async (file) => Buffer.from(await file.arrayBuffer())));
}

export async function sdkSessionView(
  ctx: ServerContext,
  execution: ExecutionRow,
  session: KycSessionRow | undefined,
  kind: KycSessionKind,
): Promise<KycSdkSessionBody> {
  const parts = await ctx.db
    .selectFrom('parts')
    .select(['classifier'])
    .where('execution_id', '=', execution.id)
    .execute();
  const has = (classifier: string) => (parts.some((p) => p.classifier === classifier) ? 'done' : 'pending');
  const idv = kind === 'idv';
  const passport = execution.document_type === 'PASSPORT';
  const liveness = await livenessStatus(ctx, execution);
  return {
    session_id: execution.id,
    kind,
    status: await kycStatus(ctx, execution.id),
    steps: {
      consent: hasConsent(execution) ? 'done' : 'pending',
      document_type: !idv ? 'not_required' : documentTypeGiven(execution, session) ? 'done' : 'pending',
      front_image: idv ? has('FRONT') : 'not_required',
      back_image: idv && !passport ? has('BACK') : 'not_required',
      selfie_image: has('FACE'),
      liveness: liveness === 'DONE' ? 'done' : liveness === 'NOT_REQUIRED' ? 'not_required' : 'pending',
    },
    expires_at: expiresAt(execution),
  };
}

/** The current verdict (re-read on every call: a repeat finalize never replays a stale answer). */
async function finalizeAnswer(ctx: ServerContext, executionId: string, kind: KycSessionKind) {
  const row = await ctx.db
    .selectFrom('workflow_executions')
    .selectAll()
    .where('id', '=', executionId)
    .executeTakeFirstOrThrow();
  const decision = decisionOf(row);
  const status = await kycStatus(ctx, executionId);
  if (kind === 'ida') {
    const { authenticated, reason, decision: verdict } = idaVerdict(row);
    return { session_id: executionId, status, authenticated, reason, decision: verdict };
  }
  return {
    session_id: executionId,
    status,
    verified: verifiedOf(decision),
    ...sanctionsOf(row),
    decision: kycDecision(decision),
  };
}

function sdkJsonRoute<B extends ZodType, R extends ZodType>(
  kind: KycSessionKind,
  path: string,
  summary: string,
  body: B,
  response: R,
) {
  return createRoute({
    method: 'post',
    path: `/kyc/v2/${kind}/sdk${path}`,
    tags: [`kyc: ${kind} sdk`],
    summary,
    security: sdkSecurity,
    request: { body: jsonBody(body) },
    responses: {
      200: jsonResponse(response, 'OK'),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  });
}

function sdkMultipartDoc(
  kind: KycSessionKind,
  path: string,
  summary: string,
  form: ZodType,
  response: ZodType,
) {
  return createRoute({
    method: 'post',
    path: `/kyc/v2/${kind}/sdk${path}`,
    tags: [`kyc: ${kind} sdk`],
    summary,
    security: sdkSecurity,
    request: { body: { content: { 'multipart/form-data': { schema: form } }, required: true } },
    responses: {
      200: jsonResponse(response, 'OK'),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
    },
  });
}

/** The SDK steps of one session kind. */
function sdkRoutesOf(ctx: ServerContext, kind: KycSessionKind, liveness: LivenessOptions) {
  const router = newRouter();
  const sdk = requireSdkSession(ctx, kind);
  const sdkRead = requireSdkSession(ctx, kind, 'read');
  const idv = kind === 'idv';

  router.openapi(
    {
      ...sdkJsonRoute(
        kind,
        '/session/read',
        'Where the session is: status and steps',
        SessionRequest,
        KycSdkSession,
      ),
      middleware: [sdkRead] as const,
    },
    async (c) => {
      assertSameSession(c.var.execution, c.req.valid('json').session_id);
      c.header('Cache-Control', 'no-store');
      return c.json(await sdkSessionView(ctx, c.var.execution, c.var.kycSession, kind), 200);
    },
  );

  router.openapi(
    {
      ...sdkJsonRoute(
        kind,
        '/consent',
        'Record the user’s consent (every other step needs it)',
        SdkConsentRequest,
        SdkConsentResponse,
      ),
      middleware: [sdk] as const,
    },
    async (c) => {
      const body = c.req.valid('json');
      assertSameSession(c.var.execution, body.session_id);
      const recorded = await recordConsent(ctx, c.var.execution, {
        accepted: true,
        ...(body.consent_version ? { version: body.consent_version } : {}),
      });
      return c.json({ session_id: body.session_id, consent_given_at: recorded.consent.at }, 200);
    },
  );

  router.openapi(
    {
      ...sdkJsonRoute(
        kind,
        '/metadata/update',
        'Replace the session’s metadata',
        SdkMetadataRequest,
        KycSdkSession,
      ),
      middleware: [sdk] as const,
    },
    async (c) => {
      const body = c.req.valid('json');
      const { execution } = c.var;
      assertSameSession(execution, body.session_id);
      requireConsent(execution);
      await ensureKycSession(ctx, execution);
      await kycDb(ctx)
        .updateTable('kyc_sessions')
        .set({ metadata: JSON.stringify(body.metadata) })
        .where('execution_id', '=', execution.id)
        .execute();
      const session = await ensureKycSession(ctx, execution);
      return c.json(await sdkSessionView(ctx, execution, session, kind), 200);
    },
  );

  if (idv) {
    router.openapi(
      {
        ...sdkJsonRoute(
          kind,
          '/document-type',
          'Choose the document type (and issuing country); unknown lets the server classify',
          SdkDocumentTypeRequest,
          SdkDocumentTypeResponse,
        ),
        middleware: [sdk] as const,
      },
      async (c) => {
        const body = c.req.valid('json');
        const { execution } = c.var;
        assertSameSession(execution, body.session_id);
        requireConsent(execution);
        if (body.document_type === 'unknown') {
          assertExecutionActive(execution);
          await whileExecutionActive(ctx, execution.id, (trx) =>
            trx
              .updateTable('workflow_executions')
              .set({ document_type: null, document_country: body.issuing_country ?? null })
              .where('id', '=', execution.id)
              .execute(),
          );
        } else {
          await chooseDocument(ctx, execution, {
            type: ENGINE_DOCUMENT_TYPE[body.document_type],
            ...(body.issuing_country ? { country: body.issuing_country } : {}),
          });
        }
        await ensureKycSession(ctx, execution);
        const at = ctx.clock.now().toISOString();
        await kycDb(ctx)
          .updateTable('kyc_sessions')
          .set({ document_type: body.document_type, document_type_given_at: at })
          .where('execution_id', '=', execution.id)
          .execute();
        return c.json(
          { session_id: execution.id, document_type: body.document_type, document_type_given_at: at },
          200,
        );
      },
    );
  }

  const imageSteps: ImageStep[] = idv ? ['front', 'back', 'selfie'] : ['selfie'];
  for (const step of imageSteps) {
    const { classifier, category, path } = IMAGE_STEPS[step];
    router.openAPIRegistry.registerPath(
      sdkMultipartDoc(
        kind,
        `/${path}/add`,
        `Add the ${step} image; multipart session_id, file, latitude?, longitude?`,
        SdkImageForm,
        SdkImageResponse,
      ),
    );
    router.post(`/kyc/v2/${kind}/sdk/${path}/add`, sdk, async (c) => {
      const { execution, kycSession } = c.var;
      const form = await readForm(c);
      const sessionId = formSessionId(form, execution);
      requireConsent(execution);
      if (category === 'ID') {
        if (!documentTypeGiven(execution, kycSession)) {
          throw new ApiError(409, 'STEP_OUT_OF_ORDER', 'Send the document type before the document images');
        }
        if (step === 'back' && execution.document_type === 'PASSPORT') {
          throw new ApiError(409, 'STEP_OUT_OF_ORDER', 'A passport has no back image');
        }
      }
      const location = formLocation(form);
      const [file] = await formFiles(form, 'file');
      if (!file) throw new ApiError(422, 'MISSING_FILE', 'Multipart field `file` is required');
      const credential = (await loadCredentials(ctx, execution.id)).find((cr) => cr.category === category);
      if (!credential) {
        throw new ApiError(409, 'STEP_OUT_OF_ORDER', `This session takes no ${step} image`);
      }
      const { part, partId } = await storePart(ctx, execution, { credential, classifier }, file);
      if (location) {
        const session = await ensureKycSession(ctx, execution);
        const locations: ImageLocations = session.image_locations ? JSON.parse(session.image_locations) : {};
        locations[step] = location;
        await kycDb(ctx)
          .updateTable('kyc_sessions')
          .set({ image_locations: JSON.stringify(locations) })
          .where('execution_id', '=', execution.id)
          .execute();
      }
      return c.json(
        {
          session_id: sessionId,
          file_id: partId,
          storage_file_type: storageFileType(classifier),
          [`${step}_image_given_at`]: part.uploadedAt,
        },
        200,
      );
    });
  }

  router.openapi(
    {
      ...sdkJsonRoute(
        kind,
        '/liveness/generate',
        'Start a liveness session (a challenge of the session’s mode; abandons an open one)',
        SessionRequest,
        SdkLivenessSession,
      ),
      middleware: [sdk] as const,
    },
    async (c) => {
      const { execution } = c.var;
      assertSameSession(execution, c.req.valid('json').session_id);
      requireConsent(execution);
      const challenge = await issueLivenessChallenge(ctx, execution, liveness);
      c.header('Cache-Control', 'no-store');
      return c.json(
        {
          session_id: execution.id,
          liveness_session_id: challenge.id,
          mode: challenge.mode,
          nonce: challenge.nonce,
          actions: challenge.actions,
          burst_frames: challenge.burstFrames ?? null,
          expires_at: challenge.expiresAt,
        },
        200,
      );
    },
  );

  router.openAPIRegistry.registerPath(
    sdkMultipartDoc(
      kind,
      '/liveness/process',
      'Send a liveness session’s frames (meta: JSON array, one LivenessFrameMeta per file) and verify them',
      SdkLivenessForm,
      SdkLivenessResult,
    ),
  );
  router.post(`/kyc/v2/${kind}/sdk/liveness/process`, sdk, async (c) => {
    const { execution } = c.var;
    const form = await readForm(c);
    const sessionId = formSessionId(form, execution);
    requireConsent(execution);
    const livenessSessionId = formText(form, 'liveness_session_id');
    if (!livenessSessionId) {
      throw new ApiError(422, 'VALIDATION_FAILED', 'Multipart field `liveness_session_id` is required', [
        { path: 'liveness_session_id', code: 'required', message: 'required' },
      ]);
    }
    let metas: unknown;
    try {
      metas = JSON.parse(formText(form, 'meta') ?? '');
    } catch (cause) {
      throw new ApiError(400, 'BAD_REQUEST', 'Field `meta` is not a JSON array', undefined, { cause });
    }
    const files = await formFiles(form, 'file');
    if (!Array.isArray(metas) || metas.length !== files.length || files.length === 0) {
      throw new ApiError(422, 'VALIDATION_FAILED', '`meta` must be a JSON array with one entry per `file`', [
        { path: 'meta', code: 'length' },
      ]);
    }
    if (files.length > LIVENESS_MAX_FRAMES) {
      throw new ApiError(422, 'VALIDATION_FAILED', `At most ${LIVENESS_MAX_FRAMES} frames`, [
        { path: 'file' },
      ]);
    }
    for (const [index, file] of files.entries()) {
      await storeLivenessFrame(ctx, execution, livenessSessionId, {
        file,
        meta: JSON.stringify(metas[index]),
      });
    }
    // The frames were checked against the challenge (its nonce included) as they were stored.
    const challenge = await ctx.db
      .selectFrom('liveness_challenges')
      .select(['nonce'])
      .where('id', '=', livenessSessionId)
      .where('execution_id', '=', execution.id)
      .executeTakeFirstOrThrow();
    const result = await completeLivenessChallenge(
      ctx,
      execution,
      livenessSessionId,
      { nonce: challenge.nonce },
      liveness,
    );
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        session_id: sessionId,
        liveness_session_id: livenessSessionId,
        status: result.liveness.status,
        attempts_left: result.liveness.attemptsLeft,
      },
      200,
    );
  });

  router.openapi(
    {
      ...sdkJsonRoute(
        kind,
        '/finalize',
        idv
          ? 'End capture and process (idempotent; answers the current verdict: verified, on_sanction_list)'
          : 'End capture and process (idempotent; answers the current verdict: authenticated, reason)',
        SessionRequest,
        idv ? SdkFinalizeIdv : SdkFinalizeIda,
      ),
      middleware: [sdk] as const,
    },
    async (c) => {
      const { execution } = c.var;
      assertSameSession(execution, c.req.valid('json').session_id);
      if (!execution.finalize_response) {
        requireConsent(execution);
        try {
          await finalizeExecution(ctx, execution, {
            accountId: execution.account_id,
            workflowExecutionId: execution.id,
          });
        } catch (error) {
          // The document's order rule: a step still missing is a conflict with the session's state.
          if (error instanceof ApiError && error.code === 'MISSING_PARTS') {
            throw new ApiError(409, 'MISSING_PARTS', error.message, error.issues);
          }
          throw error;
        }
      }
      c.header('Cache-Control', 'no-store');
      return c.json((await finalizeAnswer(ctx, execution.id, kind)) as never, 200);
    },
  );
  return router;
}

/** `overrides`: the app's liveness options (tests pin the action draw), as the widget's liveness routes get them. */
export function sdkRoutes(ctx: ServerContext, overrides: Partial<LivenessOptions> = {}) {
  const liveness = resolveLivenessOptions(overrides);
  const router = newRouter();
  router.route('/', sdkRoutesOf(ctx, 'idv', liveness));
  router.route('/', sdkRoutesOf(ctx, 'ida', liveness));
  return router;
}
