/**
 * Server-to-server API (OAuth Bearer, `requireClient`): accounts, executions, and the Retrieval API (details,
 * status, steps, rules, part images, PDF report, fraud feedback, lists, PII deletion). A client only ever sees its
 * own accounts: another client's ids answer 404 like unknown ones.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  CreateAccountRequest,
  CreateAccountResponse,
  ExecutionDetails,
  ExecutionList,
  ExecutionListQuery,
  ExecutionRules,
  ExecutionStatusResponse,
  ExecutionSteps,
  Feedback,
  FeedbackRequest,
  PartClassifier,
  ProcessedExecutionList,
  ProcessedListQuery,
  ReportLink,
} from '../../shared/api/index.js';
import { requireClient } from '../auth/middleware.js';
import type { ServerContext } from '../context.js';
import { createExecution } from '../executions/create-execution.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import {
  decisionRules,
  executionDetails,
  executionStatus,
  executionSteps,
  findOwnCredentialExecution,
  findOwnExecution,
  listExecutions,
  listProcessedExecutions,
  readPartImage,
  recordFeedback,
  wipeAccount,
  wipeExecution,
} from '../executions/retrieval.js';
import type { HttpMetrics } from '../http/metrics.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';
import { renderExecutionReport } from '../reports/pdf-report.js';
import { signReportLink, verifyReportLink } from '../reports/report-links.js';

const Id = z.string().min(1).max(64);
const AccountParams = z.object({ accountId: Id });
const ExecutionParams = z.object({ accountId: Id, workflowExecutionId: Id });
const PartParams = ExecutionParams.extend({ credentialId: Id, classifier: PartClassifier });
const RetrievalPartParams = AccountParams.extend({ credentialId: Id, classifier: PartClassifier });
const ReportParams = z.object({ workflowExecutionId: Id });
const ReportQuery = z.object({
  expires: z.string().max(16).optional(),
  signature: z.string().max(128).optional(),
});
const EXECUTION_PATH = '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}';

const imageContent = {
  'image/jpeg': { schema: z.string().meta({ format: 'binary' }) },
  'image/png': { schema: z.string().meta({ format: 'binary' }) },
  'application/pdf': { schema: z.string().meta({ format: 'binary' }) },
};

const createAccount = createRoute({
  method: 'post',
  path: '/api/v1/accounts',
  tags: ['accounts'],
  summary: 'Create an account and its first workflow execution',
  security: bearerSecurity,
  request: { body: jsonBody(CreateAccountRequest) },
  responses: {
    201: jsonResponse(CreateAccountResponse, 'Account and execution created'),
    ...errorResponses(400, 401, 403, 413, 422),
  },
});

const newExecution = createRoute({
  method: 'put',
  path: '/api/v1/accounts/{accountId}',
  tags: ['accounts'],
  summary: 'Start a new workflow execution for an existing account',
  security: bearerSecurity,
  request: { params: AccountParams, body: jsonBody(CreateAccountRequest) },
  responses: {
    200: jsonResponse(CreateAccountResponse, 'Execution created'),
    ...errorResponses(400, 401, 403, 404, 413, 422),
  },
});

const getDetails = createRoute({
  method: 'get',
  path: EXECUTION_PATH,
  tags: ['retrieval'],
  summary:
    'Workflow execution details: decision, capabilities, parts, steps, rules, feedback, consent, capture',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ExecutionDetails, 'Details'), ...errorResponses(401, 404) },
});

const getStatus = createRoute({
  method: 'get',
  path: `${EXECUTION_PATH}/status`,
  tags: ['retrieval'],
  summary: 'Workflow execution status: the callback body of the current state',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ExecutionStatusResponse, 'Status'), ...errorResponses(401, 404) },
});

const getSteps = createRoute({
  method: 'get',
  path: `${EXECUTION_PATH}/steps`,
  tags: ['retrieval'],
  summary: 'What happened when: creation, consent, uploads, liveness, finalize, decision, deletion',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ExecutionSteps, 'Steps, oldest first'), ...errorResponses(401, 404) },
});

const getRules = createRoute({
  method: 'get',
  path: `${EXECUTION_PATH}/rules`,
  tags: ['retrieval'],
  summary: 'The capability results behind the decision; `fired` marks those that lowered it',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ExecutionRules, 'Rules'), ...errorResponses(401, 404) },
});

const getReportLink = createRoute({
  method: 'get',
  path: `${EXECUTION_PATH}/report`,
  tags: ['retrieval'],
  summary: 'A short-lived signed link (10 min) to the PDF report of the execution',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ReportLink, 'Presigned URL'), ...errorResponses(401, 404) },
});

const getReport = createRoute({
  method: 'get',
  path: '/api/v1/reports/{workflowExecutionId}',
  tags: ['retrieval'],
  summary: 'The PDF report, through the signed link only (no Authorization header)',
  request: { params: ReportParams, query: ReportQuery },
  responses: {
    200: {
      description: 'PDF',
      content: { 'application/pdf': { schema: z.string().meta({ format: 'binary' }) } },
    },
    ...errorResponses(403, 404),
    410: { description: 'The link expired (REPORT_LINK_EXPIRED)' },
  },
});

const putFeedback = createRoute({
  method: 'put',
  path: `${EXECUTION_PATH}/feedback`,
  tags: ['retrieval'],
  summary: 'Fraud feedback on the decision (FRAUD needs a reason); replaces earlier feedback',
  security: bearerSecurity,
  request: { params: ExecutionParams, body: jsonBody(FeedbackRequest) },
  responses: { 200: jsonResponse(Feedback, 'Stored'), ...errorResponses(400, 401, 404, 409, 422) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/accounts/{accountId}/workflow-executions',
  tags: ['retrieval'],
  summary: 'Workflow executions of an account, newest first',
  security: bearerSecurity,
  request: { params: AccountParams, query: ExecutionListQuery },
  responses: { 200: jsonResponse(ExecutionList, 'One page'), ...errorResponses(400, 401, 404, 422) },
});

const listProcessedRoute = createRoute({
  method: 'get',
  path: '/api/v1/workflow-executions',
  tags: ['retrieval'],
  summary: 'The last processed executions across all the client’s accounts, newest first',
  security: bearerSecurity,
  request: { query: ProcessedListQuery },
  responses: { 200: jsonResponse(ProcessedExecutionList, 'One page'), ...errorResponses(400, 401, 422) },
});

const getPart = createRoute({
  method: 'get',
  path: '/api/v1/accounts/{accountId}/credentials/{credentialId}/parts/{classifier}',
  tags: ['retrieval'],
  summary: 'The stored image of one part (the Retrieval document’s path)',
  security: bearerSecurity,
  request: { params: RetrievalPartParams },
  responses: {
    200: { description: 'Image bytes (metadata stripped)', content: imageContent },
    ...errorResponses(401, 404, 422),
  },
});

const getPartAlias = createRoute({
  method: 'get',
  path: `${EXECUTION_PATH}/credentials/{credentialId}/parts/{classifier}`,
  tags: ['retrieval'],
  summary: 'Alias of the part image path, with the execution in it (kept for clients of the earlier path)',
  security: bearerSecurity,
  request: { params: PartParams },
  responses: {
    200: { description: 'Image bytes (metadata stripped)', content: imageContent },
    ...errorResponses(401, 404, 422),
  },
});

const deleteExecution = createRoute({
  method: 'delete',
  path: EXECUTION_PATH,
  tags: ['retrieval'],
  summary: 'Delete the PII of one execution (images, data, references, tokens); the decision is kept',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 404) },
});

const deleteAccount = createRoute({
  method: 'delete',
  path: '/api/v1/accounts/{accountId}',
  tags: ['retrieval'],
  summary: 'Delete the PII of every execution of an account',
  security: bearerSecurity,
  request: { params: AccountParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 404) },
});

const IMAGE_HEADERS = { 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' };

export function accountRoutes(ctx: ServerContext, metrics?: HttpMetrics) {
  const router = newRouter();
  const client = requireClient(ctx);

  router.openapi({ ...createAccount, middleware: [client] as const }, async (c) => {
    return c.json(await createExecution(ctx, c.var.client, c.req.valid('json')), 201);
  });
  router.openapi({ ...newExecution, middleware: [client] as const }, async (c) => {
    const { accountId } = c.req.valid('param');
    return c.json(await createExecution(ctx, c.var.client, c.req.valid('json'), accountId), 200);
  });
  router.openapi({ ...getDetails, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    return c.json(await executionDetails(ctx, row), 200);
  });
  router.openapi({ ...getStatus, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    return c.json(executionStatus(ctx, row), 200);
  });
  router.openapi({ ...getSteps, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    return c.json({ workflowExecution: { id: row.id }, steps: await executionSteps(ctx, row) }, 200);
  });
  router.openapi({ ...getRules, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    const details = await executionDetails(ctx, row);
    return c.json(
      {
        workflowExecution: { id: row.id },
        rules: decisionRules(row, details.decision, details.capabilities),
      },
      200,
    );
  });
  router.openapi({ ...getReportLink, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    c.header('Cache-Control', 'no-store');
    return c.json(await signReportLink(ctx, row.id), 200);
  });
  router.openapi(getReport, async (c) => {
    const { workflowExecutionId } = c.req.valid('param');
    const { expires, signature } = c.req.valid('query');
    await verifyReportLink(ctx, workflowExecutionId, expires, signature);
    const row = await ctx.db
      .selectFrom('workflow_executions')
      .selectAll()
      .where('id', '=', workflowExecutionId)
      .executeTakeFirst();
    if (!row) return c.json({ error: { code: 'NOT_FOUND' as const, message: 'Not found' } }, 404);
    const pdf = await executionReport(ctx, row);
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `inline; filename="report-${row.id}.pdf"`,
      ...IMAGE_HEADERS,
    });
  });
  router.openapi({ ...putFeedback, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    const feedback = await recordFeedback(ctx, row, c.req.valid('json'));
    metrics?.countFeedback(feedback.status, feedback.reason);
    return c.json(feedback, 200);
  });
  router.openapi({ ...listRoute, middleware: [client] as const }, async (c) => {
    const { accountId } = c.req.valid('param');
    const { page, size } = c.req.valid('query');
    return c.json(await listExecutions(ctx, c.var.client, accountId, page, size), 200);
  });
  router.openapi({ ...listProcessedRoute, middleware: [client] as const }, async (c) => {
    const { page, size } = c.req.valid('query');
    return c.json(await listProcessedExecutions(ctx, c.var.client, page, size), 200);
  });
  router.openapi({ ...getPart, middleware: [client] as const }, async (c) => {
    const { accountId, credentialId, classifier } = c.req.valid('param');
    const row = await findOwnCredentialExecution(ctx, c.var.client, accountId, credentialId);
    const image = await readPartImage(ctx, row, credentialId, classifier);
    return c.body(new Uint8Array(image.bytes), 200, { 'Content-Type': image.mime, ...IMAGE_HEADERS });
  });
  router.openapi({ ...getPartAlias, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId, credentialId, classifier } = c.req.valid('param');
    const row = await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId);
    const image = await readPartImage(ctx, row, credentialId, classifier);
    return c.body(new Uint8Array(image.bytes), 200, { 'Content-Type': image.mime, ...IMAGE_HEADERS });
  });
  router.openapi({ ...deleteExecution, middleware: [client] as const }, async (c) => {
    const { accountId, workflowExecutionId } = c.req.valid('param');
    await wipeExecution(ctx, await findOwnExecution(ctx, c.var.client, accountId, workflowExecutionId));
    return c.body(null, 204);
  });
  router.openapi({ ...deleteAccount, middleware: [client] as const }, async (c) => {
    await wipeAccount(ctx, c.var.client, c.req.valid('param').accountId);
    return c.body(null, 204);
  });
  return router;
}

/** The report with the images the decision was made on (none after PII deletion: the blobs are gone). */
async function executionReport(ctx: ServerContext, row: ExecutionRow): Promise<Uint8Array> {
  const details = await executionDetails(ctx, row);
  const images = [];
  for (const credential of details.credentials) {
    for (const part of credential.parts) {
      const image = await readPartImage(ctx, row, credential.id, part.classifier).catch(() => undefined);
      if (image) images.push({ label: `${credential.category} ${part.classifier}`, ...image });
    }
  }
  return renderExecutionReport(details, images, ctx.clock.now());
}
