/**
 * Weights and requirements of the KYC API (admin, the client's access token): read / update / read-by-id of the
 * versioned weights (./weights.ts) and read / update of the required fields (./requirements.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import {
  KYC_DOCUMENT_TYPES,
  KycRequirement,
  REQUIRABLE_FIELDS,
  REQUIREMENT_SOURCES,
  readRequirements,
  updateRequirement,
} from './requirements.js';
import {
  clientDefaults,
  currentWeights,
  KycWeightsSchema,
  KycWeightsUpdate,
  updateWeights,
  type WeightsVersion,
  weightsById,
} from './weights.js';

const TAGS = ['kyc: weights and requirements'];
const UserId = z.string().min(1).max(255);

const KycWeightsRead = z.strictObject({ user_id: UserId.optional() }).meta({ id: 'KycWeightsReadRequest' });
const KycWeightsUpdateRequest = z
  .strictObject({ user_id: UserId.optional(), weights: KycWeightsUpdate })
  .meta({ id: 'KycWeightsUpdateRequest' });
const KycWeightsById = z
  .strictObject({ idv_weights_id: z.string().min(1).max(64) })
  .meta({ id: 'KycWeightsReadByIdRequest' });
const KycWeightsResponse = z
  .object({
    idv_weights_id: z.string().nullable(),
    version: z.number().int(),
    user_id: z.string().nullable(),
    weights: KycWeightsSchema,
    defaults: KycWeightsSchema,
    created_at: z.string().nullable(),
  })
  .meta({ id: 'KycWeightsVersion' });

const KycRequirementsRead = z
  .strictObject({ user_id: UserId.optional(), document_type: z.enum(KYC_DOCUMENT_TYPES).optional() })
  .meta({ id: 'KycRequirementsReadRequest' });
const FieldName = z.enum(Object.keys(REQUIRABLE_FIELDS) as [keyof typeof REQUIRABLE_FIELDS]);
const KycRequirementsUpdate = z
  .strictObject({
    user_id: UserId.optional(),
    document_type: z.enum(KYC_DOCUMENT_TYPES),
    data_source: z.enum(REQUIREMENT_SOURCES),
    required_fields: z.array(z.unknown()).max(20),
  })
  .meta({ id: 'KycRequirementsUpdateRequest' });
const KycRequirementsResponse = z.object({ items: z.array(KycRequirement) }).meta({ id: 'KycRequirements' });

const post = <Req extends z.ZodType, Res extends z.ZodType>(
  path: string,
  summary: string,
  request: Req,
  response: Res,
  ...errors: Array<404 | 422>
) =>
  createRoute({
    method: 'post',
    path: `/kyc/v2${path}`,
    tags: TAGS,
    summary,
    security: bearerSecurity,
    request: { body: jsonBody(request) },
    responses: { 200: jsonResponse(response, 'OK'), ...errorResponses(400, 401, ...errors) },
  });

const weightsReadRoute = post(
  '/weights/read',
  'The effective weights (the user’s latest, else the client’s, else the defaults)',
  KycWeightsRead,
  KycWeightsResponse,
);
const weightsUpdateRoute = post(
  '/weights/update',
  'Update weights: stores a new version with the full weights (422 INVALID_WEIGHTS out of range)',
  KycWeightsUpdateRequest,
  KycWeightsResponse,
  422,
);
const weightsByIdRoute = post(
  '/weights/read-by-id',
  'One stored version of the weights (e.g. the one a past session was decided with)',
  KycWeightsById,
  KycWeightsResponse,
  404,
);
const requirementsReadRoute = post(
  '/requirements/read',
  'Required fields per document type and data source in force (defaults included)',
  KycRequirementsRead,
  KycRequirementsResponse,
);
const requirementsUpdateRoute = post(
  '/requirements/update',
  'Set the required fields of one document type and data source (422 INVALID_REQUIREMENTS)',
  KycRequirementsUpdate,
  KycRequirement,
  422,
);

/** Field names outside the documented list are the customer's mistake with its own code, not a generic 422. */
function requiredFieldsOf(values: unknown[]): Array<z.infer<typeof FieldName>> {
  const parsed = z.array(FieldName).safeParse(values);
  if (!parsed.success) {
    throw new ApiError(
      422,
      'INVALID_REQUIREMENTS',
      `required_fields must be among: ${FieldName.options.join(', ')}`,
      parsed.error.issues.map((issue) => ({
        path: ['required_fields', ...issue.path].join('.'),
        code: issue.code,
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

export function tuningRoutes(ctx: ServerContext) {
  const router = newRouter();
  const client = requireClient(ctx);
  const answer = async (clientId: string, version: WeightsVersion) => ({
    idv_weights_id: version.id,
    version: version.version,
    user_id: version.user_id,
    weights: version.weights,
    defaults: await clientDefaults(ctx, clientId),
    created_at: version.created_at,
  });

  router.openapi({ ...weightsReadRoute, middleware: [client] as const }, async (c) => {
    const { user_id } = c.req.valid('json');
    const clientId = c.var.client.id;
    return c.json(await answer(clientId, await currentWeights(ctx, clientId, user_id)), 200);
  });
  router.openapi({ ...weightsUpdateRoute, middleware: [client] as const }, async (c) => {
    const { user_id, weights } = c.req.valid('json');
    const clientId = c.var.client.id;
    return c.json(await answer(clientId, await updateWeights(ctx, clientId, user_id ?? null, weights)), 200);
  });
  router.openapi({ ...weightsByIdRoute, middleware: [client] as const }, async (c) => {
    const clientId = c.var.client.id;
    const version = await weightsById(ctx, clientId, c.req.valid('json').idv_weights_id);
    if (!version) throw new ApiError(404, 'NOT_FOUND', 'Weights version not found');
    return c.json(await answer(clientId, version), 200);
  });
  router.openapi({ ...requirementsReadRoute, middleware: [client] as const }, async (c) => {
    const { user_id, document_type } = c.req.valid('json');
    const items = await readRequirements(ctx, c.var.client.id, user_id ?? null, document_type);
    return c.json({ items }, 200);
  });
  router.openapi({ ...requirementsUpdateRoute, middleware: [client] as const }, async (c) => {
    const body = c.req.valid('json');
    const fields = requiredFieldsOf(body.required_fields);
    const stored = await updateRequirement(
      ctx,
      c.var.client.id,
      body.user_id ?? null,
      body.document_type,
      body.data_source,
      fields,
    );
    return c.json(stored, 200);
  });
  return router;
}
