/** Server-to-server API (OAuth Bearer): accounts, executions, retrieval, part images, PII deletion. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  CreateAccountRequest,
  CreateAccountResponse,
  ExecutionDetails,
  ExecutionList,
  ExecutionListQuery,
  ExecutionStatusResponse,
  PartClassifier,
} from '../../shared/api/index.js';
import { authenticateClient } from '../auth/access-tokens.js';
import type { ServerContext } from '../context.js';
import { createExecution } from '../executions/create-execution.js';
import {
  executionDetails,
  executionStatus,
  findOwnExecution,
  listExecutions,
  readPartImage,
  wipeAccount,
  wipeExecution,
} from '../executions/retrieval.js';
import { errorResponses, jsonBody, jsonResponse } from '../http/openapi-helpers.js';
import { bearerSecurity, newRouter } from '../http/router.js';

const Id = z.string().min(1).max(64);
const AccountParams = z.object({ accountId: Id });
const ExecutionParams = z.object({ accountId: Id, workflowExecutionId: Id });
const PartParams = ExecutionParams.extend({ credentialId: Id, classifier: PartClassifier });

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
  path: '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
  tags: ['retrieval'],
  summary: 'Workflow execution details: status, decision, capabilities, parts',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ExecutionDetails, 'Details'), ...errorResponses(401, 404) },
});

const getStatus = createRoute({
  method: 'get',
  path: '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/status',
  tags: ['retrieval'],
  summary: 'Workflow execution status',
  security: bearerSecurity,
  request: { params: ExecutionParams },
  responses: { 200: jsonResponse(ExecutionStatusResponse, 'Status'), ...errorResponses(401, 404) },
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

const getPart = createRoute({
  method: 'get',
  path: '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/{classifier}',
  tags: ['retrieval'],
  summary: 'The stored image of one part',
  security: bearerSecurity,
  request: { params: PartParams },
  responses: {
    200: {
      description: 'Image bytes (metadata stripped)',
      content: {
        'image/jpeg': { schema: z.string().meta({ format: 'binary' }) },
        'image/png': { schema: z.string().meta({ format: 'binary' }) },
        'application/pdf': { schema: z.string().meta({ format: 'binary' }) },
      },
    },
    ...errorResponses(401, 404, 422),
  },
});

const deleteExecution = createRoute({
  method: 'delete',
  path: '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
  tags: ['retrieval'],
  summary: 'Delete the PII of one execution (images, references, capture metadata); the decision is kept',
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

export function accountRoutes(ctx: ServerContext) {
  const router = newRouter();
  const client = (authorization: string | undefined) => authenticateClient(ctx, authorization);

  router.openapi(createAccount, async (c) => {
    const owner = await client(c.req.header('authorization'));
    return c.json(await createExecution(ctx, owner, c.req.valid('json')), 201);
  });
  router.openapi(newExecution, async (c) => {
    const owner = await client(c.req.header('authorization'));
    const { accountId } = c.req.valid('param');
    return c.json(await createExecution(ctx, owner, c.req.valid('json'), accountId), 200);
  });
  router.openapi(getDetails, async (c) => {
    const owner = await client(c.req.header('authorization'));
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, owner, accountId, workflowExecutionId);
    return c.json(await executionDetails(ctx, row), 200);
  });
  router.openapi(getStatus, async (c) => {
    const owner = await client(c.req.header('authorization'));
    const { accountId, workflowExecutionId } = c.req.valid('param');
    const row = await findOwnExecution(ctx, owner, accountId, workflowExecutionId);
    return c.json(executionStatus(ctx, row), 200);
  });
  router.openapi(listRoute, async (c) => {
    const owner = await client(c.req.header('authorization'));
    const { accountId } = c.req.valid('param');
    const { page, size } = c.req.valid('query');
    return c.json(await listExecutions(ctx, owner, accountId, page, size), 200);
  });
  router.openapi(getPart, async (c) => {
    const owner = await client(c.req.header('authorization'));
    const { accountId, workflowExecutionId, credentialId, classifier } = c.req.valid('param');
    const row = await findOwnExecution(ctx, owner, accountId, workflowExecutionId);
    const image = await readPartImage(ctx, row, credentialId, classifier);
    return c.body(new Uint8Array(image.bytes), 200, {
      'Content-Type': image.mime,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });
  router.openapi(deleteExecution, async (c) => {
    const owner = await client(c.req.header('authorization'));
    const { accountId, workflowExecutionId } = c.req.valid('param');
    await wipeExecution(ctx, await findOwnExecution(ctx, owner, accountId, workflowExecutionId));
    return c.body(null, 204);
  });
  router.openapi(deleteAccount, async (c) => {
    const owner = await client(c.req.header('authorization'));
    await wipeAccount(ctx, owner, c.req.valid('param').accountId);
    return c.body(null, 204);
  });
  return router;
}
